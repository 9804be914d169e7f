// The built-in knowledge (`builtin_dangerous: true`, the default): commands and options that turn an allowed
// command into arbitrary execution, file writes or configuration changes. One table, listed in
// docs/shell-commands.md; keep the two in step.
//
// Lookups use the command's basename, whatever directory it was run from, so allowing `/opt/x/bin/find`
// still brings find's rules.

enum DangerousCommands {
    /// Other spellings of the same program.
    static let families: [String: String] = [
        "gawk": "awk", "mawk": "awk", "nawk": "awk", "original-awk": "awk", "busybox-awk": "awk",
        "gfind": "find", "bfind": "find",
        "gsed": "sed",
        "gtar": "tar", "bsdtar": "tar",
        "gsort": "sort", "guniq": "uniq",
        "[": "test",
        "gitk": "git-gui", "git-gui": "git-gui",
    ]

    static func family(_ name: String) -> String { families[name] ?? name }

    /// Run another command given in their arguments.
    static let wrappers: Set<String> = [
        "xargs", "env", "nice", "timeout", "nohup", "stdbuf", "setsid", "flock", "chroot", "unshare", "sudo", "su",
        "doas", "watch", "time", "strace", "ltrace", "nsenter", "ionice", "chrt", "taskset", "numactl", "cgexec",
        "firejail", "bwrap", "proot", "fakeroot", "fakechroot", "sg", "newgrp", "runuser", "pkexec", "setpriv",
        "capsh", "prlimit", "choom", "unbuffer", "parallel", "entr", "script", "screen", "tmux", "busybox", "toybox",
        "setarch", "linux32", "linux64", "valgrind", "systemd-run", "run-parts", "at", "batch", "crontab",
        "start-stop-daemon", "daemonize", "dbus-launch", "ssh-agent", "catchsegv", "rlwrap", "faketime",
        "torsocks", "proxychains", "proxychains4", "tsocks", "su-exec", "gosu", "chpst", "softlimit", "nocache",
        "eatmydata", "ld.so", "ld-linux.so.2", "ld-linux-x86-64.so.2", "xvfb-run", "dtach", "abduco", "expect",
    ]

    /// Wrappers whose own options are simple enough to parse exactly: the rule checks the command they run
    /// as if it were given directly (it must be allowed too). Value: the wrapper's option grammar and how many
    /// operands come before the command (timeout's DURATION).
    static let unwrappable: [String: (spec: GetoptSpec, leadingOperands: Int)] = [
        "timeout": (GetoptSpec(shortFlags: ["v"], shortRequired: ["s", "k"],
                               long: ["preserve-status": .none, "foreground": .none, "kill-after": .required,
                                      "signal": .required, "verbose": .none],
                               stopAtOperand: true), 1),
        "nice": (GetoptSpec(shortRequired: ["n"], long: ["adjustment": .required], stopAtOperand: true), 0),
        "nohup": (GetoptSpec(stopAtOperand: true), 0),
        "stdbuf": (GetoptSpec(shortRequired: ["i", "o", "e"],
                              long: ["input": .required, "output": .required, "error": .required],
                              stopAtOperand: true), 0),
    ]

    /// The command a wrapper runs (its argv index in `args`), or why it cannot be known.
    static func unwrap(_ name: String, _ args: [String]) -> Result<Int, DenialReason> {
        guard let (spec, leading) = unwrappable[family(name)] else {
            return .failure(DenialReason("\"\(name)\" runs another command (wrappers are refused)"))
        }
        switch spec.parse(args, command: name) {
        case .failure(let e): return .failure(e)
        case .success(let p):
            guard p.operands.count > leading else { return .failure(DenialReason("\(name) without a command")) }
            return .success(args.count - p.operands.count + leading)
        }
    }

