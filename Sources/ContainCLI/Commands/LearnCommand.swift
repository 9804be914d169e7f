import ArgumentParser

struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "learn", abstract: "(not yet implemented)")
    func run() throws {
        FileHandleStderr.write("contain learn: not implemented yet; refusing to run anything unconfined\n")
        throw ExitCode(ContainExit.containFailure)
    }
}
