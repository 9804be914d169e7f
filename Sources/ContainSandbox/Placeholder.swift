public enum ContainSandboxInfo { public static let version = 1 }
