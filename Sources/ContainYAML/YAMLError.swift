// Why a YAML text could not be composed, and where. libyaml's own problem and context texts are kept
// verbatim (users search for them); the composer's problems are this library's.

public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The bytes are not text libyaml accepts (invalid UTF-8, control characters).
        case reader
        /// Tokens: an unterminated quote, a tab where indentation was expected, ...
        case scanner
        /// Grammar: a missing `]`, a block mapping where a scalar was expected, ...
        case parser
        /// An alias names no anchor defined before it in the same document.
        case undefinedAlias(String)
        /// A scalar key appears twice in one mapping; `first` is where it was written first.
        case duplicateKey(String, first: YAMLMark)
        /// Collections nested deeper than the composer's limit.
        case tooDeep(limit: Int)
        /// `compose` was given a stream with a second document (at `mark`).
        case moreThanOneDocument
        /// libyaml could not allocate memory.
        case memory
    }

    public var kind: Kind
    /// What is wrong, e.g. libyaml's "did not find expected ',' or ']'".
    public var problem: String
    /// Where the problem was found.
    public var mark: YAMLMark
    /// What was being read when it was found, e.g. "while parsing a flow sequence", and where that began.
    public var context: String?
    public var contextMark: YAMLMark?

    public init(_ kind: Kind, problem: String, mark: YAMLMark, context: String? = nil, contextMark: YAMLMark? = nil) {
        self.kind = kind
        self.problem = problem
        self.mark = mark
        self.context = context
        self.contextMark = contextMark
    }

    /// `3:5: did not find expected key (while parsing a block mapping at 1:1)`
    public var description: String {
        var s = "\(mark): \(problem)"
        if let context {
            s += " (\(context)"
            if let contextMark { s += " at \(contextMark)" }
            s += ")"
        }
        return s
    }
}
