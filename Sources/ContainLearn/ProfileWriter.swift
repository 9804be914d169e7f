// The one entry point `contain learn` calls at exit: observation (+ optional base profile) -> the profile's
// YAML text, the diff against the base, and the report for stderr.

import ContainProfile

public struct LearnOutput: Sendable {
    /// The profile to write (commented YAML, schema v1).
    public var yaml: String
    /// With `--from`: what learning added to the base, as a unified diff of the two profiles (comments left
    /// out, so only entries show); empty when nothing was added.
    public var diff: String?
    /// What was seen and what to review, for stderr.
    public var report: String
    public var learned: LearnedProfile
}

public enum ProfileWriter {
    public static func write(_ snapshot: ObservationSnapshot, options: LearnOptions, base: Profile? = nil,
                             baseName: String = "base", outputName: String = "learned") -> LearnOutput {
        var learned = ProfileLearner.learn(snapshot, options: options)
        let renderer = ProfileRenderer(workspace: options.workspace, home: options.home)
        var diff: String?
        if let base {
            learned = ProfileMerger.merge(base: base, learned: learned)
            diff = LineDiff.unified(old: renderer.render(base), new: renderer.render(learned.profile),
                                    oldName: baseName, newName: outputName)
        }
        let yaml = renderer.render(learned.profile, learned.annotations)
        return LearnOutput(yaml: yaml, diff: diff, report: report(learned, renderer: renderer, outputName: outputName), learned: learned)
    }

    static func report(_ l: LearnedProfile, renderer: ProfileRenderer, outputName: String) -> String {
        var out = "contain learn: wrote \(outputName)\n"
        for s in l.seen { out += "  seen \(s)\n" }
        if l.annotations.review.isEmpty {
            out += "  nothing to review\n"
        } else {
            out += "  review:\n"
            for r in l.annotations.review { out += "    - \(renderer.variableText(r))\n" }
        }
        return out
    }
}