    /// Shell builtins that run code, change how later commands are found, or assign variables in ways that
    /// evaluate array subscripts.
    static let shellBuiltins: Set<String> = [
        "eval", "exec", "source", ".", "command", "builtin", "trap", "enable", "compgen", "complete", "fc", "let",
        "declare", "typeset", "export", "readonly", "local", "unset", "alias", "unalias", "set", "shopt", "hash",
        "mapfile", "readarray", "read", "bind", "coproc", "caller", "history", "ulimit", "umask", "wait", "jobs",
        "fg", "bg", "disown", "suspend", "logout", "exit", "return", "shift", "getopts", "emulate", "autoload",
        "zmodload", "functions", "noglob", "nocorrect", "sched", "vared", "zle",
    ]

    /// Interpreters and build tools: they run code from arguments, files or stdin.
    static let interpreters: Set<String> = [
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "ksh93", "ash", "fish", "csh", "tcsh", "rbash", "yash",
        "posh", "elvish", "nu", "xonsh", "pwsh", "powershell", "rc", "es",
        "python", "pypy", "perl", "ruby", "irb", "node", "nodejs", "deno", "bun", "php", "lua", "luajit", "tclsh",
        "wish", "R", "Rscript", "julia", "guile", "racket", "sbcl", "clisp", "ecl", "gdb", "lldb", "jshell",
        "groovy", "scala", "kotlin", "java", "jrunscript", "jjs", "ghci", "runghc", "runhaskell", "ocaml", "swift",
        "erl", "escript", "elixir", "iex", "mix", "octave", "matlab", "gnuplot", "m4",
        "make", "gmake", "bmake", "cmake", "ninja", "meson", "scons", "bazel", "buck", "ant", "mvn", "gradle",
        "npm", "npx", "yarn", "pnpm", "corepack", "pip", "pipx", "uv", "uvx", "poetry", "pdm", "hatch", "tox", "nox",
        "pytest", "cargo", "rustc", "go", "gcc", "cc", "g++", "c++", "clang", "clang++", "tcc", "ld", "rake",
        "bundle", "gem", "composer", "docker", "podman", "nerdctl", "lxc", "systemd-nspawn", "vagrant", "ansible",
        "ansible-playbook", "terraform", "sqlite3", "mysql", "psql", "mongo", "mongosh", "redis-cli", "dc",
    ]

    /// Interpreter families spelled with a version (`python3.11`, `perl5.36`, `lua5.4`, `pip3`).
    static let interpreterPrefixes = ["python", "pypy", "perl", "ruby", "node", "php", "lua", "tclsh", "wish",
                                      "guile", "pip", "gcc-", "g++-", "clang-", "clang++-", "cpp-"]

    /// Pagers, editors and other programs with a shell escape or command prompt.
    static let escapes: Set<String> = [
        "less", "more", "most", "pg", "man", "info", "pinfo", "vi", "vim", "nvim", "view", "vimdiff", "rvim", "rview",
        "gvim", "ex", "ed", "red", "nano", "rnano", "pico", "emacs", "emacsclient", "joe", "jed", "mg", "micro",
        "ne", "mcedit", "mc", "w3m", "lynx", "links", "elinks", "ftp", "sftp-interactive", "mail", "mailx", "mutt",
        "telnet", "nc", "ncat", "netcat", "socat", "ssh", "slogin", "rsh", "rlogin", "ssh-keygen", "git-gui",
        "tig", "perldoc", "pydoc", "pydoc3", "ri", "ranger", "nnn", "vifm", "htop", "top", "iftop", "journalctl", "systemctl", "busctl", "crash",
    ]

    /// The one argument an interpreter may be given: it prints and exits. Short spellings differ per family
    /// (`bash -v` and `ruby -v` go on to read a program from stdin), so they are listed per family.
    static let versionOnlyArguments: Set<String> = ["--version", "--help"]
    static let versionOnlyShort: [String: Set<String>] = [
        "python": ["-V"], "pypy": ["-V"], "node": ["-v"], "nodejs": ["-v"], "perl": ["-v"], "java": ["-version"],
    ]

    static func isVersionQuery(_ name: String, _ args: [String]) -> Bool {
        guard args.count == 1, let a = args.first else { return false }
        if versionOnlyArguments.contains(a) { return true }
        let base = String(name.prefix { $0.isLetter })
        return versionOnlyShort[base]?.contains(a) ?? false
    }

