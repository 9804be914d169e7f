public enum ContainMCPInfo { public static let version = 1 }
