"""Shared fixtures for the integration tests: the built binary, the venvs with real MCP servers, workspaces,
and the unprivileged path (tests run as root in CI; most users are not root, so every wall is also proven
running `contain` as uid 65534 through setpriv)."""
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

UNPRIV_UID = 65534
SETPRIV = ["setpriv", "--reuid", str(UNPRIV_UID), "--regid", str(UNPRIV_UID), "--clear-groups"]


def contain_path() -> pathlib.Path:
    p = pathlib.Path(os.environ.get("CONTAIN_BIN", REPO / ".build" / "release" / "contain"))
    if not p.exists():
        pytest.fail(f"{p} is missing: build first with scripts/build-release (scripts/test does)")
    return p


@pytest.fixture(scope="session", autouse=True)
def _traversable_basetemp(tmp_path_factory):
    """pytest makes its temporary directories 0700; tests that run the sandbox as uid 65534 need to reach
    the workspaces inside them. Only traversal is opened (each test decides what is readable)."""
    base = tmp_path_factory.getbasetemp()
    for d in [base, base.parent]:
        if d.name.startswith("pytest-") or d == base:
            os.chmod(d, 0o755)
    return base


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def contain():
    return str(contain_path())


def venv_bin(name: str, exe: str) -> str:
    p = REPO / f".venv-{name}" / "bin" / exe
    if not p.exists():
        pytest.fail(f"{p} is missing: run scripts/setup-venvs.sh")
    return str(p)


@pytest.fixture(scope="session")
def venv():
    return venv_bin


def _world_traversable(path: pathlib.Path) -> bool:
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not (mode & stat.S_IXOTH):
            return False
    return True


@pytest.fixture(scope="session")
def unpriv_contain(tmp_path_factory):
    """A copy of the binary and the shipped profiles that uid 65534 can reach, laid out like the repo
    (`.build/release/contain` next to `profiles/`) so shipped-name lookup works the same way."""
    src = contain_path()
    if _world_traversable(src.parent) and _world_traversable(REPO / "profiles"):
        return str(src)
    root = pathlib.Path(tempfile.mkdtemp(prefix="contain-unpriv-"))
    os.chmod(root, 0o755)
    (root / ".build" / "release").mkdir(parents=True)
    shutil.copy2(src, root / ".build" / "release" / "contain")
    shutil.copytree(REPO / "profiles", root / "profiles")
    for d, _, files in os.walk(root):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o755)
    return str(root / ".build" / "release" / "contain")


@pytest.fixture
def workspace(tmp_path):
    """A workspace directory owned by the unprivileged uid: the server inside runs as that uid on the host
    (contain never lets the server hold host root), so this is what a user's own project directory looks like."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "README.txt").write_text("a file in the workspace\n")
    for p in [tmp_path, ws, ws / "README.txt"]:
        os.chown(p, UNPRIV_UID, UNPRIV_UID)
    os.chmod(tmp_path, 0o755)
    return ws


@pytest.fixture
def secret(tmp_path_factory):
    """A secret outside every workspace, readable by anyone on the host (so only contain can stop a read)."""
    d = tmp_path_factory.mktemp("secret")
    os.chmod(d, 0o755)
    p = d / "id_rsa"
    token = "CANARY-SECRET-" + os.urandom(8).hex()
    p.write_text(token + "\n")
    os.chmod(p, 0o644)
    return p, token


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(argv, **kw)
