"""A shell-string MCP server for the bypass corpus: one tool, `execute_command(command: str)`, that runs the string
with `bash -c` in the current directory, the way many hand-written "run a command" servers do (no checks at all).

mcp-shell-server takes argv arrays only, so the string form of the corpus needs a server like this one. It uses the
real `mcp` SDK (FastMCP) over stdio; bash is used rather than sh so that bash-only syntax in the corpus ($'...',
{a,b}, <(...), |&) really runs when the server is bare.
"""
import os
import subprocess

from mcp.server.fastmcp import FastMCP

server = FastMCP("string-shell")


@server.tool()
def execute_command(command: str, timeout: int = 30) -> str:
    """Run a shell command string with bash and return its exit status and output."""
    try:
        p = subprocess.run(["/bin/bash", "-c", command], capture_output=True, text=True, timeout=timeout,
                           cwd=os.getcwd(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "timeout"
    return f"exit={p.returncode}\n{p.stdout}{p.stderr}"


if __name__ == "__main__":
    server.run()
