import ArgumentParser

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not yet implemented)")
    func run() throws {
        FileHandleStderr.write("contain run: not implemented yet; refusing to run anything unconfined\n")
        throw ExitCode(ContainExit.containFailure)
    }
}
