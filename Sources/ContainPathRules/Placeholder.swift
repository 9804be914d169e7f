import ContainRuleKit
public enum ContainPathRulesInfo { public static let version = 1 }
