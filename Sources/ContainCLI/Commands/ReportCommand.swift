import ArgumentParser

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "(not yet implemented)")
    func run() throws {
        FileHandleStderr.write("contain report: not implemented yet; refusing to run anything unconfined\n")
        throw ExitCode(ContainExit.containFailure)
    }
}
