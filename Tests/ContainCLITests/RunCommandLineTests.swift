// The plain-form reader of `contain run` must never read a line differently from ArgumentParser: whenever it
// accepts one, ArgumentParser must accept it too and produce the same options. Anything it declines falls back to
// ArgumentParser, so declining is always safe; accepting wrongly would run a server under options the user did
// not write (e.g. a different profile).

import ArgumentParser
@testable import ContainCLI
import Testing
import ContainTestSupport

private func viaArgumentParser(_ args: [String]) -> RunOptions? {
    guard let cmd = try? RunCommand.parse(args) else { return nil }
    return cmd.options
}

@Test func plainFormsThatClientConfigsUseAreReadDirectly() {
    let lines: [[String]] = [
        ["--profile", "shell", "--", "mcp-shell-server"],
        ["--profile=strict", "--", "/bin/true"],
        ["--profile", "filesystem", "--workspace", "/home/u/project", "--", "filesystem-mcp", "/home/u/project"],
        ["--profile", "base", "--audit", "a.jsonl", "--report", "r.json", "--observe", "--", "python3", "-m", "srv", "--", "x"],
        ["--profile", "shell", "--env", "ALLOW_COMMANDS=ls,cat", "--env=HOME", "--", "mcp-shell-server"],
    ]
    for line in lines {
        let fast = RunCommandLine.parsePlainForm(line[...])
        #expect(fast != nil, "\(line)")
        #expect(fast == viaArgumentParser(line), "\(line)")
    }
}

@Test func everythingElseIsLeftToArgumentParser() {
    let declined: [[String]] = [
        [], ["--", "x"],                                   // no profile: ArgumentParser says it is missing
        ["--profile", "base"],                             // no `--`
        ["--profile", "base", "--"],                       // no command
        ["--help"], ["-h", "--profile", "b", "--", "x"],   // help
        ["--profile", "a", "--profile", "b", "--", "x"],   // repeated single option: ArgumentParser decides
        ["--profile", "--", "x"], ["--profile", "-x", "--", "y"], ["--profile=", "--", "x"],
        ["--observe", "--observe", "--profile", "p", "--", "x"], ["--observe=true", "--profile", "p", "--", "x"],
        ["--profil", "base", "--", "x"], ["base", "--", "x"], ["--profile", "p", "extra", "--", "x"],
    ]
    for line in declined {
        #expect(RunCommandLine.parsePlainForm(line[...]) == nil, "\(line)")
    }
}


@Test func onAGeneratedCorpusBothParsersAgreeWheneverTheFastOneAccepts() {
    let words = ["--profile", "base", "--profile=strict", "--workspace", "/tmp/w", "--workspace=/x y", "--audit",
                 "a.jsonl", "--audit=b", "--report", "r.json", "--report=", "--observe", "--env", "A=B", "--env=C=D",
                 "--env=-x", "-h", "--help", "--", "echo", "hi", "-x", "--bogus", "", "=", "--observe=true", "x=y",
                 "-", "--profile=a=b", "--env", "-", "ünïcode", "--workspace=", "--="]
    // Whole options most of the time (so many lines are accepted), stray words now and then.
    let units: [[String]] = [["--profile", "base"], ["--profile=strict"], ["--workspace", "/tmp/w"],
                             ["--workspace=/x y"], ["--audit", "a.jsonl"], ["--report=r.json"], ["--observe"],
                             ["--env", "A=B"], ["--env=C=D"], ["--env", "ünïcode"]]
    var rng = SeededGenerator(seed: 0xC0FFEE)
    var accepted = 0
    for _ in 0..<6_000 {
        let n = Int(rng.next() % 7)
        var line: [String] = []
        for _ in 0..<n {
            line += rng.next() % 8 == 0 ? [rng.pick(words)] : rng.pick(units)
        }
        if rng.next() % 4 != 0 { line += ["--", rng.pick(["srv", "-x", "--", "a b"])] }
        guard let fast = RunCommandLine.parsePlainForm(line[...]) else { continue }
        accepted += 1
        #expect(fast == viaArgumentParser(line), "\(line)")
    }
    // The corpus must exercise the accepting side, or the agreement above would be vacuous.
    #expect(accepted > 500)
}
