// The profile: the values every other target reads. Loading (YAML -> these values, with FILE:LINE:COL
// diagnostics) lives in the Loader; nothing here touches the system.
//
// Every rule carries an `id` that appears in denials and audit records ("shell.commands", "fs.paths", ...).
// Paths here are already expanded (${WORKSPACE}, ${HOME}, ${env:NAME}, ~) and absolute.

/// Where a value came from in a profile file, for diagnostics that point at the line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

public struct Profile: Sendable {
    public static let currentVersion = 1
    public var version: Int = Profile.currentVersion
    /// Name or path of the profile this one was loaded from (for messages).
    public var name: String = ""
    /// The chain of files merged into this profile, base first.
    public var sources: [String] = []
    /// Refuse (false) or degrade with a report (true) when the kernel cannot give a protection.
    public var bestEffort: Bool = false
    public var environment = EnvironmentPolicy()
    /// nil: no transport wall; stdio passes through untouched.
    public var mcp: MCPPolicy?
    public var audit = AuditPolicy()
    /// Loader warnings (FILE:LINE:COL: warning: ...): the profile loaded, but something in it is ignored.
    public var warnings: [String] = []
    public init() {}
}

// MARK: - Environment wall

public enum Namespace: String, Sendable, CaseIterable, Hashable {
    case user, mount, pid, ipc, uts, cgroup, net
}

public struct EnvironmentPolicy: Sendable {
    public var namespaces: Set<Namespace> = Set(Namespace.allCases)
    public var filesystem = FilesystemPolicy()
    public var network: NetworkPolicy = .none
    public var env = EnvPolicy()
    public var limits = Limits()
    public var syscalls = SyscallPolicy()
    /// Host uid/gid that uid 0 inside maps to when contain runs as root (never 0).
    public var rootMapsTo: UInt32 = 65534
    public init() {}
}

public struct FilesystemPolicy: Sendable {
    /// Read-only binds (and Landlock read rights).
    public var read: [String] = []
    /// Read-only binds with execute rights.
    public var execute: [String] = []
    /// Read-write binds.
    public var write: [String] = []
    /// Masked: an empty read-only tmpfs (directories) or /dev/null (files) over them; Landlock grants nothing.
    public var deny: [String] = []
    /// A private, empty /tmp (tmpfs).
    public var privateTmp: Bool = true
    /// /dev: minimal (null, zero, full, random, urandom, tty) or none.
    public var dev: DevPolicy = .minimal
    /// Mount a fresh /proc for the new pid namespace.
    public var proc: Bool = true
    /// Add the server's own runtime (executable, interpreter, venv, base prefix) read-only.
    public var runtime: Bool = true
    public init() {}
}

public enum DevPolicy: String, Sendable { case minimal, none }

public enum NetworkPolicy: Sendable, Equatable {
    /// A new network namespace with loopback only.
    case none
    /// The host's network (no net namespace). Reported as a weakened guarantee.
    case host
    /// Loopback only, plus brokered connects to exactly these destinations.
    case allow([NetworkDestination])
}

