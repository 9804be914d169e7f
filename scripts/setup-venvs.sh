#!/usr/bin/env bash
# Creates the Python virtual environments the demo and the tests use, inside the repository (git-ignored).
# Each real MCP server gets the mcp SDK version it works with (see ../shared/SERVERS.md):
#   .venv-test   pytest + the mcp SDK client (a real MCP client for end-to-end tests)
#   .venv-shell  mcp-shell-server (needs mcp<2), mcp-server-time, mcp-server-git
#   .venv-fs     filesystem-mcp (needs mcp>=2)
#   .venv-kube   kubectl-mcp-server
# Debian's /usr/bin/python3 is used on purpose: an unprivileged uid (tests run the sandbox as one) can read it,
# which is not true of a Python under /root.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${CONTAIN_PYTHON:-/usr/bin/python3}

make_venv() {
    local dir=$1; shift
    local stamp="$dir/.contain-stamp"
    local want="$*"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    echo "setup-venvs: creating $dir ($want)" >&2
    rm -rf "$dir"
    "$PY" -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    echo "$want" > "$stamp"
}

only=${1:-all}
case "$only" in all|test)  make_venv .venv-test pytest 'mcp>=1.20' pyyaml ;; esac
case "$only" in all|shell) make_venv .venv-shell 'mcp<2' mcp-shell-server mcp-server-time mcp-server-git ;; esac
case "$only" in all|fs)    make_venv .venv-fs filesystem-mcp ;; esac
case "$only" in all|kube)  make_venv .venv-kube kubectl-mcp-server ;; esac
# Let an unprivileged uid read and execute the venvs (tests run the sandbox as one).
chmod -R a+rX .venv-* 2>/dev/null || true
