// The profile's `tools` section: which tools exist for the client and which may be called.

import ContainProfile
import ContainRuleKit

struct ToolAccess: Sendable {
    let policy: ToolPolicy

    /// nil: allowed. Entries may be names or globs ("kubectl_*").
    func denial(for tool: String) -> (rule: String, reason: String)? {
        if Glob.matchAny(policy.hide, tool) {
            return ("tools.hide", "tool \(JSONSerializer.quoted(tool)) is not available (hidden by the profile)")
        }
        if Glob.matchAny(policy.deny, tool) {
            return ("tools.deny", "tool \(JSONSerializer.quoted(tool)) is denied by the profile")
        }
        if policy.defaultAction == .deny && !Glob.matchAny(policy.allow, tool) {
            return ("tools.default", "tool \(JSONSerializer.quoted(tool)) is not in the profile's allow list")
        }
        return nil
    }

    /// Listed in tools/list: hidden and denied tools are removed (calls to them are refused anyway).
    func isListed(_ tool: String) -> Bool { denial(for: tool) == nil }
}
