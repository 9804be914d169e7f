import ArgumentParser

public struct ContainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "contain",
        abstract: "Run an MCP server behind two walls: a kernel sandbox and an MCP policy proxy.",
        discussion: """
            Examples:
              contain run --profile shell -- mcp-shell-server
              contain run --profile filesystem --workspace ~/project -- filesystem-mcp ~/project
              contain check profiles/*.yaml
              contain doctor
            """,
        subcommands: [RunCommand.self, LearnCommand.self, CheckCommand.self, ReportCommand.self, DoctorCommand.self]
    )
    public init() {}
}

#if canImport(Glibc)
import Glibc
#endif

extension ContainCommand {
    public static func mainMappingUsageErrors() -> Never {
        // The plain `contain run --profile P ... -- CMD` that client configurations use skips ArgumentParser's
        // reflection (see RunOptions.swift); every other line goes through it.
        let argv = CommandLine.arguments
        if argv.count > 2, argv[1] == "run", let options = RunCommandLine.parsePlainForm(argv[2...]) {
            Glibc.exit(RunSession(options: options).run())
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandleStderr.write(fullMessage(for: error) + "\n")
                Glibc.exit(ContainExit.containFailure)
            }
            self.exit(withError: error)
        }
    }
}
