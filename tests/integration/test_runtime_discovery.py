"""The server's own runtime is found, not guessed: however pip, pipx or uv installed it, `contain run -- CMD`
starts it with nothing else of the host visible. pipx puts a symlink in ~/.local/bin pointing into its own venv;
some users symlink whole venvs. Neither link exists inside the view (the runtime is bound where it really is),
so contain must execute the real file while keeping the argv[0] the user gave."""
import json
import os
import subprocess

INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                              "clientInfo": {"name": "t", "version": "1"}}}) + "\n"


def initialize_through(contain, cmd, cwd):
    p = subprocess.run([contain, "run", "--profile", "base", "--", cmd], input=INIT.encode(), capture_output=True,
                       timeout=60, cwd=cwd)
    return p, p.stdout.decode(errors="replace")


def test_a_pipx_style_symlinked_command_starts(contain, venv, tmp_path, workspace):
    real = venv("shell", "mcp-server-time")
    link_dir = tmp_path / "local" / "bin"
    link_dir.mkdir(parents=True)
    (link_dir / "mcp-server-time").symlink_to(real)
    p, out = initialize_through(contain, str(link_dir / "mcp-server-time"), workspace)
    assert '"serverInfo"' in out, (p.returncode, p.stderr.decode(errors="replace")[-2000:])


def test_a_command_inside_a_symlinked_venv_starts(contain, venv, tmp_path, workspace):
    real_venv = os.path.dirname(os.path.dirname(venv("shell", "mcp-server-time")))
    (tmp_path / "venvlink").symlink_to(real_venv)
    p, out = initialize_through(contain, str(tmp_path / "venvlink" / "bin" / "mcp-server-time"), workspace)
    assert '"serverInfo"' in out, (p.returncode, p.stderr.decode(errors="replace")[-2000:])


def test_argv0_is_the_name_the_user_gave(contain, workspace):
    # /bin/sh is a link to dash on Debian (and /bin itself a link on merged-/usr systems).
    p = subprocess.run([contain, "run", "--profile", "base", "--", "/bin/sh", "-c", 'echo "$0"'],
                       capture_output=True, timeout=60, cwd=workspace)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().strip() == "/bin/sh"