public struct NetworkDestination: Sendable, Hashable, CustomStringConvertible {
    /// Host name, IPv4 or IPv6 literal (without brackets).
    public var host: String
    public var port: UInt16
    public init(host: String, port: UInt16) { self.host = host; self.port = port }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct EnvPolicy: Sendable {
    /// Names passed through from contain's own environment (if set there).
    public var keep: [String] = ["PATH", "LANG", "LC_ALL", "TERM"]
    /// Names set to fixed values (after expansion).
    public var set: [String: String] = [:]
    public init() {}
}

public struct Limits: Sendable {
    /// RLIMIT_* values; nil leaves the inherited limit.
    public var nofile: UInt64? = 1024
    public var nproc: UInt64? = 512
    public var addressSpace: UInt64? = nil
    public var fileSize: UInt64? = nil
    public var cpuSeconds: UInt64? = nil
    public var core: UInt64? = 0
    public var stack: UInt64? = nil
    public init() {}
}

public enum SyscallAction: Sendable, Equatable {
    case allow
    /// Answer with this errno (reported through USER_NOTIF).
    case errno(Int32)
    /// Kill the process.
    case kill
    /// Allow but report (learn/observe).
    case log
}

public enum ArgCompareOp: String, Sendable {
    case eq, ne, lt, le, gt, ge
    /// (arg & mask) == value
    case maskedEq = "masked_eq"
}

public struct ArgCondition: Sendable, Equatable {
    public var index: Int
    public var op: ArgCompareOp
    public var value: UInt64
    public var mask: UInt64
    public init(index: Int, op: ArgCompareOp, value: UInt64, mask: UInt64 = .max) {
        self.index = index; self.op = op; self.value = value; self.mask = mask
    }
}

public struct SyscallRule: Sendable {
    public var id: String
    public var syscall: String
    public var action: SyscallAction
    /// All must hold (AND); empty means unconditional.
    public var args: [ArgCondition]
    public var location: SourceLocation?
    public init(id: String, syscall: String, action: SyscallAction, args: [ArgCondition] = [], location: SourceLocation? = nil) {
        self.id = id; self.syscall = syscall; self.action = action; self.args = args; self.location = location
    }
}

public struct SyscallPolicy: Sendable {
    /// What happens to syscalls no rule mentions.
    public var defaultAction: SyscallAction = .errno(1) // EPERM
    /// Syscall names (groups already expanded) allowed unconditionally.
    public var allow: [String] = []
    /// Unconditional deny/kill entries and argument rules, in profile order.
    public var rules: [SyscallRule] = []
    /// Socket families (names as in AF_*, lower-case without prefix: unix, inet, inet6, netlink...) allowed.
    public var socketFamilies: [String] = ["unix", "inet", "inet6"]
    /// Namespace-creating clone/unshare flags are refused unless true.
    public var allowNamespaceCreation: Bool = false
    /// io_uring_setup/enter/register.
    public var allowIOUring: Bool = false
    /// i386/x32 syscalls: killed unless true.
    public var allowForeignArchitectures: Bool = false
    /// Report denied syscalls through USER_NOTIF (true) or answer errno directly in the filter (false: faster, silent).
    public var report: Bool = true
    public init() {}
}

// MARK: - Transport wall

public enum ToolDefault: String, Sendable { case allow, deny }

public struct ToolPolicy: Sendable {
    public var defaultAction: ToolDefault = .allow
    public var allow: [String] = []
    public var deny: [String] = []
    /// Removed from tools/list and denied.
    public var hide: [String] = []
    public init() {}
}

public struct MCPPolicy: Sendable {
    /// Longest accepted line in bytes, either direction.
    public var maxLineBytes: Int = 64 << 20
    public var tools = ToolPolicy()
    public var conditions: [ConditionRule] = []
    public var commands: [CommandRule] = []
    public var paths: [PathRule] = []
    public var kubernetes: [KubernetesRule] = []
    public var rateLimits: [RateLimit] = []
    /// Client-offered roots outside the path allowlist are refused.
    public var checkRoots: Bool = true
    public init() {}
}

/// Which tools a rule applies to: names or globs ("*", "kubectl_*").
public typealias ToolSelector = [String]

public enum ConditionOp: Sendable, Equatable {
    case eq(JSONScalar)
    case `in`([JSONScalar])
    case glob(String)
    /// Anchored at both ends.
    case regex(String)
    case exists(Bool)
    case lt(Double), lte(Double), gt(Double), gte(Double)
}

public enum JSONScalar: Sendable, Equatable, CustomStringConvertible {
    case string(String), number(Double), bool(Bool), null
    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return String(b)
        case .null: return "null"
        }
    }
}

public struct ArgumentTest: Sendable, Equatable {
    /// Dotted argument path ("a.b"); arrays on the way are checked per element.
    public var argument: String
    public var op: ConditionOp
    public init(argument: String, op: ConditionOp) { self.argument = argument; self.op = op }
}

