"""The kubectl bypass corpus, end to end: real MCP servers driving a real kubectl against a stub API server.

The attacker drives the tools (a prompt-injected agent) and wants out of the namespaces the profile allows
(dev, staging): other namespaces, all namespaces, cluster-scoped resources, another cluster or context,
another identity, the kubeconfig's credentials, writes. Servers:
  shell  mcp-shell-server with ALLOW_COMMANDS=kubectl (the real kubectl from Debian, argv arrays)
  kube   PyPI kubectl-mcp-server (kubectl-style tools; runs kubectl and the kubernetes Python client)

Two stub API servers stand in for the clusters: `main` (the kubeconfig's cluster: namespaces dev, staging,
prod, kube-system, default) and `other` (another cluster the kubeconfig also knows). Each records every
namespace it is asked about. Every payload is first shown to do its damage with the server alone (so the
payloads are real), then shown to be blocked by `contain run --profile kubectl` with no damage at all.

Corpus: tests/corpus/kubectl/payloads.jsonl. Placeholders: ${OTHER_URL} (the other cluster's server),
${OTHER_KUBECONFIG} (a kubeconfig for it), ${OTHER_CONTEXT} (the kubeconfig's second context), ${KUBECONFIG}
(the kubeconfig the server is given). Damage kinds:
  reach     the main stub is asked about a namespace other than dev/staging ("*" all, "<cluster>",
            "<impersonate>", "<credential>"), or the other cluster is asked anything
  writes    a stub receives a write (POST, PUT, PATCH, DELETE)
  leak      a canary from the kubeconfig (the admin user's token, the second context's name) is in the response
  modifies  the kubeconfig file changed
"""
import json
import os
import pathlib
import re
import shutil
import tempfile

import pytest

from conftest import REPO, SETPRIV
from k8s_stub import K8sStub, write_kubeconfig
from mcpdriver import Driver, is_blocked, result_text

CORPUS = REPO / "tests" / "corpus" / "kubectl" / "payloads.jsonl"
PAYLOADS = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
PROFILE = str(REPO / "profiles" / "kubectl.yaml")
ALLOWED = {"dev", "staging"}
DAMAGE_KINDS = {"reach", "writes", "leak", "modifies"}
SERVERS = ["shell", "kube"]


def test_corpus_is_big_enough_and_well_formed():
    assert len(PAYLOADS) >= 60
    assert len({p["id"] for p in PAYLOADS}) == len(PAYLOADS)
    for p in PAYLOADS:
        assert p["server"] in SERVERS, p
        assert p["damage"] in DAMAGE_KINDS, p
        assert p["attack"], p
        if p["server"] == "shell":
            assert p["tool"] == "shell_execute" and p["arguments"]["command"][0] == "kubectl", p


class Clusters:
    """The two stub clusters, the kubeconfigs, and the canaries."""

    def __init__(self):
        self.main = K8sStub(namespaces=["dev", "staging", "prod", "kube-system", "default"]).start()
        self.other = K8sStub(namespaces=["dev", "staging", "prod"]).start()
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="contain-kube-"))
        os.chmod(self.dir, 0o755)
        (self.dir / "home").mkdir()
        os.chmod(self.dir / "home", 0o777)
        hexid = os.urandom(6).hex()
        self.token = f"CANARY-TOKEN-{hexid}"
        self.other_context = f"other-{hexid}"
        self.kubeconfig = str(self.dir / "config")
        self.other_kubeconfig = str(self.dir / "other-config")
        write_kubeconfig(self.other_kubeconfig, self.other.url, namespace="prod", admin_token="x")
        os.chmod(self.other_kubeconfig, 0o644)
        self.restore()

    def restore(self):
        write_kubeconfig(self.kubeconfig, self.main.url, namespace="dev", other_url=self.other.url,
                         other_context=self.other_context, admin_token=self.token)
        os.chmod(self.kubeconfig, 0o644)
        self.kubeconfig_text = pathlib.Path(self.kubeconfig).read_text()

    def reset(self):
        self.main.reset()
        self.other.reset()
        self.restore()

    def stop(self):
        self.main.stop()
        self.other.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def expand(self, value):
        if isinstance(value, str):
            return (value.replace("${OTHER_URL}", self.other.url).replace("${OTHER_KUBECONFIG}", self.other_kubeconfig)
                    .replace("${KUBECONFIG}", self.kubeconfig)
                    .replace("${OTHER_CONTEXT}", self.other_context))
        if isinstance(value, dict):
            return {k: self.expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        return value

    def forbidden(self):
        """Namespaces and scopes outside the allowlist that the stubs were asked about."""
        seen = {ns for ns in self.main.touched() if ns not in ALLOWED}
        if self.other.log()["requests"]:
            seen.add("other-cluster")
        return seen

    def writes(self):
        return [r for s in (self.main, self.other) for r in s.log()["requests"] if r[0] != "GET"]

    def damage(self, payload, text):
        """What the payload achieved, or None."""
        kind = payload["damage"]
        if kind == "reach":
            f = self.forbidden()
            return f"stub asked about {sorted(f)}" if f else None
        if kind == "writes":
            w = self.writes()
            return f"stub received writes {w}" if w else None
        if kind == "leak":
            for canary in (self.token, self.other_context):
                if canary in text:
                    return f"response holds {canary}"
            return None
        if kind == "modifies":
            return "kubeconfig changed" if pathlib.Path(self.kubeconfig).read_text() != self.kubeconfig_text else None
        raise AssertionError(kind)


@pytest.fixture(scope="module")
def clusters():
    c = Clusters()
    yield c
    c.stop()


def server_argv(name, venv):
    return [venv("shell", "mcp-shell-server")] if name == "shell" else [venv("kube", "kubectl-mcp")]


def bare_env(clusters):
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(clusters.dir / "home"),
            "KUBECONFIG": clusters.kubeconfig, "ALLOW_COMMANDS": "kubectl",
            "MCP_SHELL_CHILD_ENV_ALLOWLIST": "KUBECONFIG,HOME"}


