// Landlock access rights and what each ABI version handles. The parent negotiates: it asks the kernel
// for its ABI and handles every right that ABI knows, so anything the profile does not grant is denied
// (an unhandled right would be silently allowed).

public struct LandlockRights: Sendable, Equatable {
    public var handledFS: UInt64
    public var handledNet: UInt64
    public var scoped: UInt64

    // Filesystem rights (uapi/linux/landlock.h).
    public static let execute: UInt64 = 1 << 0
    public static let writeFile: UInt64 = 1 << 1
    public static let readFile: UInt64 = 1 << 2
    public static let readDir: UInt64 = 1 << 3
    public static let removeDir: UInt64 = 1 << 4
    public static let removeFile: UInt64 = 1 << 5
    public static let makeChar: UInt64 = 1 << 6
    public static let makeDir: UInt64 = 1 << 7
    public static let makeReg: UInt64 = 1 << 8
    public static let makeSock: UInt64 = 1 << 9
    public static let makeFifo: UInt64 = 1 << 10
    public static let makeBlock: UInt64 = 1 << 11
    public static let makeSym: UInt64 = 1 << 12
    public static let refer: UInt64 = 1 << 13      // ABI 2
    public static let truncate: UInt64 = 1 << 14   // ABI 3
    public static let ioctlDev: UInt64 = 1 << 15   // ABI 5
    // Network rights (ABI 4).
    public static let bindTCP: UInt64 = 1 << 0
    public static let connectTCP: UInt64 = 1 << 1
    // Scopes (ABI 6).
    public static let scopeAbstractUnix: UInt64 = 1 << 0
    public static let scopeSignal: UInt64 = 1 << 1

    /// Everything `abi` can handle. `handleNetwork`: deny TCP bind/connect except by rule.
    public init(abi: Int, handleNetwork: Bool) {
        var fs: UInt64 = abi >= 1 ? (1 << 13) - 1 : 0
        if abi >= 2 { fs |= Self.refer }
        if abi >= 3 { fs |= Self.truncate }
        if abi >= 5 { fs |= Self.ioctlDev }
        handledFS = fs
        handledNet = abi >= 4 && handleNetwork ? Self.bindTCP | Self.connectTCP : 0
        scoped = abi >= 6 ? Self.scopeAbstractUnix | Self.scopeSignal : 0
    }

    public static let read: UInt64 = readFile | readDir
    public static let readExecute: UInt64 = read | execute
    /// Everything but creating device nodes (nodev mounts make those useless anyway; refused twice).
    public static let readWrite: UInt64 = readExecute | writeFile | removeDir | removeFile | makeDir | makeReg
        | makeSock | makeFifo | makeSym | refer | truncate
    /// Device nodes of the minimal /dev.
    public static let device: UInt64 = readFile | writeFile | truncate | ioctlDev
}
