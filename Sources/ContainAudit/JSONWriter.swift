// A tiny JSON text builder for audit lines and reports: the audit path runs per event, so it avoids
// Foundation's encoders and their allocations.

public struct JSONWriter {
    public private(set) var text = ""
    private var needsComma: [Bool] = []

    public init() {}

    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    private mutating func separate() {
        if let last = needsComma.last {
            if last { text += "," }
            needsComma[needsComma.count - 1] = true
        }
    }

    public mutating func beginObject(_ key: String? = nil) { key.map { self.key($0) } ?? separate(); text += "{"; needsComma.append(false) }
    public mutating func endObject() { text += "}"; needsComma.removeLast() }
    public mutating func beginArray(_ key: String? = nil) { key.map { self.key($0) } ?? separate(); text += "["; needsComma.append(false) }
    public mutating func endArray() { text += "]"; needsComma.removeLast() }

    private mutating func key(_ k: String) { separate(); text += JSONWriter.quote(k) + ":" }

    public mutating func field(_ k: String, _ v: String?) { if let v { key(k); text += JSONWriter.quote(v) } }
    public mutating func field(_ k: String, _ v: Int?) { if let v { key(k); text += String(v) } }
    public mutating func field(_ k: String, _ v: Bool) { key(k); text += v ? "true" : "false" }
    /// Inserts already-valid JSON text.
    public mutating func rawField(_ k: String, _ json: String) { key(k); text += json }
    public mutating func value(_ v: String) { separate(); text += JSONWriter.quote(v) }
    public mutating func rawValue(_ json: String) { separate(); text += json }
}
