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
