import ArgumentParser

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "(not yet implemented)")
    func run() throws {
        FileHandleStderr.write("contain doctor: not implemented yet; refusing to run anything unconfined\n")
        throw ExitCode(ContainExit.containFailure)
    }
}
