"""A real MCP client (the official `mcp` Python SDK) for end-to-end tests and the demo.

`session(argv, ...)` yields an initialised ClientSession talking to `argv` over stdio; `run_calls` drives a list
of tool calls and returns (tool names, [(text, is_error)]).
"""
import asyncio
import contextlib
import os

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


@contextlib.asynccontextmanager
async def session(argv, env=None, cwd=None, errlog=None):
    params = StdioServerParameters(command=argv[0], args=list(argv[1:]), env=env if env is not None else dict(os.environ),
                                   cwd=cwd)
    kwargs = {"errlog": errlog} if errlog is not None else {}
    async with stdio_client(params, **kwargs) as (read, write):
        async with ClientSession(read, write) as s:
            await s.initialize()
            yield s


def text_of(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


async def _run_calls(argv, calls, env=None, cwd=None, errlog=None):
    async with session(argv, env=env, cwd=cwd, errlog=errlog) as s:
        tools = [t.name for t in (await s.list_tools()).tools]
        out = []
        for name, args in calls:
            r = await s.call_tool(name, args)
            out.append((text_of(r), bool(getattr(r, "is_error", None) if hasattr(r, "is_error") else r.isError)))
        return tools, out


def run_calls(argv, calls, env=None, cwd=None, errlog=None):
    return asyncio.run(_run_calls(argv, calls, env=env, cwd=cwd, errlog=errlog))