def contained_env(clusters):
    env = bare_env(clusters)
    env["KUBE_API_SERVER"] = f"127.0.0.1:{clusters.main.port}"
    env["HOME"] = str(clusters.dir / "home")
    return env


def contained_argv(contain, name, venv, audit, prefix=()):
    return [*prefix, contain, "run", "--profile", PROFILE, "--audit", str(audit), "--", *server_argv(name, venv)]


@pytest.fixture
def outdir():
    """A directory the unprivileged uid can write its audit log into (pytest's own tmp root is root-only)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="contain-kube-audit-"))
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def payloads_for(server):
    return [p for p in PAYLOADS if p["server"] == server]


def call(driver, clusters, payload):
    clusters.reset()
    resp = driver.call(payload["tool"], clusters.expand(payload["arguments"]), timeout=90)
    return resp, result_text(resp)


@pytest.mark.parametrize("server", SERVERS)
def test_every_payload_does_damage_without_contain(server, clusters, venv):
    """Proof that the corpus is real: run bare, each payload reaches what it aims at."""
    d = Driver(server_argv(server, venv), env=bare_env(clusters), cwd=str(clusters.dir))
    harmless = []
    try:
        d.initialize()
        for p in payloads_for(server):
            resp, text = call(d, clusters, p)
            if clusters.damage(p, text) is None:
                harmless.append((p["id"], text[:200]))
    finally:
        d.close()
        clusters.reset()
    assert not harmless, f"payloads that did no damage bare: {harmless}"


@pytest.mark.parametrize("mode", ["root", "unprivileged"])
@pytest.mark.parametrize("server", SERVERS)
def test_every_payload_is_blocked_by_contain(server, mode, clusters, venv, contain, unpriv_contain, outdir):
    """Under the shipped profile: every payload is answered "Blocked by contain" and does no damage; over the
    whole session the stubs hear of no namespace but dev and staging. As root and as an unprivileged user."""
    audit = outdir / "audit.jsonl"
    binary, prefix = (unpriv_contain, SETPRIV) if mode == "unprivileged" else (contain, ())
    d = Driver(contained_argv(binary, server, venv, audit, prefix), env=contained_env(clusters), cwd=str(clusters.dir))
    failures = []
    session_forbidden = set()
    try:
        d.initialize()
        for p in payloads_for(server):
            resp, text = call(d, clusters, p)
            dmg = clusters.damage(p, text)
            f = clusters.forbidden()
            session_forbidden |= f
            if not is_blocked(resp) or dmg or f or clusters.writes():
                failures.append((p["id"], is_blocked(resp), dmg, sorted(f), text[:300]))
    finally:
        rc, err = d.close()
        clusters.reset()
    assert not failures, f"payloads not blocked or doing damage under contain: {failures}\nstderr: {err[-2000:]}"
    assert not session_forbidden
    # Every refusal is reported: in the audit stream (which may aggregate repeats) and in the exit summary.
    events = [json.loads(line) for line in audit.read_text().splitlines() if line.strip()]
    assert any(e.get("wall") == "transport" and e.get("verdict") == "blocked" and e.get("rule") == "k8s.namespaces"
               for e in events)
    m = re.search(r"summary: (\d+) blocked", err)
    assert m and int(m.group(1)) >= len(payloads_for(server)), err[-2000:]


ALLOWED_CALLS = {
    "shell": [
        ("shell_execute", {"command": ["kubectl", "get", "pods", "-n", "dev", "-o", "json"]}, "dev-web", {"dev"}),
        ("shell_execute", {"command": ["kubectl", "get", "pods"]}, "dev-db", {"dev"}),
        ("shell_execute", {"command": ["kubectl", "logs", "staging-web", "--namespace=staging"]},
         "log line from staging/staging-web", {"staging"}),
        ("shell_execute", {"command": ["kubectl", "get", "events", "-nstaging"]}, "staging-web.1", {"staging"}),
    ],
    "kube": [
        ("kubectl_get", {"resource_type": "pods", "namespace": "staging"}, "staging-web", {"staging"}),
        ("kubectl_get", {"resource_type": "pods"}, "dev-web", {"dev"}),
        ("kubectl_logs", {"pod_name": "dev-web", "namespace": "dev"}, "log line from dev/dev-web", {"dev"}),
        ("kubectl_generic", {"command": "get pods -n staging -o json"}, "staging-db", {"staging"}),
        # The kubernetes Python client inside the server (not a kubectl subprocess), from a worker thread.
        ("detect_pending_pods", {"namespace": "staging"}, "staging-web", {"staging"}),
        ("diagnose_pod_crash", {"pod_name": "dev-web", "namespace": "dev"}, "dev-web", {"dev"}),
    ],
}


@pytest.mark.parametrize("server", SERVERS)
def test_allowed_calls_return_the_stubs_data(server, clusters, venv, contain, tmp_path):
    """dev and staging work through both walls: the brokered connection reaches the API server and the answer
    comes back."""
    d = Driver(contained_argv(contain, server, venv, tmp_path / "audit.jsonl"), env=contained_env(clusters),
               cwd=str(clusters.dir))
    problems = []
    try:
        d.initialize()
        for tool, args, expect, namespaces in ALLOWED_CALLS[server]:
            clusters.reset()
            resp = d.call(tool, args, timeout=90)
            text = result_text(resp)
            touched = clusters.main.touched()
            if is_blocked(resp) or expect not in text or touched != namespaces or clusters.forbidden():
                problems.append((tool, args, is_blocked(resp), sorted(touched), text[:300]))
    finally:
        rc, err = d.close()
        clusters.reset()
    assert not problems, f"allowed calls that failed: {problems}\nstderr: {err[-2000:]}"


ENVIRONMENT_PAYLOADS = ["ctx-space", "ctx-equals", "cluster", "kubeconfig", "kubeconfig-equals", "server", "server-short",
                        "server-attached", "server-equals", "config-use-context", "config-set-ns",
                        "py-get-context", "py-generic-context"]


@pytest.mark.parametrize("server", SERVERS)
def test_environment_wall_alone_keeps_other_clusters_out(server, clusters, venv, contain, tmp_path):
    """With the transport wall in record-only mode (--observe), the payloads that aim at another cluster or
    kubeconfig go through to the server, and the environment wall still stops them: the other cluster's address
    is not in network.allow, another kubeconfig file is not in the view, and the kubeconfig is read-only."""
    audit = tmp_path / "audit.jsonl"
    argv = [contain, "run", "--observe", "--profile", PROFILE, "--audit", str(audit), "--", *server_argv(server, venv)]
    d = Driver(argv, env=contained_env(clusters), cwd=str(clusters.dir))
    failures = []
    try:
        d.initialize()
        for p in [p for p in payloads_for(server) if p["id"] in ENVIRONMENT_PAYLOADS]:
            resp, text = call(d, clusters, p)
            if is_blocked(resp):
                failures.append((p["id"], "blocked by the transport wall in observe mode"))
            dmg = clusters.damage(p, text)
            if dmg or clusters.other.log()["requests"]:
                failures.append((p["id"], dmg, clusters.other.log()["requests"], text[:300]))
    finally:
        rc, err = d.close()
        clusters.reset()
    assert not failures, failures
    # The other cluster listens on the host's loopback; inside the sandbox 127.0.0.1 is the sandbox's own, empty
    # loopback (the broker only carries network.allow destinations out), so its connects are refused there.
    events = [json.loads(line) for line in audit.read_text().splitlines() if line.strip()]
    assert any(e.get("wall") == "transport" and e.get("verdict") == "would_block" for e in events)
