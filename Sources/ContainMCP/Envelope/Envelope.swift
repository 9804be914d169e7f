// The JSON-RPC 2.0 envelope of one line, read strictly. Only the members the wall needs are built as
// values; the rest (a 50 MiB `result`) is validated in place and kept as a byte range.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
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

/// A top-level member the wall may read: where its text is, and its value when it was built.
struct EnvelopeMember {
    var range: Range<Int>
    /// First byte of the value's text (`{` for an object).
    var leadByte: UInt8
    var value: JSONValue?
}

struct Envelope {
    var kind: MessageKind
    var id: JSONValue?
    /// Exact text of the id as sent, for replies and audit ("7", "\"a\"").
    var idText: String?
    var params: EnvelopeMember?
    var result: EnvelopeMember?

    /// Methods whose `params` the client-side loop reads (everything else is forwarded unread).
    static func readsParams(_ method: String) -> Bool {
        method == "tools/call" || method == "initialize" || method == "notifications/cancelled"
    }

    /// One strict pass over the line. `id` and `method` are built as values (`jsonrpc` is checked on its bytes); `params` too when
    /// `materializeParams` and the method is one whose params the wall reads (`readsParams`). Everything
    /// else (a 50 MiB `result`) is validated in place and kept as a byte range.
    static func parse(_ line: UnsafeRawBufferPointer, materializeParams: Bool) throws(EnvelopeFault) -> Envelope {
        var jsonrpcRange: Range<Int>?, method: JSONValue?, id: JSONValue?, idRange: Range<Int>?
        var hasError = false, params: EnvelopeMember?, result: EnvelopeMember?
        let kind: JSONTopLevelKind
        do throws(JSONParseError) {
            kind = try JSONParser.scanTopLevel(line, build: { k in
                switch EnvelopeKey(k) {
                case .id, .method: return true
                // Checked on its bytes below (no String for the version on every message).
                case .jsonrpc: return false
                case .params:
                    // Built in the same pass unless the method, already seen, is one the wall never reads.
                    guard materializeParams else { return false }
                    guard case .string(let m) = method else { return method == nil }
                    return readsParams(m)
                case .result, .error, .other: return false
                }
            }, member: { k, value, range, lead in
                switch EnvelopeKey(k) {
                case .jsonrpc: jsonrpcRange = range
                case .id: id = value; idRange = range
                case .method: method = value
                case .params: params = EnvelopeMember(range: range, leadByte: lead, value: value)
                case .result: result = EnvelopeMember(range: range, leadByte: lead, value: nil)
                case .error: hasError = true
                case .other: break
                }
            })
        } catch {
            throw .parse(error)
        }
        switch kind {
        case .object: break
        case .array: throw .batch
        case .scalar: throw .notObject
        }
        guard let jsonrpcRange, Envelope.isVersion2(UnsafeRawBufferPointer(rebasing: line[jsonrpcRange])) else { throw .notJSONRPC2 }
        // A number id's value is its text already (no second String per message).
        let idText: String?
        if case .number(let text)? = id { idText = text } else {
            idText = idRange.map { String(decoding: UnsafeRawBufferPointer(rebasing: line[$0]), as: UTF8.self) }
        }
        if let method {
            guard case .string(let name) = method else { throw .badMethod }
            if let p = params, p.leadByte != UInt8(ascii: "{") { throw .paramsNotObject }
            if materializeParams, var p = params, p.value == nil, readsParams(name) {
                // `params` came before `method`: build it now (the line is known to be valid).
                p.value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: line[p.range]))
                params = p
            }
            guard let id else {
                return Envelope(kind: .notification(method: name), id: nil, idText: nil, params: params, result: nil)
            }
            // MCP: request ids are strings or numbers, never null.
            guard RequestKey(id) != nil else { throw .badID }
            return Envelope(kind: .request(method: name), id: id, idText: idText, params: params, result: nil)
        }
        guard let id, (result != nil) != hasError else { throw .badResponse }
        // A null id is legal on an error response to a request whose id could not be read.
        guard RequestKey(id) != nil || (id == .null && hasError) else { throw .badID }
        return Envelope(kind: .response, id: id, idText: idText, params: nil, result: result)
    }
}

extension Envelope {
    /// Whether a (validated) `jsonrpc` value is the string "2.0": compared on its bytes, and decoded only
    /// when it is written with escapes ("\u0032.0" means "2.0" too).
    static func isVersion2(_ text: UnsafeRawBufferPointer) -> Bool {
        if EnvelopeKey.equal(text, "\"2.0\"") { return true }
        guard text.first == UInt8(ascii: "\""), text.contains(UInt8(ascii: "\\")) else { return false }
        return (try? JSONParser.parse(text)) == .string("2.0")
    }
}

/// The top-level keys the envelope reads, recognised from the decoded key bytes (no String per key).
enum EnvelopeKey {
    case jsonrpc, id, method, params, result, error, other

    @inline(__always) init(_ k: UnsafeRawBufferPointer) {
        switch k.count {
        case 2: self = EnvelopeKey.equal(k, "id") ? .id : .other
        case 5: self = EnvelopeKey.equal(k, "error") ? .error : .other
        case 6:
            if EnvelopeKey.equal(k, "method") { self = .method }
            else if EnvelopeKey.equal(k, "params") { self = .params }
            else if EnvelopeKey.equal(k, "result") { self = .result }
            else { self = .other }
        case 7: self = EnvelopeKey.equal(k, "jsonrpc") ? .jsonrpc : .other
        default: self = .other
        }
    }

    @inline(__always) static func equal(_ k: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard k.count == s.utf8CodeUnitCount, let base = k.baseAddress else { return false }
        return memcmp(base, s.utf8Start, k.count) == 0
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
