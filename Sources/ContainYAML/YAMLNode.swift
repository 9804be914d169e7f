// The composed YAML document: a value tree whose every node remembers where it was written. Aliases are
// resolved to copies of the anchored node; copies share their storage (arrays are copy-on-write), so a
// small "billion laughs" text composes cheaply, and whoever walks the tree must bound the walk by a node
// budget, because the *walk* of such a tree is exponential.

/// A 1-based line and column (columns count Unicode scalars, like libyaml's marks).
public struct YAMLMark: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// How a scalar was written. Only `plain` scalars are subject to type resolution (`1`, `true`, `~`);
/// every other style is a string unless it carries an explicit tag.
public enum YAMLScalarStyle: Sendable, Equatable {
    case plain
    case singleQuoted
    case doubleQuoted
    case literal
    case folded
}

public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(String, YAMLScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    /// Where the node starts (for an alias: where the anchored node starts).
    public var mark: YAMLMark
    /// The explicit tag with its handle expanded by libyaml (`!!str` is `tag:yaml.org,2002:str`, a lone
    /// `!` stays `!`); nil when the node carries none.
    public var tag: String?

    public init(_ content: Content, mark: YAMLMark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }

    /// The scalar's text, or nil for a collection.
    public var scalar: String? {
        if case .scalar(let s, _) = content { return s }
        return nil
    }

    /// A scalar written without quotes or block indicators and without a tag: the only kind whose type is
    /// decided by a schema's resolver.
    public var isPlainUntagged: Bool {
        if case .scalar(_, .plain) = content { return tag == nil }
        return false
    }

    /// The node's type under `schema`: explicit tags decide first, then style (quoted and block scalars
    /// are strings), then the schema's resolver for plain scalars.
    public func type(in schema: YAMLSchema) -> YAMLType {
        switch content {
        case .sequence:
            guard let tag, tag != YAMLType.sequence.tag else { return .sequence }
            return .tagged(tag)
        case .mapping:
            guard let tag, tag != YAMLType.mapping.tag else { return .mapping }
            return .tagged(tag)
        case .scalar(let text, let style):
            if let tag {
                // A standard collection tag on a scalar names no scalar type: keep it as an unknown tag.
                guard let t = YAMLType.scalarType(forTag: tag) else { return .tagged(tag) }
                return t
            }
            return style == .plain ? schema.resolve(plain: text) : .string
        }
    }
}

public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
