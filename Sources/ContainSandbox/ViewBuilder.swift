// The filesystem view: from the profile's allowlist (plus the discovered runtime) to mount steps and the
// matching Landlock rules. Host paths keep their location inside the view.
//
// How the root is built (the child runs these steps in order):
//   1. mounts private; a staging tmpfs on /tmp with `newroot` and `oldroot` in it; pivot_root into the
//      staging tmpfs, so the host root is reachable at /oldroot and nothing of the host /tmp shadows a
//      bind source;
//   2. the new root is a tmpfs at /newroot; fresh /tmp, /dev, /proc first, then binds shallow to deep
//      (nested binds land on top of their parents), then masks over denied paths;
//   3. the new root is made read-only, the old root detached, and pivot_root(".", ".") enters /newroot.
//
// Missing paths (decided here, documented in docs/security-model.md):
//   - read/execute paths that do not exist are skipped with a note: not binding them exposes nothing,
//     and one profile can serve distributions whose /lib64 or /lib32 differ;
//   - write paths that do not exist are an error: the server expects to write there;
//   - deny paths that do not exist, or that are not inside the view, need no mask;
//   - runtime paths that vanish between discovery and launch are optional steps (ENOENT skips them).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CContainChild

public enum Access: Int, Sendable, Comparable {
    case read = 0, execute = 1, write = 2
    public static func < (a: Access, b: Access) -> Bool { a.rawValue < b.rawValue }
    var label: String { self == .read ? "read-only" : self == .execute ? "read-only, executable" : "read-write" }
}

public struct ViewEntry: Sendable {
    public var path: String
    public var access: Access
    /// True for paths the runtime discovery added (not the profile).
    public var runtime: Bool
}

public struct ViewError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

struct ViewPlan {
    /// Steps that run before the child gives up the launching user's kernel uid: making mounts private
    /// and cloning every bind source (open_tree), so root runs can bind what only root can traverse to.
    var prelude: [PlanStep] = []
    var steps: [PlanStep] = []
    /// (path inside the view, Landlock rights) for the rules.
    var landlockRules: [(String, UInt64)] = []
    var notes: [String] = []
}

struct ViewBuilder {
    var filesystem: FilesystemOptions
    var entries: [ViewEntry]
    var deny: [String]
    /// Files the supervisor generates (path inside the view -> content), bound read-only over that path.
    var generated: [(path: String, content: String)] = []

    struct FilesystemOptions {
        var privateTmp: Bool
        var minimalDev: Bool
        var proc: Bool
    }

    static let staging = "/tmp"
    static let newRoot = "/newroot"
    static let oldRoot = "/oldroot"
    static let emptyFile = "/.contain-empty"
    static let devNodes = ["null", "zero", "full", "random", "urandom", "tty"]
    static let reserved = ["/", "/proc", "/dev"]

