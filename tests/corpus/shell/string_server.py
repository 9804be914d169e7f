"""A shell-string MCP server for the bypass corpus: one tool, `execute_command(command: str)`, that runs the string
with `bash -c` in the current directory, the way many hand-written "run a command" servers do (no checks at all).
With `--no-shell` it does what the "safer" ones do instead: `shlex.split` and exec, no shell.

mcp-shell-server takes argv arrays only, so the string form of the corpus needs a server like this one. It uses the
real `mcp` SDK (FastMCP) over stdio; bash is used rather than sh so that bash-only syntax in the corpus ($'...',
{a,b}, <(...), |&) really runs when the server is bare.
"""
import os
import shlex
import subprocess
import sys

from mcp.server.fastmcp import FastMCP

server = FastMCP("string-shell")
NO_SHELL = "--no-shell" in sys.argv[1:]


@server.tool()
def execute_command(command: str, timeout: int = 30) -> str:
    """Run a shell command string with bash and return its exit status and output."""
    try:
        argv = shlex.split(command) if NO_SHELL else ["/bin/bash", "-c", command]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=os.getcwd(),
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "timeout"
    except (OSError, ValueError) as e:
        return f"error: {e}"
    return f"exit={p.returncode}\n{p.stdout}{p.stderr}"


if __name__ == "__main__":
    server.run()