    /// Options that run programs or write files, per command family.
    static let options: [String: [(String, String)]] = [
        "sort": [("--output", "writes files"), ("-o", "writes files"), ("--compress-program", "runs a program"),
                 ("--temporary-directory", "writes files"), ("-T", "writes files")],
        "shuf": [("--output", "writes files"), ("-o", "writes files")],
        "tree": [("-o", "writes files"), ("--output", "writes files")],
        "rsync": [("-e", "runs a program"), ("--rsh", "runs a program"), ("--rsync-path", "runs a program"),
                  ("--daemon", "starts a server"), ("--config", "reads another config")],
        "zip": [("-T", "runs a program (unzip)"), ("-TT", "runs a program"), ("--unzip-command", "runs a program"),
                ("--test", "runs a program (unzip)")],
        "scp": [("-o", "sets ssh options (ProxyCommand runs commands)"), ("-F", "reads an ssh config (ProxyCommand)"),
                ("-S", "runs a program"), ("-J", "runs ssh")],
        "sftp": [("-o", "sets ssh options (ProxyCommand runs commands)"), ("-F", "reads an ssh config (ProxyCommand)"),
                 ("-S", "runs a program"), ("-D", "runs a program"), ("-s", "runs a subsystem program"),
                 ("-b", "runs a batch file (! runs commands)")],
        "tar": [("--checkpoint-action", "runs commands"), ("--to-command", "runs commands"),
                ("--use-compress-program", "runs a program"), ("-I", "runs a program"),
                ("-F", "runs a script"), ("--info-script", "runs a script"), ("--new-volume-script", "runs a script"),
                ("--rsh-command", "runs a program"), ("--rmt-command", "runs a program")],
        "file": [("-C", "writes files"), ("--compile", "writes files")],
        "sdiff": [("--diff-program", "runs a program"), ("-o", "writes files"), ("--output", "writes files")],
        "diff3": [("--diff-program", "runs a program")],
        "rg": [("--pre", "runs a program")],
        "tcpdump": [("-z", "runs a program"), ("-w", "writes files")],
        "wget": [("-e", "runs wgetrc commands"), ("--execute", "runs wgetrc commands"),
                 ("--use-askpass", "runs a program")],
        "curl": [("-K", "reads a config"), ("--config", "reads a config")],
        "test": [("-v", "evaluates array subscripts (bash runs $(...) in them)")],
        "printf": [("-v", "assigns a variable (array subscripts run commands in bash)")],
        "openssl": [("-engine", "loads code"), ("-provider", "loads code"), ("-provider-path", "loads code")],
    ]

    // MARK: git

    /// Builtin git commands (git 2.4x). Anything else is an alias (which can run `!shell`) or a `git-x` program.
    static let gitBuiltins: Set<String> = [
        "add", "am", "annotate", "apply", "archive", "bisect", "blame", "branch", "bugreport", "bundle", "cat-file",
        "check-attr", "check-ignore", "check-mailmap", "check-ref-format", "checkout", "checkout-index", "cherry",
        "cherry-pick", "citool", "clean", "clone", "column", "commit", "commit-graph", "commit-tree", "config",
        "count-objects", "credential", "credential-cache", "credential-store", "describe", "diagnose", "diff",
        "diff-files", "diff-index", "diff-tree", "difftool", "fast-export", "fast-import", "fetch", "fetch-pack",
        "filter-branch", "fmt-merge-msg", "for-each-ref", "for-each-repo", "format-patch", "fsck", "fsmonitor--daemon",
        "gc", "get-tar-commit-id", "grep", "gui", "hash-object", "help", "hook", "http-backend", "index-pack", "init",
        "init-db", "instaweb", "interpret-trailers", "log", "ls-files", "ls-remote", "ls-tree", "mailinfo",
        "mailsplit", "maintenance", "merge", "merge-base", "merge-file", "merge-index", "merge-one-file",
        "merge-tree", "mergetool", "mktag", "mktree", "multi-pack-index", "mv", "name-rev", "notes", "pack-objects",
        "pack-redundant", "pack-refs", "patch-id", "prune", "prune-packed", "pull", "push", "range-diff", "read-tree",
        "rebase", "receive-pack", "reflog", "refs", "remote", "repack", "replace", "replay", "request-pull",
        "rerere", "reset", "restore", "rev-list", "rev-parse", "revert", "rm", "send-email", "send-pack",
        "shortlog", "show", "show-branch", "show-index", "show-ref", "sparse-checkout", "stage", "stash", "status",
        "stripspace", "submodule", "switch", "symbolic-ref", "tag", "unpack-file", "unpack-objects", "update-index",
        "update-ref", "update-server-info", "upload-archive", "upload-pack", "var", "verify-commit", "verify-pack",
        "verify-tag", "version", "web--browse", "whatchanged", "worktree", "write-tree",
    ]

