// Lexical resolution of absolute paths, shared by the plan builder (mount targets, Landlock rules), the
// learner (paths the listener reports) and the profile locator: one definition, so a path means the same
// thing at every stage.
//
// Bytes, not Characters: the kernel splits a path at every 0x2F byte. Splitting a Swift String by
// Character would keep a "/" that a combining mark follows inside one component ("/\u{301}" is one
// Character), and the sandbox would then be built for a path other than the one the kernel resolves.

public enum LexicalPath {
    private static let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")

    /// `path` as an absolute path without empty, `.` or `..` components and without a trailing `/`
    /// (`..` removes the component before it; at the root it stays at the root). Relative input is read
    /// from `/`. Only for paths whose symlinks do not matter or were resolved already.
    public static func normalize(_ path: String) -> String {
        if isNormal(path) { return path }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count + 1)
        // Read from "/": then every component has a "/" before it in the input as in the output, so
        // writing in place, `w` never passes `r`.
        if path.utf8.first != slash { bytes.append(slash) }
        bytes.append(contentsOf: path.utf8)
        var componentStarts: [Int] = []
        var w = 0, r = 0
        let n = bytes.count
        while r < n {
            while r < n && bytes[r] == slash { r += 1 }
            let start = r
            while r < n && bytes[r] != slash { r += 1 }
            let length = r - start
            if length == 0 || (length == 1 && bytes[start] == dot) { continue }
            if length == 2 && bytes[start] == dot && bytes[start + 1] == dot {
                if let last = componentStarts.popLast() { w = last }
                continue
            }
            componentStarts.append(w)
            bytes[w] = slash
            w += 1
            for k in start..<r { bytes[w] = bytes[k]; w += 1 }
        }
        if w == 0 { return "/" }
        // Cut only at ASCII "/" boundaries, so the bytes stay the valid UTF-8 they were.
        return String(decoding: bytes[..<w], as: UTF8.self)
    }

    /// Already what `normalize` returns: absolute, no `//`, `.` or `..` component, no trailing `/`.
    /// One pass over the bytes, no allocation (the common case).
    public static func isNormal(_ path: String) -> Bool {
        var u = path.utf8.makeIterator()
        guard u.next() == slash else { return false }
        var componentLength = 0
        var dots = 0
        var count = 1
        while let b = u.next() {
            count += 1
            if b == slash {
                if componentLength == 0 || componentLength == dots && dots <= 2 { return false }
                componentLength = 0; dots = 0
            } else {
                componentLength += 1
                if b == dot { dots += 1 }
            }
        }
        if count == 1 { return true } // "/"
        return componentLength > 0 && !(componentLength == dots && dots <= 2)
    }
}