    func build() throws(ViewError) -> ViewPlan {
        var plan = ViewPlan()
        let binds = try resolveEntries(&plan.notes)
        var s: [PlanStep] = []
        guard binds.count <= Int(CONTAIN_MAX_TREES) else {
            throw ViewError(description: "filesystem: \(binds.count) paths to bind; at most \(CONTAIN_MAX_TREES) are supported: list parent directories instead")
        }
        plan.prelude.append(PlanStep(.mount, "make mounts private", path: "/", mountFlags: MountFlag.rec | MountFlag.private))
        s.append(PlanStep(.mount, "mount staging tmpfs", path: Self.staging, src: "tmpfs", fstype: "tmpfs",
                          data: "mode=0755", mountFlags: MountFlag.nosuid | MountFlag.nodev))
        s.append(PlanStep(.mkdirP, "create staging directories", path: Self.staging + Self.newRoot, arg: 0o755))
        s.append(PlanStep(.mkdirP, "create staging directories", path: Self.staging + Self.oldRoot, arg: 0o755))
        s.append(PlanStep(.mount, "mount new root tmpfs", path: Self.staging + Self.newRoot, src: "tmpfs", fstype: "tmpfs",
                          data: "mode=0755", mountFlags: MountFlag.nosuid | MountFlag.nodev))
        s.append(PlanStep(.pivotRoot, "pivot_root into staging", path: Self.staging + Self.oldRoot, src: Self.staging))
        s.append(PlanStep(.chdir, "chdir /", path: "/"))
        s.append(PlanStep(.mkfileP, "create mask file", path: Self.emptyFile))
        s.append(PlanStep(.chmod, "create mask file", path: Self.emptyFile, arg: 0))

        let n = Self.newRoot
        let hasTmpEntry = binds.contains { $0.entry.path == "/tmp" }
        if filesystem.privateTmp && !hasTmpEntry {
            s.append(PlanStep(.mkdirP, "create /tmp", path: n + "/tmp", arg: 0o755))
            s.append(PlanStep(.mount, "mount private /tmp", path: n + "/tmp", src: "tmpfs", fstype: "tmpfs",
                              data: "mode=1777", mountFlags: MountFlag.nosuid | MountFlag.nodev))
            plan.landlockRules.append(("/tmp", LandlockRights.readWrite))
        } else if filesystem.privateTmp {
            plan.notes.append("filesystem.tmp: private /tmp not mounted: the profile binds /tmp itself")
        }
        if filesystem.minimalDev {
            s.append(PlanStep(.mkdirP, "create /dev", path: n + "/dev", arg: 0o755))
            s.append(PlanStep(.mount, "mount /dev tmpfs", path: n + "/dev", src: "tmpfs", fstype: "tmpfs",
                              data: "mode=0755", mountFlags: MountFlag.nosuid | MountFlag.noexec))
            for node in Self.devNodes {
                let p = "/dev/" + node
                s.append(PlanStep(.mkfileP, "bind \(p)", path: n + p))
                s.append(PlanStep(.mount, "bind \(p)", path: n + p, src: Self.oldRoot + p,
                                  mountFlags: MountFlag.bind,
                                  fix: "the host has no \(p); set filesystem.dev: none"))
                s.append(PlanStep(.mountSetattr, "bind \(p)", path: n + p, arg: MountAttr.nosuid | MountAttr.noexec))
                plan.landlockRules.append((p, LandlockRights.device))
            }
            s.append(PlanStep(.mkdirP, "create /dev/shm", path: n + "/dev/shm", arg: 0o755))
            s.append(PlanStep(.mount, "mount /dev/shm", path: n + "/dev/shm", src: "tmpfs", fstype: "tmpfs",
                              data: "mode=1777", mountFlags: MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec))
            plan.landlockRules.append(("/dev/shm", LandlockRights.readWrite & ~LandlockRights.execute))
            for (name, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                                   ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
                s.append(PlanStep(.symlink, "create /dev/\(name)", path: n + "/dev/" + name, src: target))
            }
        }
        if filesystem.proc {
            s.append(PlanStep(.mkdirP, "create /proc", path: n + "/proc", arg: 0o755))
            s.append(PlanStep(.mount, "mount /proc", path: n + "/proc", src: "proc", fstype: "proc",
                              mountFlags: MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec,
                              fix: "the host /proc has parts masked by over-mounts (as in some containers), which forbids a fresh /proc in a user namespace; set filesystem.proc: false"))
            plan.landlockRules.append(("/proc", LandlockRights.read))
        }

        for b in binds {
            let e = b.entry
            let dest = n + e.path
            if let target = b.symlinkTarget {
                s.append(PlanStep(.symlink, "symlink \(e.path)", path: dest, src: target, optional: e.runtime))
                continue
            }
            let what = "bind \(e.path)"
            let slot = UInt64(plan.prelude.count - 1)
            plan.prelude.append(PlanStep(.openTree, what, src: b.source, arg: slot, optional: e.runtime, fix: Self.bindFix(e.path)))
            s.append(PlanStep(b.isDirectory ? .mkdirP : .mkfileP, what, path: dest, arg: 0o755, optional: e.runtime,
                              fix: "a read-only parent in the view has no \(e.path); list the parent directory instead"))
            s.append(PlanStep(.moveMount, what, path: dest, arg: slot, optional: e.runtime, fix: Self.bindFix(e.path)))
            var attr = MountAttr.nosuid | MountAttr.nodev
            if e.access != .write { attr |= MountAttr.rdonly }
            if e.access == .read { attr |= MountAttr.noexec }
            s.append(PlanStep(.mountSetattr, what, path: dest, arg: attr, arg2: 1, optional: e.runtime))
            let rights: UInt64 = e.access == .write ? LandlockRights.readWrite
                : e.access == .execute ? LandlockRights.readExecute : LandlockRights.read
            plan.landlockRules.append((e.path, rights))
        }

        for (i, g) in generated.enumerated() {
            let staged = "/.contain-generated-\(i)"
            let dest = n + SandboxPath.normalize(g.path)
            s.append(PlanStep(.writeFile, "write \(g.path)", path: staged, data: g.content, arg: 0o444))
            s.append(PlanStep(.mkfileP, "bind \(g.path)", path: dest))
            s.append(PlanStep(.mount, "bind \(g.path)", path: dest, src: staged, mountFlags: MountFlag.bind))
            s.append(PlanStep(.mountSetattr, "bind \(g.path)", path: dest,
                              arg: MountAttr.rdonly | MountAttr.nosuid | MountAttr.nodev | MountAttr.noexec))
            plan.landlockRules.append((SandboxPath.normalize(g.path), LandlockRights.readFile))
        }

        for m in masks(binds) {
            let dest = n + m.path
            if m.isDirectory {
                s.append(PlanStep(.mount, "mask \(m.path)", path: dest, src: "tmpfs", fstype: "tmpfs", data: "mode=000,size=4k",
                                  mountFlags: MountFlag.rdonly | MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec))
            } else {
                s.append(PlanStep(.mount, "mask \(m.path)", path: dest, src: Self.emptyFile, mountFlags: MountFlag.bind))
                s.append(PlanStep(.mountSetattr, "mask \(m.path)", path: dest,
                                  arg: MountAttr.rdonly | MountAttr.nosuid | MountAttr.nodev | MountAttr.noexec))
            }
        }

        s.append(PlanStep(.mountSetattr, "make the new root read-only", path: n,
                          arg: MountAttr.rdonly | MountAttr.nosuid | MountAttr.nodev))
        s.append(PlanStep(.umount, "detach the host root", path: Self.oldRoot, arg: 2 /* MNT_DETACH */))
        s.append(PlanStep(.chdir, "enter the new root", path: n))
        s.append(PlanStep(.pivotRoot, "pivot_root into the new root", path: ".", src: "."))
        s.append(PlanStep(.umount, "detach the staging root", path: ".", arg: 2))
        s.append(PlanStep(.chdir, "chdir /", path: "/"))
        plan.steps = s
        return plan
    }

