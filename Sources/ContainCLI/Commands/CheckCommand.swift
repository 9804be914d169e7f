import ArgumentParser

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "(not yet implemented)")
    func run() throws {
        FileHandleStderr.write("contain check: not implemented yet; refusing to run anything unconfined\n")
        throw ExitCode(ContainExit.containFailure)
    }
}
