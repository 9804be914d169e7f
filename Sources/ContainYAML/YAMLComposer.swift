// YAML text -> YAMLNode trees. libyaml scans and parses (it is the well-kept part); this file turns its
// event stream into nodes, resolves aliases, refuses duplicate keys and caps nesting. It works with an
// explicit stack, so no input can recurse it into a stack overflow, and the cap counts the levels an alias
// brings along: chained aliases could otherwise build a tree 200,000 levels deep out of a 400 KiB text, and
// any recursive walk of it (even its release) would overflow the stack.

import CYAML

public enum YAMLComposer {
    /// The nesting cap Yams' libyaml applied (profiles and manifests are far shallower).
    public static let defaultMaxDepth = 1000

    /// The single document of `text`, or nil for a stream with none (empty, or only comments).
    /// A second document is an error of kind `.moreThanOneDocument`; nothing after it is read.
    public static func compose(_ text: String, maxDepth: Int = defaultMaxDepth) throws(YAMLError) -> YAMLNode? {
        var copy = text
        let result = copy.withUTF8 { run($0, single: true, maxDepth: maxDepth) }
        return try result.get().first
    }

    /// Every document of `text`, in order (an empty document is an empty plain scalar, as in YAML).
    public static func composeAll(_ text: String, maxDepth: Int = defaultMaxDepth) throws(YAMLError) -> [YAMLNode] {
        var copy = text
        return try copy.withUTF8 { run($0, single: false, maxDepth: maxDepth) }.get()
    }

    /// As `compose`, for bytes that may not be UTF-8 (libyaml reports where they stop being text).
    public static func compose(bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(YAMLError) -> YAMLNode? {
        try bytes.withUnsafeBufferPointer { run($0, single: true, maxDepth: maxDepth) }.get().first
    }

    /// As `composeAll`, for bytes that may not be UTF-8.
    public static func composeAll(bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(YAMLError) -> [YAMLNode] {
        try bytes.withUnsafeBufferPointer { run($0, single: false, maxDepth: maxDepth) }.get()
    }

    /// What `run` returns. Not `Result<[YAMLNode], YAMLError>`: a generic type with an `Error` requirement
    /// has its metadata built at run time through a scan of every protocol conformance in the binary,
    /// which cost nearly half as much as composing the strict profile (perf, contain run).
    enum Outcome {
        case success([YAMLNode])
        case failure(YAMLError)

        func get() throws(YAMLError) -> [YAMLNode] {
            switch self {
            case .success(let documents): return documents
            case .failure(let error): throw error
            }
        }
    }

    static func run(_ input: UnsafeBufferPointer<UInt8>, single: Bool, maxDepth: Int) -> Outcome {
        // libyaml asserts a non-NULL input; an empty text is an empty stream anyway.
        guard let base = input.baseAddress, !input.isEmpty else { return .success([]) }
        // The parser keeps pointers to itself (the string reader's handler data): it must not move.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            return .failure(YAMLError(.memory, problem: "libyaml could not allocate its parser", mark: YAMLMark(line: 1, column: 1)))
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, base, input.count)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer { event.deallocate() }

        var composer = EventComposer(single: single, maxDepth: maxDepth)
        while true {
            guard yaml_parser_parse(parser, event) == 1 else {
                return .failure(libyamlError(parser.pointee, input: input))
            }
            let step = composer.consume(event.pointee)
            yaml_event_delete(event)
            switch step {
            case .more: continue
            case .done: return .success(composer.documents)
            case .failed(let e): return .failure(e)
            }
        }
    }

    static func mark(_ m: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    static func libyamlError(_ p: yaml_parser_t, input: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let problem = p.problem.map { String(cString: $0) } ?? "unknown libyaml error"
        let context = p.context.map { String(cString: $0) }
        switch p.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(.memory, problem: "libyaml ran out of memory", mark: mark(p.problem_mark))
        case YAML_READER_ERROR:
            // The reader knows only the byte offset; its marks are not kept up to date.
            return YAMLError(.reader, problem: problem, mark: TextPosition.mark(ofByteOffset: Int(p.problem_offset), in: input))
        case YAML_SCANNER_ERROR:
            return YAMLError(.scanner, problem: problem, mark: mark(p.problem_mark),
                             context: context, contextMark: context == nil ? nil : mark(p.context_mark))
        default:
            return YAMLError(.parser, problem: problem, mark: mark(p.problem_mark),
                             context: context, contextMark: context == nil ? nil : mark(p.context_mark))
        }
    }
}

/// The composition state between two libyaml events.
struct EventComposer {
    enum Step { case more, done, failed(YAMLError) }

    /// A collection whose end event has not arrived yet.
    struct Open {
        var isMapping: Bool
        var mark: YAMLMark
        var tag: String?
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        /// Levels of the deepest child so far (a scalar is 0, `[x]` is 1).
        var childHeight = 0
        /// Scalar keys seen so far, built once the mapping is too big for a linear scan.
        var keyIndex: [String: YAMLMark]?
    }

