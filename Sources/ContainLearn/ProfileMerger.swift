// `contain learn --from BASE`: what was learned, merged into an existing profile. The base keeps every rule
// it had; learning only adds what the workload needed and the base did not already give. Where the base
// refuses something the workload did (a denied path, a denied tool or command), the base wins and the
// review list says so: learning never silently overrides a decision someone wrote down.

import ContainProfile
import ContainRuleKit

public enum ProfileMerger {
    public static func merge(base: Profile, learned: LearnedProfile) -> LearnedProfile {
        var p = base
        var a = learned.annotations
        var review: [String] = []
        let l = learned.profile

        // Filesystem: add entries the base does not already cover with at least the same rights.
        let bfs = base.environment.filesystem
        func covered(_ path: String, in list: [String]) -> Bool { list.contains { LexicalPath.isWithin(path, $0) } }
        func add(_ path: String, to key: WritableKeyPath<FilesystemPolicy, [String]>, rightsFrom lists: [[String]]) {
            if let d = bfs.deny.first(where: { LexicalPath.isWithin(path, $0) }) {
                review.append("the workload used \(path), which the base profile denies (\(d)): kept denied")
                return
            }
            if lists.contains(where: { covered(path, in: $0) }) { return }
            p.environment.filesystem[keyPath: key].append(path)
            a.entries["fs:" + path] = "learned: " + (learned.annotations.entries["fs:" + path] ?? "")
        }
        for path in l.environment.filesystem.read { add(path, to: \.read, rightsFrom: [bfs.read, bfs.execute, bfs.write]) }
        for path in l.environment.filesystem.execute { add(path, to: \.execute, rightsFrom: [bfs.execute]) }
        for path in l.environment.filesystem.write { add(path, to: \.write, rightsFrom: [bfs.write]) }

        // Network: a host network stays host; otherwise the learned destinations join the base's.
        switch (base.environment.network, l.environment.network) {
        case (.host, _), (_, .none): break
        case (.none, .allow(let d)): p.environment.network = .allow(d)
        case (.allow(let b), .allow(let d)): p.environment.network = .allow(b + d.filter { !b.contains($0) })
        case (_, .host): break
        }

        // Environment variables.
        for k in l.environment.env.keep where !p.environment.env.keep.contains(k) { p.environment.env.keep.append(k) }
        for (k, v) in l.environment.env.set where p.environment.env.set[k] == nil { p.environment.env.set[k] = v }

        // Syscalls. The base's switches stay as written; calls that only work with a switch on are then
        // not added (the loader would refuse them as never taking effect).
        var sc = p.environment.syscalls
        let ls = l.environment.syscalls
        var heldBack = Set<String>()
        if ls.allowNamespaceCreation && !sc.allowNamespaceCreation {
            review.append("the workload created namespaces, which the base profile does not allow (allow_namespaces: false): kept refused")
            heldBack.insert("setns")
        }
        if ls.allowIOUring && !sc.allowIOUring {
            review.append("the workload used io_uring, which the base profile does not allow (allow_io_uring: false): kept refused")
            heldBack.formUnion(ls.allow.filter { $0.hasPrefix("io_uring_") })
        }
        if sc.defaultAction != .allow {
            let refused = Dictionary(sc.rules.filter { $0.args.isEmpty && $0.action != .allow }.map { ($0.syscall, $0.id) },
                                     uniquingKeysWith: { x, _ in x })
            var allow = sc.allow
            let have = Set(allow)
            for name in l.environment.syscalls.allow where !have.contains(name) && !heldBack.contains(name) {
                if let rule = refused[name] {
                    if learned.annotations.entries["syscall:" + name]?.hasPrefix("seen") == true {
                        review.append("the workload called \(name), which the base profile refuses (\(rule)): kept refused")
                    }
                    continue
                }
                allow.append(name)
                if let n = learned.annotations.entries["syscall:" + name] { a.entries["syscall:" + name] = "learned: " + n }
            }
            sc.allow = allow
        }
        for f in ls.socketFamilies where !sc.socketFamilies.contains(f) { sc.socketFamilies.append(f) }
        p.environment.syscalls = sc

        // Transport wall.
        if let lm = l.mcp {
            if var bm = base.mcp {
                mergeMCP(into: &bm, lm, &a, &review)
                p.mcp = bm
            } else {
                p.mcp = lm
            }
        }
        if p.audit.level != l.audit.level && l.audit.level == .all { p.audit.level = .all }

        a.review = learned.annotations.review + review
        a.header = learned.annotations.header + ["Merged into the base profile \(base.name.isEmpty ? "" : base.name + " ")(its rules are kept; learned entries are marked)."]
        a.description = nil
        return LearnedProfile(profile: p, annotations: a, seen: learned.seen)
    }