public struct ConditionRule: Sendable {
    public var id: String
    public var tools: ToolSelector
    /// Every test must hold, or the call is denied.
    public var require: [ArgumentTest]
    /// Any test holding denies the call.
    public var denyIf: [ArgumentTest]
    public var location: SourceLocation?
    public init(id: String, tools: ToolSelector, require: [ArgumentTest] = [], denyIf: [ArgumentTest] = [], location: SourceLocation? = nil) {
        self.id = id; self.tools = tools; self.require = require; self.denyIf = denyIf; self.location = location
    }
}

public enum CommandForm: String, Sendable { case argv, shell, auto }

/// What an allowed command may be given.
public struct CommandSpec: Sendable {
    /// Allowed first non-option word (git status); nil: any.
    public var subcommands: [String]?
    /// Options refused in every form (--opt, --opt=v, abbreviations, bundled short options).
    public var denyOptions: [String] = []
    /// When set, every non-option argument must match one of these globs.
    public var argumentPatterns: [String]?
    /// Arguments that are paths must be inside the path allowlist of the profile (if any).
    public var pathArguments: Bool = false
    public init(subcommands: [String]? = nil, denyOptions: [String] = [], argumentPatterns: [String]? = nil) {
        self.subcommands = subcommands; self.denyOptions = denyOptions; self.argumentPatterns = argumentPatterns
    }
}

public struct ShellAllowances: Sendable {
    public var redirections = false
    public var substitutions = false
    public var subshells = false
    public var background = false
    public var heredocs = false
    public var assignments = false
    public var expansions = false
    public var globs = true
    public var pipes = true
    public var lists = true
    public init() {}
}

public struct CommandRule: Sendable {
    public var id: String
    public var tools: ToolSelector
    /// The argument holding the command (argv array or shell string).
    public var argument: String
    public var form: CommandForm = .auto
    /// Command name (or absolute path) -> what it may be given.
    public var allow: [String: CommandSpec] = [:]
    public var deny: [String] = []
    public var shell = ShellAllowances()
    /// The built-in table of options/commands that execute or write (docs/mcp-policy.md); on by default.
    public var builtinDangerous: Bool = true
    public var location: SourceLocation?
    public init(id: String, tools: ToolSelector, argument: String) {
        self.id = id; self.tools = tools; self.argument = argument
    }
}

public enum PathAccess: String, Sendable { case read, write }

public struct PathRule: Sendable {
    public var id: String
    public var tools: ToolSelector
    /// Argument fields holding paths; "paths[]" for arrays. Empty: the built-in list.
    public var fields: [String] = []
    public var allow: [String] = []
    public var deny: [String] = []
    /// Tools whose path arguments need write access.
    public var writeTools: [String] = ["write_file", "edit_file", "move_file", "create_directory"]
    /// Whether tools in `writeTools` may write at all (false: a read-only policy).
    public var writable: Bool = true
    public var location: SourceLocation?
    public init(id: String, tools: ToolSelector) { self.id = id; self.tools = tools }
}

public struct KubernetesRule: Sendable {
    public var id: String
    public var tools: ToolSelector
    /// Exact names or globs; never prefixes.
    public var namespaces: [String] = []
    public var allowClusterScoped: Bool = false
    /// Verbs allowed (get, list, watch, describe, logs, top...); nil: all.
    public var verbs: [String]? = ["get", "list", "watch", "describe", "logs", "top", "explain", "version", "api-resources"]
    /// The namespace that an absent namespace resolves to for tools that mean "the kubeconfig's namespace".
    public var defaultNamespace: String = "default"
    public var location: SourceLocation?
    public init(id: String, tools: ToolSelector) { self.id = id; self.tools = tools }
}

public struct RateLimit: Sendable {
    public var id: String
    /// nil: global (all tools together).
    public var tools: ToolSelector?
    public var count: Int
    /// Window in seconds (1, 60, 3600).
    public var perSeconds: Double
    public var location: SourceLocation?
    public init(id: String, tools: ToolSelector?, count: Int, perSeconds: Double) {
        self.id = id; self.tools = tools; self.count = count; self.perSeconds = perSeconds
    }
}

// MARK: - Audit

public enum AuditLevel: String, Sendable { case denials, all }

public struct AuditPolicy: Sendable {
    public var level: AuditLevel = .denials
    public init() {}
}
