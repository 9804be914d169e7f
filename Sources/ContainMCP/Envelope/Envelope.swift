// The JSON-RPC 2.0 envelope of one line, read strictly. Only the members the wall needs are built as
// values; the rest (a 50 MiB `result`) is validated in place and kept as a byte range.

import ContainRuleKit

/// A request id as the table keys it: strings by decoded value, numbers by text. "\u0031" and "1" are
/// the same string id, so a server that re-escapes an id still gets its response matched (and filtered).
enum RequestKey: Hashable, Sendable {
    case string(String)
    case number(String)
    init?(_ v: JSONValue) {
        switch v {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        default: return nil
        }
    }
}

enum MessageKind: Equatable {
    case request(method: String)
    case notification(method: String)
    case response
}

/// Why a line was refused before any policy looked at it.
enum EnvelopeFault: Error {
    case parse(JSONParseError)
    case batch
    case notObject
    case notJSONRPC2
    case badMethod
    case badID
    case paramsNotObject
    case badResponse

    var code: Int { if case .parse = self { return -32700 }; return -32600 }

    /// Rule id in audit records.
    var rule: String {
        switch self {
        case .parse: return "protocol.parse"
        case .batch: return "protocol.batch"
        case .notObject: return "protocol.not_object"
        case .notJSONRPC2: return "protocol.jsonrpc"
        case .badMethod: return "protocol.method"
        case .badID: return "protocol.id"
        case .paramsNotObject: return "protocol.params"
        case .badResponse: return "protocol.response"
        }
    }

    var message: String {
        switch self {
        case .parse(let e): return "contain: parse error: \(e.description)"
        case .batch: return "contain: invalid request: JSON-RPC batches are not supported (removed from MCP in 2025-06-18)"
        case .notObject: return "contain: invalid request: a message must be a JSON object"
        case .notJSONRPC2: return "contain: invalid request: \"jsonrpc\" must be \"2.0\""
        case .badMethod: return "contain: invalid request: \"method\" must be a string"
        case .badID: return "contain: invalid request: \"id\" must be a string or a number"
        case .paramsNotObject: return "contain: invalid request: \"params\" must be an object"
        case .badResponse: return "contain: invalid response: needs an \"id\" and exactly one of \"result\" or \"error\""
        }
    }
}

struct Envelope {
    var kind: MessageKind
    var id: JSONValue?
    /// Exact text of the id as sent, for replies and audit ("7", "\"a\"").
    var idText: String?
    var members: [JSONMember]

    func member(_ key: String) -> JSONMember? { members.first { $0.key == key } }

    /// `materializeParams`: build `params` as a value too (jsonrpc/id/method always are).
    static func parse(_ line: UnsafeRawBufferPointer, materializeParams: Bool) throws(EnvelopeFault) -> Envelope {
        let top: JSONTopLevel
        do throws(JSONParseError) {
            top = try JSONParser.parseTopLevel(line) { k in
                k == "jsonrpc" || k == "id" || k == "method" || (materializeParams && k == "params")
            }
        } catch {
            throw .parse(error)
        }
        let members: [JSONMember]
        switch top {
        case .object(let m): members = m
        case .array: throw .batch
        case .scalar: throw .notObject
        }
        var jsonrpc: JSONValue?, method: JSONValue?, idMember: JSONMember?
        var hasResult = false, hasError = false, params: JSONMember?
        for m in members {
            switch m.key {
            case "jsonrpc": jsonrpc = m.value
            case "method": method = m.value
            case "id": idMember = m
            case "result": hasResult = true
            case "error": hasError = true
            case "params": params = m
            default: break
            }
        }
        guard jsonrpc == .string("2.0") else { throw .notJSONRPC2 }
        var idText: String?
        if let idMember {
            idText = String(decoding: UnsafeRawBufferPointer(rebasing: line[idMember.range]), as: UTF8.self)
        }
        let id = idMember?.value
        if let method {
            guard case .string(let name) = method else { throw .badMethod }
            if let params, params.leadByte != UInt8(ascii: "{") { throw .paramsNotObject }
            guard let id else { return Envelope(kind: .notification(method: name), id: nil, idText: nil, members: members) }
            // MCP: request ids are strings or numbers, never null.
            guard RequestKey(id) != nil else { throw .badID }
            return Envelope(kind: .request(method: name), id: id, idText: idText, members: members)
        }
        guard let id, hasResult != hasError else { throw .badResponse }
        // A null id is legal on an error response to a request whose id could not be read.
        guard RequestKey(id) != nil || (id == .null && hasError) else { throw .badID }
        return Envelope(kind: .response, id: id, idText: idText, members: members)
    }
}

/// Messages the wall writes itself.
enum WallMessages {
    static func error(idText: String?, code: Int, message: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + message.utf8.count)
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(contentsOf: (idText ?? "null").utf8)
        out.append(contentsOf: #","error":{"code":"#.utf8)
        out.append(contentsOf: String(code).utf8)
        out.append(contentsOf: #","message":"#.utf8)
        JSONSerializer.writeString(message, into: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }

    /// The result a denied tools/call gets: a tool error the model can read, not a protocol fault.
    static func blocked(idText: String, rule: String, reason: String) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(contentsOf: idText.utf8)
        out.append(contentsOf: #","result":{"content":[{"type":"text","text":"#.utf8)
        JSONSerializer.writeString("Blocked by contain: \(rule): \(reason)", into: &out)
        out.append(contentsOf: #"}],"isError":true}}"#.utf8)
        return out
    }
}
