// Namespace names are DNS-1123 labels. Anything else is refused before it is matched: a value such as
// "dev/../prod", "dev prod" or "dev%2Fx" never reaches a glob, so a pattern can't be tricked by separators.

enum NamespaceName {
    static func isValid(_ s: String) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 63 else { return false }
        var first = true
        var last: UInt8 = 0
        for c in u {
            let alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
            if !(alnum || c == 0x2d) { return false }
            if first && c == 0x2d { return false }
            first = false
            last = c
        }
        return last != 0x2d
    }

    /// A namespace value found in a flag, field, path or manifest: validated or refused.
    static func checked(_ s: String, from origin: String) throws(KubeRefusal) -> String {
        guard isValid(s) else {
            throw KubeRefusal("\(origin): \"\(s.prefix(80))\" is not a valid namespace name (DNS-1123 label)")
        }
        return s
    }
}