    /// git subcommands refused outright, with why.
    static let gitRefusedSubcommands: [String: String] = [
        "config": "changes configuration (core.pager, aliases, hooks... run commands)",
        "difftool": "runs external diff tools", "mergetool": "runs external merge tools",
        "filter-branch": "runs shell filters", "bisect": "runs commands (bisect run)",
        "submodule": "runs commands (submodule foreach)", "instaweb": "starts a web server and browser",
        "web--browse": "runs a browser", "credential": "talks to credential helpers (run commands)",
        "credential-cache": "talks to credential helpers", "credential-store": "reads and writes credentials",
        "upload-pack": "serves a repository", "receive-pack": "serves a repository (runs hooks)",
        "upload-archive": "serves a repository", "http-backend": "serves a repository",
        "send-email": "runs sendmail programs", "hook": "runs hooks", "help": "runs man or a browser",
        "fsmonitor--daemon": "starts a daemon", "for-each-repo": "runs git commands from configuration",
        "maintenance": "runs scheduled jobs from configuration", "citool": "starts a GUI", "gui": "starts a GUI",
    ]

    /// git global options (before the subcommand) that take a separate value.
    static let gitGlobalWithValue: Set<String> = ["-C", "--namespace", "--super-prefix", "--attr-source"]
    static let gitGlobalFlags: Set<String> = [
        "-P", "--no-pager", "--bare", "--no-replace-objects", "--literal-pathspecs", "--glob-pathspecs",
        "--noglob-pathspecs", "--icase-pathspecs", "--no-optional-locks", "--version", "-v", "--help", "-h",
        "--html-path", "--man-path", "--info-path", "--no-lazy-fetch", "--no-advice",
    ]
    /// git global options refused, with why.
    static let gitGlobalRefused: [(String, String)] = [
        ("--config-env", "sets configuration from the environment"),
        ("--exec-path", "changes where git finds its programs"),
        ("--git-dir", "points git at another repository's configuration"),
        ("--work-tree", "points git at another work tree"),
        ("-p", "starts a pager"), ("--paginate", "starts a pager"),
        ("--list-cmds", "lists aliases and programs"),
    ]

    /// git options refused anywhere on the command line, with why.
    static let gitOptions: [(String, String)] = [
        ("--upload-pack", "runs a program"), ("--receive-pack", "runs a program"), ("--exec", "runs commands"),
        ("--exec-path", "changes where git finds its programs"), ("--config-env", "sets configuration"),
        ("--output", "writes files"), ("--output-directory", "writes files"), ("--ext-diff", "runs a diff program"),
        ("--no-index", "compares files outside the repository"),
        ("--open-files-in-pager", "runs a pager"), ("--extcmd", "runs a program"), ("--tool", "runs a program"),
        ("--template", "copies hooks from a template"), ("--separate-git-dir", "writes elsewhere"),
        ("--config", "sets configuration"), ("--remote", "contacts a remote (ext:: runs commands)"),
        // send-email's --sendmail-cmd/--to-cmd/--cc-cmd/--header-cmd need no entry: the subcommand is refused, and
        // listing them would refuse `git diff --cc` as an abbreviation of --cc-cmd.
        ("--strategy", "runs git-merge-* programs"),
        ("--git-dir", "points git at another repository"), ("--work-tree", "points git at another work tree"),
        ("--paginate", "starts a pager"),
    ]

