// What `contain run` was asked to do, whichever parser read the command line.
//
// `contain run` sits in front of every start of an MCP server, so its start-up is a product feature (issue 3:
// no slower than bwrap). perf put swift-argument-parser at ~2 ms of a ~10 ms run: it builds its parsers by
// reflection, and every generic type it instantiates costs a scan of the binary's ~4000 protocol conformance
// records. So the plain form that client configurations use, `contain run --profile P [options] -- CMD ...`,
// is read here directly, and *anything* else (help, a typo, a missing `--`, a repeated single option, a value
// that looks like an option) is left to ArgumentParser, which owns the grammar, the errors and the help text.
// Tests/ContainCLITests check on a generated corpus that whenever this reader accepts a line, ArgumentParser
// reads the same options from it.

struct RunOptions: Equatable, Sendable {
    var profile: String
    var workspace: String?
    var audit: String?
    var report: String?
    var observe = false
    var env: [String] = []
    var command: [String] = []
}

enum RunCommandLine {
    /// `args` are the words after `run`. Returns nil unless they are exactly the plain form.
    static func parsePlainForm(_ args: ArraySlice<String>) -> RunOptions? {
        var profile: String?, workspace: String?, audit: String?, report: String?
        var observe = false
        var env: [String] = []
        var i = args.startIndex
        while i < args.endIndex {
            let word = args[i]
            if word == "--" {
                let command = Array(args[(i + 1)...])
                guard let profile, !command.isEmpty else { return nil }
                return RunOptions(profile: profile, workspace: workspace, audit: audit, report: report,
                                  observe: observe, env: env, command: command)
            }
            if word == "--observe" {
                guard !observe else { return nil }
                observe = true
                i += 1
                continue
            }
            // `--name value` or `--name=value`; the value must not look like an option.
            let name: Substring, value: String
            if let eq = word.firstIndex(of: "=") {
                name = word[..<eq]
                value = String(word[word.index(after: eq)...])
                i += 1
            } else {
                guard i + 1 < args.endIndex else { return nil }
                name = Substring(word)
                value = args[i + 1]
                i += 2
            }
            guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--profile": guard profile == nil else { return nil }; profile = value
            case "--workspace": guard workspace == nil else { return nil }; workspace = value
            case "--audit": guard audit == nil else { return nil }; audit = value
            case "--report": guard report == nil else { return nil }; report = value
            case "--env": env.append(value)
            default: return nil
            }
        }
        return nil
    }
}

extension RunCommand {
    /// The options ArgumentParser read, in the form `RunSession` takes.
    var options: RunOptions {
        RunOptions(profile: profile, workspace: workspace, audit: audit, report: report,
                   observe: observe, env: env, command: command)
    }
}