    /// Past this many pairs a mapping's duplicate check uses a dictionary instead of scanning.
    static let linearKeyScanLimit = 16

    let single: Bool
    let maxDepth: Int
    var stack: [Open] = []
    /// Anchors of the current document (YAML scopes them to one document), with their heights.
    var anchors: [String: (node: YAMLNode, height: Int)] = [:]
    var root: YAMLNode?
    var documents: [YAMLNode] = []

    init(single: Bool, maxDepth: Int) {
        self.single = single
        self.maxDepth = maxDepth
    }

    mutating func consume(_ e: yaml_event_t) -> Step {
        let at = YAMLComposer.mark(e.start_mark)
        switch e.type {
        case YAML_STREAM_END_EVENT:
            return .done
        case YAML_DOCUMENT_START_EVENT:
            if single, !documents.isEmpty {
                return .failed(YAMLError(.moreThanOneDocument, problem: "but found another document", mark: at,
                                         context: "expected a single document in the stream",
                                         contextMark: documents.first?.mark))
            }
            anchors.removeAll(keepingCapacity: true)
            root = nil
            return .more
        case YAML_DOCUMENT_END_EVENT:
            if let root { documents.append(root) }
            root = nil
            return .more
        case YAML_ALIAS_EVENT:
            let name = cString(e.data.alias.anchor) ?? ""
            guard let (node, height) = anchors[name] else {
                return .failed(YAMLError(.undefinedAlias(name), problem: "found undefined alias '\(name)'", mark: at))
            }
            guard stack.count + height <= maxDepth else { return tooDeep(at, throughAlias: true) }
            return attach(node, height: height)
        case YAML_SCALAR_EVENT:
            let s = e.data.scalar
            let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
            let node = YAMLNode(.scalar(text, style(s.style)), mark: at, tag: cString(s.tag))
            if let anchor = cString(s.anchor) { anchors[anchor] = (node, 0) }
            return attach(node, height: 0)
        case YAML_SEQUENCE_START_EVENT:
            let s = e.data.sequence_start
            return open(Open(isMapping: false, mark: at, tag: cString(s.tag), anchor: cString(s.anchor)), at: at)
        case YAML_MAPPING_START_EVENT:
            let m = e.data.mapping_start
            return open(Open(isMapping: true, mark: at, tag: cString(m.tag), anchor: cString(m.anchor)), at: at)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let c = stack.popLast() else { return .more }
            let node = YAMLNode(c.isMapping ? .mapping(c.pairs) : .sequence(c.items), mark: c.mark, tag: c.tag)
            let height = c.childHeight + 1
            if let anchor = c.anchor { anchors[anchor] = (node, height) }
            return attach(node, height: height)
        default:
            return .more
        }
    }

    private mutating func open(_ c: Open, at: YAMLMark) -> Step {
        guard stack.count < maxDepth else { return tooDeep(at, throughAlias: false) }
        stack.append(c)
        return .more
    }

    private func tooDeep(_ at: YAMLMark, throughAlias: Bool) -> Step {
        let problem = "collections nested more than \(maxDepth) levels deep (maximum nesting level)"
        return .failed(YAMLError(.tooDeep(limit: maxDepth), problem: throughAlias ? problem + " once this alias is expanded" : problem,
                                 mark: at))
    }

    private mutating func attach(_ node: YAMLNode, height: Int) -> Step {
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return .more
        }
        stack[top].childHeight = max(stack[top].childHeight, height)
        if !stack[top].isMapping {
            stack[top].items.append(node)
            return .more
        }
        guard let key = stack[top].pendingKey else {
            stack[top].pendingKey = node
            return .more
        }
        stack[top].pendingKey = nil
        if let name = key.scalar, let first = Self.firstMark(ofKey: name, in: &stack[top]) {
            return .failed(YAMLError(.duplicateKey(name, first: first), problem: "duplicate key '\(name)'", mark: key.mark,
                                     context: "while composing a mapping", contextMark: stack[top].mark))
        }
        stack[top].pairs.append(YAMLPair(key: key, value: node))
        if let name = key.scalar { stack[top].keyIndex?[name] = key.mark }
        return .more
    }

    /// Where a scalar key with this text was already written in the mapping, if it was. Keys compare by
    /// their text whatever their style: `1` and `"1"` name the same field for every consumer here.
    private static func firstMark(ofKey name: String, in c: inout Open) -> YAMLMark? {
        if c.keyIndex == nil, c.pairs.count >= linearKeyScanLimit {
            var index: [String: YAMLMark] = [:]
            for p in c.pairs { if let k = p.key.scalar, index[k] == nil { index[k] = p.key.mark } }
            c.keyIndex = index
        }
        if let index = c.keyIndex { return index[name] }
        return c.pairs.first { $0.key.scalar == name }?.key.mark
    }

    private func style(_ s: yaml_scalar_style_t) -> YAMLScalarStyle {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    private func cString(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: $0) }
    }
}
