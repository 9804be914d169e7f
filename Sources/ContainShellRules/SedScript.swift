// A reader for sed scripts that finds the commands able to run programs or write files: `e`, `w`, `W` and the
// `e`/`w` flags of `s`. It follows GNU sed's compile.c closely enough to agree on where each command starts
// (delimiters are found the way its match_slash does: backslash escapes, no bracket awareness); anything it
// does not recognise is refused rather than skipped.

enum SedScript {
    static func check(_ script: String) -> DenialReason? {
        var r = Reader(b: Array(script.utf8))
        do { try r.run(); return nil } catch let e as DenialReason { return e } catch {
            return DenialReason("sed script could not be read")
        }
    }

    private struct Reader {
        let b: [UInt8]
        var i = 0
        var depth = 0

        func peek() -> UInt8? { i < b.count ? b[i] : nil }
        mutating func skipSpaces() { while let c = peek(), c == 0x20 || c == 0x09 { i += 1 } }
        func bad(_ what: String) -> DenialReason { DenialReason("sed script not understood (\(what)); refused") }

        mutating func run() throws {
            while true {
                while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0a || c == UInt8(ascii: ";") { i += 1 }
                guard peek() != nil else { break }
                try address()
                skipSpaces()
                if peek() == UInt8(ascii: ",") {
                    i += 1
                    skipSpaces()
                    if let c = peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "~") {
                        i += 1
                        try digits(required: true)
                    } else {
                        try address(required: true)
                    }
                }
                skipSpaces()
                while peek() == UInt8(ascii: "!") { i += 1; skipSpaces() }
                guard let cmd = peek() else { throw bad("address without a command") }
                i += 1
                try command(cmd)
                if cmd == UInt8(ascii: "{") { continue }
                // What may follow a command.
                skipSpaces()
                if let c = peek(), !(c == 0x0a || c == UInt8(ascii: ";") || c == UInt8(ascii: "}") || c == UInt8(ascii: "#")) {
                    throw bad("unexpected '\(Character(Unicode.Scalar(c)))' after command")
                }
            }
            if depth != 0 { throw bad("unmatched {") }
        }

        mutating func digits(required: Bool) throws {
            let s = i
            while let c = peek(), c >= 0x30, c <= 0x39 { i += 1 }
            if required, i == s { throw bad("number expected") }
        }

        mutating func address(required: Bool = false) throws {
            guard let c = peek() else { if required { throw bad("address expected") }; return }
            if c >= 0x30, c <= 0x39 {
                try digits(required: true)
                if peek() == UInt8(ascii: "~") { i += 1; try digits(required: true) }
            } else if c == UInt8(ascii: "$") {
                i += 1
            } else if c == UInt8(ascii: "/") || c == UInt8(ascii: "\\") {
                var delim = UInt8(ascii: "/")
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard let d = peek(), d != 0x0a, d != UInt8(ascii: "\\") else { throw bad("bad regex delimiter") }
                    delim = d
                }
                i += 1
                try delimited(delim)
                while let f = peek(), f == UInt8(ascii: "I") || f == UInt8(ascii: "M") { i += 1 }
            } else if required {
                throw bad("address expected")
            }
        }

        /// Skips to the unescaped `delim` (consumed).
        mutating func delimited(_ delim: UInt8) throws {
            while true {
                guard let c = peek() else { throw bad("unterminated regex or replacement") }
                i += 1
                if c == UInt8(ascii: "\\") {
                    guard peek() != nil else { throw bad("trailing backslash") }
                    i += 1
                    continue
                }
                if c == delim { return }
            }
        }

        mutating func toEndOfLine() { while let c = peek(), c != 0x0a { i += 1 } }

        /// Text of a, i, c: to the end of the line, continued while a line ends in an odd number of backslashes.
        mutating func text() {
            while true {
                var backslashes = 0
                while let c = peek(), c != 0x0a {
                    backslashes = c == UInt8(ascii: "\\") ? backslashes + 1 : 0
                    i += 1
                }
                if backslashes % 2 == 1, peek() == 0x0a { i += 1; continue }
                return
            }
        }

        /// Label of `:`, `b`, `t`, `T`: up to `;` or newline.
        mutating func label() {
            while let c = peek(), c != 0x0a, c != UInt8(ascii: ";") { i += 1 }
        }

        mutating func command(_ cmd: UInt8) throws {
            switch cmd {
            case UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth < 0 { throw bad("unmatched }") }
            case UInt8(ascii: "#"):
                toEndOfLine()
            case UInt8(ascii: ":"):
                skipSpaces(); label()
            case UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "T"):
                skipSpaces(); label()
            case UInt8(ascii: "a"), UInt8(ascii: "i"), UInt8(ascii: "c"):
                text()
            case UInt8(ascii: "r"), UInt8(ascii: "R"):
                toEndOfLine()
            case UInt8(ascii: "w"), UInt8(ascii: "W"):
                throw DenialReason("sed command \(Character(Unicode.Scalar(cmd))) writes files")
            case UInt8(ascii: "e"):
                throw DenialReason("sed command e runs commands")
            case UInt8(ascii: "s"):
                guard let d = peek(), d != 0x0a, d != UInt8(ascii: "\\") else { throw bad("bad s delimiter") }
                i += 1
                try delimited(d)
                try delimited(d)
                while let f = peek() {
                    switch f {
                    case UInt8(ascii: "e"): throw DenialReason("sed s///e runs the pattern space as a command")
                    case UInt8(ascii: "w"): throw DenialReason("sed s///w writes files")
                    case UInt8(ascii: "g"), UInt8(ascii: "p"), UInt8(ascii: "i"), UInt8(ascii: "I"), UInt8(ascii: "m"),
                         UInt8(ascii: "M"), 0x30...0x39:
                        i += 1
                    default:
                        return
                    }
                }
            case UInt8(ascii: "y"):
                guard let d = peek(), d != 0x0a, d != UInt8(ascii: "\\") else { throw bad("bad y delimiter") }
                i += 1
                try delimited(d)
                try delimited(d)
            case UInt8(ascii: "l"), UInt8(ascii: "L"), UInt8(ascii: "q"), UInt8(ascii: "Q"):
                skipSpaces(); try digits(required: false)
            case UInt8(ascii: "v"):
                label()
            case UInt8(ascii: "="), UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "g"), UInt8(ascii: "G"),
                 UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "p"),
                 UInt8(ascii: "P"), UInt8(ascii: "x"), UInt8(ascii: "z"), UInt8(ascii: "F"):
                break
            default:
                throw bad("unknown command '\(Character(Unicode.Scalar(cmd)))'")
            }
        }
    }
}
