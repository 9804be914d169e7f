import ContainRuleKit
public enum ContainShellRulesInfo { public static let version = 1 }
