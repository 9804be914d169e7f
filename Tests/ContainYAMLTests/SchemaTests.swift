// What a plain scalar means. `core` is YAML 1.2 (profiles: `yes` is a string); `yaml11` answers "not a
// string" whenever PyYAML/Yams or go-yaml v2 (kubectl) would read the scalar as something else.

import Testing
@testable import ContainYAML

@Test(arguments: [
    ("", YAMLType.null), ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("nULL", .string),
    ("true", .bool), ("False", .bool), ("TRUE", .bool), ("yes", .string), ("on", .string), ("y", .string),
    ("0", .int), ("-17", .int), ("+3", .int), ("0o17", .int), ("0x1F", .int), ("0777", .int),
    ("0b101", .string), ("1_000", .string), ("0x", .string), ("0o8", .string), ("1:30", .string),
    ("1.5", .float), ("-.5", .float), ("1e3", .float), ("1.", .float), ("6.02E+23", .float), (".inf", .float),
    ("-.Inf", .float), (".NaN", .float), ("+.nan", .string), (".", .string), ("e3", .string), ("1e", .string),
    ("2026-11-28", .string), ("<<", .string), ("=", .string), ("prod", .string),
])
func coreSchema(_ text: String, _ type: YAMLType) {
    #expect(YAMLSchema.core.resolve(plain: text) == type, "\(text.debugDescription)")
}

@Test(arguments: [
    // null and YAML 1.1 booleans, including go-yaml's y/n.
    ("", YAMLType.null), ("~", .null), ("null", .null), ("NULL", .null),
    ("y", .bool), ("Y", .bool), ("n", .bool), ("N", .bool), ("yes", .bool), ("No", .bool), ("ON", .bool),
    ("off", .bool), ("true", .bool), ("False", .bool), ("yEs", .string), ("oN", .string),
    // YAML 1.1 integers: octal without o, binary, hex, underscores, sexagesimal; go's capital prefixes.
    ("0", .int), ("0777", .int), ("-0777", .int), ("0o17", .int), ("0O17", .int), ("0b1010", .int), ("0B1", .int),
    ("0x_1F", .int), ("0XfF", .int), ("1_000", .int), ("+1_0", .int), ("190:20:30", .int), ("1:5", .int),
    ("0b", .int), ("0_1", .int),
    // floats, incl. sexagesimal, specials and underscore-only digit runs PyYAML accepts.
    ("1.5", .float), ("08", .int), ("08.5", .float), ("1e3", .float), ("1E-3", .float), (".5", .float),
    ("._", .float), ("1_._5", .float), ("+.5e5", .float), ("190:20:30.15", .float), (".inf", .float),
    ("-.INF", .float), (".nan", .float), ("1e1_0", .float),
    // timestamps: a date alone, or a date followed by a time.
    ("2026-11-28", .timestamp), ("2026-1-2", .timestamp), ("2026-11-28T10:00:00Z", .timestamp),
    ("2026-11-28 10:00:00", .timestamp), ("2026-11-28t1", .timestamp),
    // merge and value keys.
    ("<<", .merge), ("=", .value),
    // strings, including near misses of each rule.
    ("prod", .string), ("kube-system", .string), ("_1", .string), ("1-2", .string), ("0x1g", .string),
    ("1:60", .string), ("1.2.3", .string), ("e5", .string), ("inf", .string), ("nan", .string), (".", .string),
    ("2026-11-28x", .string), ("202-11-28", .string), ("2026-111-28", .string), ("<<<", .string), ("==", .string),
    ("yes!", .string), ("-", .string), ("+", .string),
])
func yaml11Schema(_ text: String, _ type: YAMLType) {
    #expect(YAMLSchema.yaml11.resolve(plain: text) == type, "\(text.debugDescription)")
}

@Test func everyDNSLabelThatIsNotAStringUnderYAML11() {
    // Namespaces are DNS labels; these are the labels a YAML 1.1 reader would not hand over as strings.
    for text in ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "123", "0777", "1e5", "0x1f", "2026-01-02"] {
        #expect(YAMLSchema.yaml11.resolve(plain: text) != .string, "\(text)")
    }
}