    /// Short options refused per git subcommand, with why.
    static let gitShortOptions: [String: [(Character, String)]] = [
        "archive": [("o", "writes files")], "format-patch": [("o", "writes files")],
        "grep": [("O", "runs a pager")], "rebase": [("x", "runs commands"), ("s", "runs git-merge-* programs")],
        "merge": [("s", "runs git-merge-* programs")], "pull": [("s", "runs git-merge-* programs")],
        "clone": [("u", "runs a program"), ("c", "sets configuration")], "fetch": [("u", "runs a program")],
        "ls-remote": [("u", "runs a program")], "commit": [("o", "commits only the named paths")],
    ]

    // MARK: environment

    /// Variables that change what runs or how programs behave, refused in assignments even when assignments are
    /// allowed.
    static let injectedNames: Set<String> = [
        "PATH", "IFS", "ENV", "BASH_ENV", "CDPATH", "GLOBIGNORE", "PS1", "PS2", "PS4", "PROMPT_COMMAND", "SHELLOPTS",
        "BASHOPTS", "PAGER", "MANPAGER", "MANOPT", "EDITOR", "VISUAL", "HOME", "SHELL", "TMPDIR", "LESSOPEN",
        "LESSCLOSE", "TAR_OPTIONS", "GREP_OPTIONS", "GZIP", "ZIPOPT", "UNZIP", "XZ_OPT", "BZIP2", "RSYNC_RSH",
        "AWKPATH", "AWKLIBPATH", "SSH_ASKPASS", "SUDO_ASKPASS", "GCONV_PATH", "LOCPATH", "NLSPATH", "HOSTALIASES",
        "RESOLV_HOST_CONF", "GLIBC_TUNABLES", "BROWSER", "POSIXLY_CORRECT", "FCEDIT", "CLASSPATH", "OPENSSL_CONF",
        "OPENSSL_ENGINES", "CURL_HOME", "WGETRC", "KUBECONFIG", "TERMINFO", "TERMCAP", "INPUTRC", "HISTFILE",
        "MAIL", "MAILPATH", "SYSTEMD_PAGER", "SYSTEMD_EDITOR", "LANGUAGE", "TZDIR", "FPATH", "ZDOTDIR", "XAUTHORITY",
        "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "SSH_AUTH_SOCK", "JAVA_HOME", "EXINIT", "VIMINIT",
        "MYVIMRC", "COMP_WORDBREAKS", "BASH_XTRACEFD", "HISTCONTROL", "MAKEFLAGS", "MFLAGS", "OLDPWD", "PWD",
    ]
    static let injectedPrefixes = [
        "LD_", "DYLD_", "GIT_", "PYTHON", "PERL", "RUBY", "NODE_", "NPM_", "npm_", "BASH_", "LESS", "MALLOC_",
        "GCONV", "CARGO", "RUST", "GO", "JAVA", "_JAVA", "JDK_", "LUA_", "PHP", "TCL", "R_", "SSH_", "GPG", "GNUPG",
        "KUBE", "DOCKER_", "XDG_", "LC_", "ZSH", "PIP_", "UV_", "VIRTUAL_ENV", "CONDA", "HTTP", "HTTPS", "http",
        "https", "FTP", "ftp", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "SSL_", "CURL_", "REQUESTS_",
        "GEM_", "BUNDLE_", "DENO_", "BUN_", "EMACS", "VIM", "MANPATH", "INFOPATH", "TEXINPUTS", "CC", "CXX",
        "CFLAGS", "CPPFLAGS", "LDFLAGS",
    ]

    static func injectionReason(_ name: String) -> String? {
        if injectedNames.contains(name) || injectedPrefixes.contains(where: { name.hasPrefix($0) }) {
            return "assignment to \(name) changes what programs run or load (environment injection)"
        }
        for part in ["PATH", "PRELOAD", "OPTIONS", "OPTS", "CONFIG", "HOME", "PAGER", "EDITOR", "SHELL", "LIB", "PROXY"]
        where name.uppercased().contains(part) {
            return "assignment to \(name) changes what programs run or load (environment injection)"
        }
        return nil
    }

