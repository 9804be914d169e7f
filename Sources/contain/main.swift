import ContainCLI

// Usage errors exit 125 like every other failure of contain itself (DESIGN.md "Exit status"), not
// ArgumentParser's 64: a client only has to tell "contain failed" (125) from the server's own status.
ContainCommand.mainMappingUsageErrors()
