import ContainRuleKit
public enum ContainKubeRulesInfo { public static let version = 1 }