    static func bindFix(_ path: String) -> String {
        "check that \(path) exists and that the user running contain can reach it"
    }

    struct Bind {
        var entry: ViewEntry
        /// Host path to bind from (symlinks resolved).
        var source: String
        var isDirectory: Bool
        /// Set: recreate this symlink instead of binding.
        var symlinkTarget: String?
    }

    /// Merges, resolves symlinks, drops redundant and missing entries; shallow first.
    func resolveEntries(_ notes: inout [String]) throws(ViewError) -> [Bind] {
        var byPath: [String: ViewEntry] = [:]
        var order: [String] = []
        func add(_ e: ViewEntry) {
            if var old = byPath[e.path] {
                old.access = max(old.access, e.access)
                old.runtime = old.runtime && e.runtime
                byPath[e.path] = old
            } else {
                byPath[e.path] = e
                order.append(e.path)
            }
        }
        for var e in entries {
            guard e.path.hasPrefix("/") else {
                throw ViewError(description: "filesystem path \(e.path) is not absolute")
            }
            e.path = SandboxPath.normalize(e.path)
            // Runtime paths matter for their content, not their spelling: bind them where they really are,
            // so /bin/true (through the /bin -> usr/bin link) does not turn /bin into a directory.
            if e.runtime, let real = Sys.realpath(e.path) { e.path = real }
            if Self.reserved.contains(where: { SandboxPath.isWithin(e.path, $0) && ($0 != "/" || e.path == "/") }) {
                if e.path == "/" {
                    throw ViewError(description: "filesystem: binding / would expose the whole host; list the directories the server needs")
                }
                throw ViewError(description: "filesystem: \(e.path) is provided by the sandbox itself (filesystem.dev / filesystem.proc); remove it from the lists")
            }
            if let d = deny.first(where: { SandboxPath.isWithin(e.path, SandboxPath.normalize($0)) }) {
                notes.append("filesystem: \(e.path) not bound: it is inside the denied \(d)")
                continue
            }
            add(e)
        }
        // A path below a writable one is the server's to replace between runs, e.g. with a symlink to
        // ~/.ssh: such paths are bound only where they really are, never through a link.
        let writeRoots = order.filter { byPath[$0]?.access == .write }
        func belowWritable(_ p: String) -> String? { writeRoots.first { $0 != p && SandboxPath.isWithin(p, $0) } }
        for p in order {
            guard let w = belowWritable(p), Sys.realpath(p).map({ $0 != p }) ?? false else { continue }
            notes.append("filesystem: \(p) not bound: it passes through a symlink inside the writable \(w)")
            byPath[p] = nil
        }
        order = order.filter { byPath[$0] != nil }

        // Symlinks: recreate the link and bind what it points to (e.g. /lib -> usr/lib on merged /usr).
        var i = 0
        var symlinks: [String: String] = [:]
        while i < order.count {
            let p = order[i]
            i += 1
            guard let e = byPath[p], let st = Sys.stat(p, follow: false), Sys.isSymlink(st),
                  let target = Sys.readlink(p), let real = Sys.realpath(p) else { continue }
            symlinks[p] = target
            // The target counts as discovered (covered by any ancestor with at least these rights; optional).
            if byPath[real] == nil, order.count < 4096 { add(ViewEntry(path: real, access: e.access, runtime: true)) }
        }

        var binds: [Bind] = []
        let sorted = order.sorted { (SandboxPath.depth($0), $0) < (SandboxPath.depth($1), $1) }
        for p in sorted {
            guard let e = byPath[p] else { continue }
            // An ancestor bind with the same rights already shows this path exactly as wanted.
            let covered = sorted.contains { q in
                q != p && symlinks[q] == nil && SandboxPath.isWithin(p, q)
                    && (byPath[q].map { $0.access == e.access || (e.runtime && $0.access > e.access) } ?? false)
            }
            if covered { continue }
            if let target = symlinks[p] {
                binds.append(Bind(entry: e, source: p, isDirectory: false, symlinkTarget: target))
                continue
            }
            guard let st = Sys.stat(p), let real = Sys.realpath(p) else {
                let err = errno
                if err != ENOENT && err != ENOTDIR && !e.runtime {
                    // Not missing but unreachable (EACCES...): let the bind step fail with the real reason.
                    binds.append(Bind(entry: e, source: p, isDirectory: true, symlinkTarget: nil))
                    continue
                }
                if e.runtime { continue }
                if e.access == .write {
                    throw ViewError(description: "filesystem.write: \(p) does not exist; create it or remove it from the profile")
                }
                notes.append("filesystem: \(p) does not exist here; not bound")
                continue
            }
            binds.append(Bind(entry: e, source: real, isDirectory: Sys.isDirectory(st), symlinkTarget: nil))
        }
        return binds
    }

    struct Mask { var path: String; var isDirectory: Bool }

    /// Deny paths that exist and are visible through some bind.
    func masks(_ binds: [Bind]) -> [Mask] {
        var out: [Mask] = []
        var seen = Set<String>()
        for d in deny {
            let p = SandboxPath.normalize(d)
            guard let st = Sys.stat(p) else { continue }
            let real = Sys.realpath(p) ?? p
            for candidate in Set([p, real]) {
                guard !seen.contains(candidate),
                      let lst = Sys.stat(candidate, follow: false), !Sys.isSymlink(lst),
                      binds.contains(where: { $0.symlinkTarget == nil && SandboxPath.isWithin(candidate, $0.entry.path) })
                else { continue }
                seen.insert(candidate)
                out.append(Mask(path: candidate, isDirectory: Sys.isDirectory(st)))
            }
        }
        return out.sorted { SandboxPath.depth($0.path) < SandboxPath.depth($1.path) }
    }
}