    private static func mergeMCP(into bm: inout MCPPolicy, _ lm: MCPPolicy, _ a: inout ProfileAnnotations, _ review: inout [String]) {
        for t in lm.tools.allow {
            if bm.tools.deny.contains(t) || bm.tools.hide.contains(t) {
                review.append("the workload called tool \(t), which the base profile denies or hides: kept refused")
                continue
            }
            if bm.tools.defaultAction == .deny && !bm.tools.allow.contains(t) {
                bm.tools.allow.append(t)
                a.entries["tool:" + t] = "learned: " + (a.entries["tool:" + t] ?? "")
            }
        }
        for lr in lm.commands {
            let tool = lr.tools.first ?? ""
            if let i = bm.commands.firstIndex(where: { Glob.matchAny($0.tools, tool) && $0.argument == lr.argument }) {
                var br = bm.commands[i]
                for (name, spec) in lr.allow.sorted(by: { $0.key < $1.key }) {
                    if br.deny.contains(name) {
                        review.append("\(tool): the workload ran \(name), which the base rule \(br.id) denies: kept denied")
                        continue
                    }
                    if var existing = br.allow[name] {
                        if let subs = existing.subcommands {
                            let extra = (spec.subcommands ?? []).filter { !subs.contains($0) }
                            if spec.subcommands == nil {
                                review.append("\(tool): \(name) ran with an option before its subcommand; the base rule \(br.id) keeps its subcommand list")
                            } else if !extra.isEmpty {
                                existing.subcommands = subs + extra
                                br.allow[name] = existing
                                a.entries["cmd:\(br.id):\(name)"] = "learned subcommands: " + extra.joined(separator: ", ")
                            }
                        }
                    } else {
                        br.allow[name] = spec
                        a.entries["cmd:\(br.id):\(name)"] = "learned: " + (a.entries["cmd:\(lr.id):\(name)"] ?? "")
                    }
                }
                // Shell constructs widen what every command line can do: the base's switches stay as written.
                let switches: [(String, Bool, Bool)] = [
                    ("redirections", br.shell.redirections, lr.shell.redirections),
                    ("substitutions", br.shell.substitutions, lr.shell.substitutions),
                    ("subshells", br.shell.subshells, lr.shell.subshells), ("background", br.shell.background, lr.shell.background),
                    ("heredocs", br.shell.heredocs, lr.shell.heredocs), ("assignments", br.shell.assignments, lr.shell.assignments),
                    ("expansions", br.shell.expansions, lr.shell.expansions), ("pipes", br.shell.pipes, lr.shell.pipes),
                    ("lists", br.shell.lists, lr.shell.lists), ("globs", br.shell.globs, lr.shell.globs),
                ]
                let off = switches.filter { !$0.1 && $0.2 }.map(\.0)
                if !off.isEmpty {
                    review.append("\(tool): the workload used shell \(off.joined(separator: ", ")), which the base rule \(br.id) does not allow: kept refused")
                }
                bm.commands[i] = br
            } else {
                bm.commands.append(lr)
            }
        }
        for lr in lm.paths {
            let tool = lr.tools.first ?? ""
            if let i = bm.paths.firstIndex(where: { Glob.matchAny($0.tools, tool) }) {
                var br = bm.paths[i]
                for g in lr.allow where !br.allow.contains(g) && !br.allow.contains(where: { Glob.match($0, g, mode: .path) }) {
                    if br.deny.contains(where: { Glob.match($0, g, mode: .path) }) {
                        review.append("\(tool): the workload used \(g), which the base rule \(br.id) denies: kept denied")
                        continue
                    }
                    br.allow.append(g)
                    a.entries["glob:\(br.id):\(g)"] = "learned: " + (a.entries["glob:\(lr.id):\(g)"] ?? "")
                }
                for f in lr.fields where !br.fields.isEmpty && !br.fields.contains(f) { br.fields.append(f) }
                bm.paths[i] = br
            } else {
                bm.paths.append(lr)
            }
        }
        for lr in lm.kubernetes {
            if let i = bm.kubernetes.firstIndex(where: { br in lr.tools.contains { Glob.matchAny(br.tools, $0) } }) {
                var br = bm.kubernetes[i]
                for ns in lr.namespaces where !Glob.matchAny(br.namespaces, ns) {
                    if ns == "*" {
                        review.append("the workload listed across all namespaces, which the base rule \(br.id) does not allow: kept to its namespaces")
                        continue
                    }
                    br.namespaces.append(ns)
                    a.entries["ns:\(br.id):\(ns)"] = "learned"
                }
                if lr.allowClusterScoped && !br.allowClusterScoped {
                    review.append("the workload touched cluster-scoped resources, which the base rule \(br.id) refuses: kept refused")
                }
                if let lv = lr.verbs, let bv = br.verbs, !bv.contains("*") {
                    let extra = lv.filter { !bv.contains($0) }
                    if !extra.isEmpty {
                        review.append("the workload used Kubernetes verbs \(extra.joined(separator: ", ")), which the base rule \(br.id) does not allow: kept refused")
                    }
                }
                bm.kubernetes[i] = br
            } else {
                bm.kubernetes.append(lr)
            }
        }
    }
}