    static func isInterpreter(_ name: String) -> Bool {
        if interpreters.contains(name) { return true }
        for p in interpreterPrefixes where name.hasPrefix(p) {
            let rest = name.dropFirst(p.count)
            if rest.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "m" || $0 == "w" || $0 == "u" }) { return true }
        }
        return false
    }

    // MARK: the check

    /// Whether the table says anything about `name` (so arguments unknown before the shell runs must be refused).
    static func hasKnowledge(_ name: String) -> Bool {
        let fam = family(name)
        return wrappers.contains(fam) || shellBuiltins.contains(fam) || escapes.contains(fam) || isInterpreter(fam)
            || options[fam] != nil || ["find", "git", "sed", "awk", "tar", "uniq", "xxd"].contains(fam)
    }

    /// Why `name args` (name is the basename) would run code or write, or nil.
    static func check(name: String, args: [String]) -> DenialReason? {
        let fam = family(name)
        if wrappers.contains(fam), unwrappable[fam] == nil {
            return DenialReason("\"\(name)\" runs another command (wrappers are refused)")
        }
        if shellBuiltins.contains(fam) {
            return DenialReason("\"\(name)\" is a shell builtin that runs code or changes the shell")
        }
        if escapes.contains(fam) {
            return DenialReason("\"\(name)\" has a shell escape or runs commands")
        }
        if isInterpreter(fam) {
            if isVersionQuery(fam, args) { return nil }
            let how = args.first.map { $0.hasPrefix("-") ? "option \($0)" : "script \($0)" } ?? "code on stdin"
            return DenialReason("\"\(name)\" runs code it is given (\(how)); only --version is allowed")
        }
        if let table = options[fam] {
            for (spelling, why) in table {
                guard let opt = DeniedOption(spelling) else { continue }
                if let a = args.first(where: { opt.matches($0) }) {
                    return DenialReason("\(name) option \(opt.spelling) \(why)" + (a == opt.spelling ? "" : " (given as \(a))"))
                }
            }
        }
        switch fam {
        case "find": return checkFind(name, args)
        case "git": return checkGit(args)
        case "sed": return checkSed(name, args)
        case "awk": return checkAwk(name, args)
        case "tar": return checkTar(name, args)
        case "uniq": return checkUniq(name, args)
        case "xxd": return checkXxd(name, args)
        default: return nil
        }
    }

    static let findPrimaries: [(String, String)] = [
        ("-exec", "runs commands"), ("-execdir", "runs commands"), ("-ok", "runs commands"),
        ("-okdir", "runs commands"), ("-delete", "deletes files"), ("-fprint", "writes files"),
        ("-fprint0", "writes files"), ("-fprintf", "writes files"), ("-fls", "writes files"),
    ]

    static func checkFind(_ name: String, _ args: [String]) -> DenialReason? {
        for a in args {
            if let (p, why) = findPrimaries.first(where: { $0.0 == a }) { return DenialReason("\(name) option \(p) \(why)") }
            // GNU find has no abbreviations, but other finds and future ones may; `-fprint*` is a family.
            if a.hasPrefix("-fprint") || a.hasPrefix("-exec") || a.hasPrefix("-ok") {
                return DenialReason("\(name) option \(a) runs commands or writes files")
            }
        }
        return nil
    }

    static func checkGit(_ args: [String]) -> DenialReason? {
        var k = 0
        var sub: String?
        while k < args.count {
            let a = args[k]
            if !a.hasPrefix("-") { sub = a; break }
            if a == "-c" || (a.hasPrefix("-c") && !a.hasPrefix("--")) {
                return DenialReason("git option -c sets configuration (core.pager, alias.*, core.fsmonitor run commands)")
            }
            for (spelling, why) in gitGlobalRefused {
                let hit = spelling.hasPrefix("--") ? (DeniedOption(spelling)?.matches(a) ?? true) : a == spelling
                if hit { return DenialReason("git option \(spelling) \(why)" + (a == spelling ? "" : " (given as \(a))")) }
            }
            if gitGlobalWithValue.contains(a) { k += 2; continue }
            if gitGlobalWithValue.contains(where: { a.hasPrefix($0 + "=") || ($0 == "-C" && a.hasPrefix("-C")) }) { k += 1; continue }
            if gitGlobalFlags.contains(a) { k += 1; continue }
            return DenialReason("git option \(a) before the subcommand is not known to contain; refused")
        }
        for a in args {
            if a.contains("ext::") || a.hasPrefix("fd::") {
                return DenialReason("git remote URL \(a) runs commands (remote helper)")
            }
        }
        guard let sub else { return nil }
        if !gitBuiltins.contains(sub) {
            return DenialReason("git subcommand '\(sub)' is not a git builtin (aliases and git-* programs can run anything)")
        }
        if let why = gitRefusedSubcommands[sub] { return DenialReason("git \(sub) \(why)") }
        let rest = Array(args[(k + 1)...])
        for (spelling, why) in gitOptions {
            guard let opt = DeniedOption(spelling) else { continue }
            if let a = rest.first(where: { opt.matches($0) }) {
                return DenialReason("git option \(spelling) \(why)" + (a == spelling ? "" : " (given as \(a))"))
            }
        }
        for (c, why) in gitShortOptions[sub] ?? [] {
            let opt = DeniedOption.short(c)
            if let a = rest.first(where: { opt.matches($0) }) {
                return DenialReason("git \(sub) option -\(c) \(why)" + (a == "-\(c)" ? "" : " (given as \(a))"))
            }
        }
        return nil
    }

    static let sedSpec = GetoptSpec(
        shortFlags: ["n", "r", "E", "s", "u", "z", "b"], shortRequired: ["e", "f", "l"], shortOptional: ["i"],
        long: ["expression": .required, "file": .required, "in-place": .optional, "line-length": .required,
               "null-data": .none, "zero-terminated": .none, "quiet": .none, "silent": .none,
               "regexp-extended": .none, "separate": .none, "unbuffered": .none, "posix": .none, "debug": .none,
               "sandbox": .none, "follow-symlinks": .none, "binary": .none, "help": .none, "version": .none])

    static func checkSed(_ name: String, _ args: [String]) -> DenialReason? {
        // The denied options first, in every spelling, so the reason names them even when parsing would fail.
        for (spelling, why) in [("-i", "edits files in place"), ("--in-place", "edits files in place"),
                                ("-f", "reads a script file (not checked)"), ("--file", "reads a script file (not checked)")] {
            if let opt = DeniedOption(spelling), let a = args.first(where: { opt.matches($0) }) {
                return DenialReason("\(name) option \(spelling) \(why)" + (a == spelling ? "" : " (given as \(a))"))
            }
        }
        let parsed: GetoptSpec.Parsed
        switch sedSpec.parse(args, command: name) {
        case .failure(let e): return e
        case .success(let p): parsed = p
        }
        var scripts = parsed.options.filter { $0.name == "e" || $0.name == "expression" }.compactMap(\.value)
        if scripts.isEmpty {
            guard let first = parsed.operands.first else { return nil }
            scripts = [first]
        }
        return SedScript.check(scripts.joined(separator: "\n"))
    }

    static let awkSpec = GetoptSpec(
        shortFlags: ["b", "c", "C", "g", "h", "M", "n", "N", "O", "P", "r", "s", "S", "t", "V", "Y", "k"],
        shortRequired: ["F", "v", "f", "e", "i", "l", "E", "W"], shortOptional: ["d", "D", "L", "o", "p"],
        long: ["assign": .required, "field-separator": .required, "file": .required, "source": .required,
               "exec": .required, "include": .required, "load": .required, "bignum": .none,
               "characters-as-bytes": .none, "copyright": .none, "csv": .none, "debug": .optional,
               "dump-variables": .optional, "gen-pot": .none, "help": .none, "lint": .optional, "no-optimize": .none,
               "non-decimal-data": .none, "optimize": .none, "posix": .none, "pretty-print": .optional,
               "profile": .optional, "re-interval": .none, "sandbox": .none, "traditional": .none, "trace": .none,
               "use-lc-numeric": .none, "version": .none])

    static let awkRefused: [(String, String)] = [
        ("f", "reads a program file (not checked)"), ("file", "reads a program file (not checked)"),
        ("E", "reads a program file (not checked)"), ("exec", "reads a program file (not checked)"),
        ("i", "includes a source file"), ("include", "includes a source file"),
        ("l", "loads a shared library"), ("load", "loads a shared library"),
        ("W", "sets implementation options (mawk -W exec runs a file)"),
        ("d", "writes files"), ("dump-variables", "writes files"), ("D", "starts the debugger"),
        ("debug", "starts the debugger"), ("o", "writes files"), ("pretty-print", "writes files"),
        ("p", "writes files"), ("profile", "writes files"),
    ]

    static func checkAwk(_ name: String, _ args: [String]) -> DenialReason? {
        let parsed: GetoptSpec.Parsed
        switch awkSpec.parse(args, command: name) {
        case .failure(let e): return e
        case .success(let p): parsed = p
        }
        for o in parsed.options {
            if let (_, why) = awkRefused.first(where: { $0.0 == o.name }) {
                return DenialReason("\(name) option \(o.name.count == 1 ? "-" : "--")\(o.name) \(why)")
            }
        }
        var programs = parsed.options.filter { $0.name == "e" || $0.name == "source" }.compactMap(\.value)
        if programs.isEmpty {
            guard let first = parsed.operands.first else { return DenialReason("\(name) without a program text") }
            programs = [first]
        }
        for p in programs {
            if p.contains("system") { return DenialReason("\(name) program calls system() (runs commands)") }
            if p.replacing("||", with: "").contains("|") {
                return DenialReason("\(name) program uses a pipe (| runs commands)")
            }
            if p.contains(">") {
                return DenialReason("\(name) program uses > (writes files; write comparisons with <)")
            }
            if p.contains("@") { return DenialReason("\(name) program uses @ directives or indirect calls") }
            if p.contains("/inet") { return DenialReason("\(name) program opens network special files") }
        }
        return nil
    }

    static func checkTar(_ name: String, _ args: [String]) -> DenialReason? {
        if let first = args.first, !first.hasPrefix("-") {
            // Old-style option cluster (`tar cvfI ...`).
            for (c, why) in [("I", "runs a program"), ("F", "runs a script")] where first.contains(c) {
                return DenialReason("\(name) option \(c) \(why) (in \(first))")
            }
        }
        if !args.contains("--force-local"), let a = args.first(where: { $0.contains(":") }) {
            return DenialReason("\(name) archive names with ':' are remote and run rsh/ssh (\(a)); add --force-local")
        }
        return nil
    }

    static let uniqSpec = GetoptSpec(
        shortFlags: ["c", "d", "D", "i", "u", "z"], shortRequired: ["f", "s", "w"],
        long: ["count": .none, "repeated": .none, "all-repeated": .optional, "skip-fields": .required,
               "skip-chars": .required, "check-chars": .required, "group": .optional, "ignore-case": .none,
               "unique": .none, "zero-terminated": .none, "help": .none, "version": .none])

    static func checkUniq(_ name: String, _ args: [String]) -> DenialReason? {
        switch uniqSpec.parse(args, command: name) {
        case .failure(let e): return e
        case .success(let p):
            if p.operands.count > 1 { return DenialReason("\(name) with a second file operand writes it (\(p.operands[1]))") }
            return nil
        }
    }

    static func checkXxd(_ name: String, _ args: [String]) -> DenialReason? {
        let withValue: Set<String> = ["-c", "-cols", "-g", "-groupsize", "-l", "-len", "-s", "-seek", "-o", "-offset",
                                      "-n", "-name"]
        var operands: [String] = []
        var k = 0
        while k < args.count {
            let a = args[k]
            if withValue.contains(a) { k += 2; continue }
            if a.hasPrefix("-"), a != "-" { k += 1; continue }
            operands.append(a); k += 1
        }
        if operands.count > 1 { return DenialReason("\(name) with a second file operand writes it (\(operands[1]))") }
        return nil
    }
}
