"""The transport wall end to end: the official `mcp` SDK client talking through `contain run` to a real PyPI
server (mcp-server-time), compared with a direct connection; raw framing faults over the real binary."""
import asyncio
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from mcpdriver import Driver
from sdkclient import session, text_of

PROFILE = """\
version: 1
extends: base
mcp:
  tools: {{ default: allow, hide: [get_current_time] }}
  conditions:
    - id: tz.allowlist
      tools: [convert_time]
      require: [{{ arg: target_timezone, in: [Europe/Paris, America/New_York, UTC] }}]
audit:
  level: {level}
"""


@pytest.fixture
def ws():
    """A workspace the sandbox's uid can reach whatever the temp-dir layout (pytest's are 0700 for root)."""
    d = tempfile.mkdtemp(prefix="contain-tw-")
    os.chmod(d, 0o755)
    os.chown(d, 65534, 65534)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write_profile(tmp_path, level="denials"):
    p = tmp_path / "time.yaml"
    p.write_text(PROFILE.format(level=level))
    return p


async def _session_run(argv, calls):
    async with session(argv) as s:
        tools = sorted(t.name for t in (await s.list_tools()).tools)
        out = []
        for name, args in calls:
            r = await s.call_tool(name, args)
            out.append((text_of(r), bool(r.is_error)))
        return tools, out


def run_session(argv, calls):
    return asyncio.run(_session_run(argv, calls))


ALLOWED = ("convert_time", {"source_timezone": "UTC", "time": "14:00", "target_timezone": "Europe/Paris"})
DENIED = ("convert_time", {"source_timezone": "UTC", "time": "14:00", "target_timezone": "Asia/Tokyo"})
HIDDEN = ("get_current_time", {"timezone": "UTC"})


def test_allowed_calls_match_a_direct_connection_and_policy_refusals_are_audited(contain, venv, ws, tmp_path):
    server = venv("shell", "mcp-server-time")
    direct_tools, direct = run_session([server], [ALLOWED])
    audit = tmp_path / "audit.jsonl"
    argv = [contain, "run", "--profile", str(write_profile(tmp_path)), "--workspace", ws,
            "--audit", str(audit), "--", server]
    tools, out = run_session(argv, [ALLOWED, DENIED, HIDDEN])

    # The hidden tool is gone from the listing; everything else is listed as the server lists it.
    assert "get_current_time" in direct_tools
    assert tools == [t for t in direct_tools if t != "get_current_time"]
    # An allowed call gets exactly the server's answer.
    assert out[0] == direct[0] and not out[0][1]
    # The attacker asks for a timezone outside the allowlist, then for the hidden tool: both refused by the wall.
    assert out[1][1] and out[1][0].startswith("Blocked by contain: tz.allowlist: ")
    assert out[2][1] and out[2][0].startswith("Blocked by contain: tools.hide: ")

    records = [json.loads(l) for l in audit.read_text().splitlines()]
    blocked = [r for r in records if r["event"] == "tool_call" and r["verdict"] == "blocked"]
    assert [r["rule"] for r in blocked] == ["tz.allowlist", "tools.hide"]
    assert blocked[0]["args"] == {"target_timezone": '"Asia/Tokyo"'}
    assert blocked[0]["tool"] == "convert_time"


def test_observe_mode_forwards_and_records_would_block(contain, venv, ws, tmp_path):
    server = venv("shell", "mcp-server-time")
    audit = tmp_path / "audit.jsonl"
    argv = [contain, "run", "--observe", "--profile", str(write_profile(tmp_path)), "--workspace", ws,
            "--audit", str(audit), "--", server]
    tools, out = run_session(argv, [DENIED, HIDDEN])
    assert "get_current_time" in tools
    assert not out[0][1] and "Asia/Tokyo" in out[0][0]
    assert not out[1][1]
    verdicts = [(r["rule"], r["verdict"]) for r in map(json.loads, audit.read_text().splitlines()) if r["event"] == "tool_call"]
    assert verdicts == [("tz.allowlist", "would_block"), ("tools.hide", "would_block")]


def test_malformed_lines_are_answered_by_the_wall_and_the_stream_stays_in_sync(contain, venv, ws, tmp_path):
    server = venv("shell", "mcp-server-time")
    argv = [contain, "run", "--profile", str(write_profile(tmp_path)), "--workspace", ws, "--", server]
    lines = [
        '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},'
        '"clientInfo":{"name":"t","version":"1"}}}',
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        # Duplicate keys: the wall would read one command, a lenient server the other.
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"convert_time","arguments":'
        '{"target_timezone":"UTC","target_timezone":"Asia/Tokyo","source_timezone":"UTC","time":"10:00"}}}',
        '[{"jsonrpc":"2.0","id":2,"method":"ping"}]',
        '{"jsonrpc":"2.0","id":3,"method":"ping"}',
    ]
    # Keep stdin open until the last answer arrives, as a real client does: a server may exit as soon as its
    # stdin ends, before answering what it already read.
    d = Driver(argv)
    d.send_raw(("\n".join(lines) + "\n").encode())
    replies = []
    while not any(r.get("id") == 3 for r in replies):
        replies.append(d.read_message(timeout=60))
    d.close()
    by_id = {r.get("id"): r for r in replies}
    assert by_id[1]["error"]["code"] == -32700 and "duplicate key" in by_id[1]["error"]["message"]
    assert any(r.get("id") is None and r["error"]["code"] == -32600 for r in replies)  # the batch
    assert by_id[3] == {"jsonrpc": "2.0", "id": 3, "result": {}}