/// A line diff in unified style (`---`/`+++`, `@@` hunks with three lines of context), for showing what a
/// merge added. Profiles are small, so the quadratic LCS table is fine.
public enum LineDiff {
    public static func unified(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let n = a.count, m = b.count
        var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        if n > 0 && m > 0 {
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
                }
            }
        }
        enum Op { case same(String), del(String), add(String) }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] { ops.append(.same(a[i])); i += 1; j += 1 }
            else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) { ops.append(.add(b[j])); j += 1 }
            else { ops.append(.del(a[i])); i += 1 }
        }
        let changed = ops.indices.filter { if case .same = ops[$0] { return false }; return true }
        guard !changed.isEmpty else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        var k = 0
        while k < changed.count {
            let start = max(0, changed[k] - context)
            var end = min(ops.count, changed[k] + context + 1)
            var next = k + 1
            while next < changed.count && changed[next] - context <= end { end = min(ops.count, changed[next] + context + 1); next += 1 }
            var oldLine = 1, newLine = 1
            for op in ops[..<start] {
                switch op { case .same: oldLine += 1; newLine += 1; case .del: oldLine += 1; case .add: newLine += 1 }
            }
            var body = "", oldCount = 0, newCount = 0
            for op in ops[start..<end] {
                switch op {
                case .same(let s): body += " " + s + "\n"; oldCount += 1; newCount += 1
                case .del(let s): body += "-" + s + "\n"; oldCount += 1
                case .add(let s): body += "+" + s + "\n"; newCount += 1
                }
            }
            out += "@@ -\(oldLine),\(oldCount) +\(newLine),\(newCount) @@\n" + body
            k = next
        }
        return out
    }
}
