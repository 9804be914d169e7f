import ContainCLI

ContainCommand.main()
