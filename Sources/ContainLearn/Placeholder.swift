public enum ContainLearnInfo { public static let version = 1 }
