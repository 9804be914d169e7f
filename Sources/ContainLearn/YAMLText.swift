// Scalars as YAML text: plain where that cannot be misread (by YAML or by a person), double-quoted otherwise.

enum YAMLText {
    private static let reservedPlain: Set<String> = [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", "True", "False", "TRUE", "FALSE",
        "Yes", "No", "YES", "NO", "On", "Off", "ON", "OFF", "Null", "NULL", "",
    ]

    /// A string value.
    static func scalar(_ s: String) -> String {
        if isSafePlain(s) { return s }
        return quoted(s)
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7f || (u.value >= 0x80 && u.value < 0xa0) || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += u.value <= 0xff ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                                          : "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    private static func isSafePlain(_ s: String) -> Bool {
        guard !reservedPlain.contains(s), let first = s.unicodeScalars.first else { return false }
        // Numbers (and things YAML 1.1 might read as numbers or times) stay quoted.
        if first == "." || first == "+" || first == "-" || ("0"..."9").contains(first) { return false }
        let firstOK = first.properties.isAlphabetic && first.isASCII || first == "/" || first == "_"
        guard firstOK else { return false }
        for u in s.unicodeScalars {
            let ok = (u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u)))
                || "/._-+=,".unicodeScalars.contains(u)
            if !ok { return false }
        }
        return true
    }

    /// A comment's text on one line.
    static func comment(_ s: String) -> String {
        var out = ""
        for c in s { out.append(c == "\n" || c == "\r" ? " " : c) }
        return out
    }
}

/// Builds indented YAML lines with optional trailing comments.
struct YAMLLines {
    private(set) var lines: [String] = []
    var indent = 0

    mutating func comment(_ text: String) {
        lines.append(String(repeating: " ", count: indent) + "# " + YAMLText.comment(text))
    }

    mutating func blank() { lines.append("") }

    mutating func key(_ k: String, _ value: String? = nil, note: String? = nil) {
        var l = String(repeating: " ", count: indent) + k + ":"
        if let value { l += " " + value }
        if let note, !note.isEmpty { l += "   # " + YAMLText.comment(note) }
        lines.append(l)
    }

    mutating func item(_ value: String, note: String? = nil) {
        var l = String(repeating: " ", count: indent) + "- " + value
        if let note, !note.isEmpty { l += "   # " + YAMLText.comment(note) }
        lines.append(l)
    }

    mutating func nest(_ body: (inout YAMLLines) -> Void) {
        indent += 2
        body(&self)
        indent -= 2
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
