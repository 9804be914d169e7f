"""A stub Kubernetes API server for the kubectl tests: plain HTTP on 127.0.0.1 (random port), enough of the
API and discovery for a real `kubectl get pods -n dev -o json` and the PyPI kubectl-mcp-server (kubernetes
Python client) to work, and a record of every namespace it is asked about.

    stub = K8sStub(namespaces=["dev", "staging", "prod", "kube-system"]); stub.start()
    write_kubeconfig(path, stub.url, namespace="dev")
    ...
    stub.touched()   # {"dev", "*" (all namespaces), "<cluster>" (cluster-scoped), "<impersonate>" (Impersonate-*
                     #  headers), "<credential>" (an Authorization header: the kubeconfig has none), ...}

Run it alone: `python3 tests/integration/k8s_stub.py` prints the URL and serves until killed.
GET /__log returns {"namespaces": [...], "requests": [[method, path], ...]}; POST /__reset clears it.
"""
import json
import posixpath
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

ALL = "*"
CLUSTER = "<cluster>"
IMPERSONATE = "<impersonate>"
CREDENTIAL = "<credential>"

# The core resources the stub knows: name -> (kind, namespaced, verbs).
CORE = {
    "pods": ("Pod", True), "events": ("Event", True), "configmaps": ("ConfigMap", True),
    "secrets": ("Secret", True), "services": ("Service", True), "serviceaccounts": ("ServiceAccount", True),
    "namespaces": ("Namespace", False), "nodes": ("Node", False), "persistentvolumes": ("PersistentVolume", False),
    "componentstatuses": ("ComponentStatus", False),
}
SHORT = {"pods": ["po"], "events": ["ev"], "configmaps": ["cm"], "services": ["svc"], "serviceaccounts": ["sa"],
         "namespaces": ["ns"], "nodes": ["no"], "persistentvolumes": ["pv"], "componentstatuses": ["cs"]}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
GROUPS = {  # group -> version -> {resource: (kind, namespaced)}
    "apps": {"v1": {"deployments": ("Deployment", True)}},
    "rbac.authorization.k8s.io": {"v1": {"roles": ("Role", True), "clusterroles": ("ClusterRole", False),
                                          "clusterrolebindings": ("ClusterRoleBinding", False)}},
    "apiextensions.k8s.io": {"v1": {"customresourcedefinitions": ("CustomResourceDefinition", False)}},
}
SHORT["customresourcedefinitions"] = ["crd", "crds"]


def _resource_list(group_version, resources):
    out = []
    for name, (kind, namespaced) in resources.items():
        out.append({"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
                    "verbs": VERBS, "shortNames": SHORT.get(name, []),
                    "categories": ["all"] if name in ("pods", "services", "deployments") else []})
        if name == "pods":
            out.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": out}


class K8sStub:
    def __init__(self, namespaces=("dev", "staging", "prod", "kube-system", "default")):
        self.namespaces = list(namespaces)
        self.lock = threading.Lock()
        self.seen = []          # namespaces in request order ("*" all, "<cluster>" cluster-scoped)
        self.requests = []      # [method, path]
        self.httpd = None
        self.thread = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self):
        stub = self

        class Handler(_Handler):
            pass
        Handler.stub = stub
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def reset(self):
        with self.lock:
            self.seen.clear()
            self.requests.clear()

    def touched(self):
        with self.lock:
            return set(self.seen)

    def log(self):
        with self.lock:
            return {"namespaces": list(self.seen), "requests": [list(r) for r in self.requests]}

    def record(self, method, path, scope):
        with self.lock:
            self.requests.append((method, path))
            if scope is not None:
                self.seen.append(scope)

    # -- objects ---------------------------------------------------------------------------------------------
    def pod(self, ns, name):
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}",
                             "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "busybox"}], "nodeName": "node-1"},
                "status": {"phase": "Running", "podIP": "10.0.0.1",
                           "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                                  "image": "busybox", "imageID": "", "state": {"running": {}}}]}}

    def pods(self, ns):
        return [self.pod(ns, f"{ns}-web"), self.pod(ns, f"{ns}-db")]

    def event(self, ns):
        return {"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": f"{ns}-web.1", "namespace": ns, "creationTimestamp": "2026-01-01T00:00:00Z"},
                "involvedObject": {"kind": "Pod", "name": f"{ns}-web", "namespace": ns},
                "reason": "Started", "message": f"Started container in {ns}", "type": "Normal", "count": 1,
                "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"}

    def namespace(self, ns):
        return {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "creationTimestamp": "2026-01-01T00:00:00Z"}, "status": {"phase": "Active"}}

    def items(self, resource, ns):
        if resource == "pods":
            return self.pods(ns)
        if resource == "events":
            return [self.event(ns)]
        if resource == "secrets":
            return [{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": f"{ns}-db", "namespace": ns, "creationTimestamp": "2026-01-01T00:00:00Z"},
                     "data": {"password": "Q0FOQVJZ"}}]
        return []


NS_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)(?:/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?)?$")
GROUP_NS_PATH = re.compile(r"^/apis/([^/]+)/([^/]+)/namespaces/([^/]+)/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?$")


class _Handler(BaseHTTPRequestHandler):
    stub: K8sStub = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code, reason, message):
        self._send(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": message, "reason": reason, "code": code})

    def _list(self, kind, items):
        return {"kind": f"{kind}List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _handle(self, method):
        stub = self.stub
        # Read the path the way an API server in front of a proxy may: percent-decoded and with dot segments
        # resolved, so a payload that hides a namespace in `%2F..` or `/../` is recorded under the namespace
        # it really reaches.
        path = unquote(urlsplit(self.path).path)
        if path != "/":
            path = posixpath.normpath(path).replace("//", "/")
        body = self._body() if method in ("POST", "PUT", "PATCH") else None
        if path == "/__log":
            return self._send(200, stub.log())
        if path == "/__reset":
            stub.reset()
            return self._send(200, {"ok": True})
        scope = self._scope(path)
        stub.record(method, self.path, scope)
        # The stub's kubeconfig has no credentials and no impersonation: any of these came from a payload.
        if any(h.lower().startswith("impersonate-") for h in self.headers.keys()):
            stub.record(method, self.path, IMPERSONATE)
        if self.headers.get("Authorization"):
            stub.record(method, self.path, CREDENTIAL)

        if path == "/version":
            return self._send(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-stub", "platform": "linux/amd64"})
        if path == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs":
                                    [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{stub.port}"}]})
        if path == "/apis":
            groups = [{"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                       "preferredVersion": {"groupVersion": f"{g}/{next(iter(vs))}", "version": next(iter(vs))}}
                      for g, vs in GROUPS.items()]
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if path == "/api/v1":
            return self._send(200, _resource_list("v1", CORE))
        m = re.match(r"^/apis/([^/]+)/([^/]+)$", path)
        if m and m.group(1) in GROUPS and m.group(2) in GROUPS[m.group(1)]:
            return self._send(200, _resource_list(f"{m.group(1)}/{m.group(2)}", GROUPS[m.group(1)][m.group(2)]))

        if method != "GET":
            # Writes: accept and echo, so a payload that gets through visibly "works".
            if method == "DELETE":
                return self._send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})
            return self._send(201 if method == "POST" else 200, body or {})

        if path == "/api/v1/namespaces":
            return self._send(200, self._list("Namespace", [stub.namespace(n) for n in stub.namespaces]))
        if path == "/api/v1/nodes":
            return self._send(200, self._list("Node", [{"apiVersion": "v1", "kind": "Node", "metadata":
                                                        {"name": "node-1", "creationTimestamp": "2026-01-01T00:00:00Z"}}]))
        m = re.match(r"^/api/v1/([^/]+)$", path)
        if m and m.group(1) in CORE and CORE[m.group(1)][1]:
            resource = m.group(1)
            items = [i for n in stub.namespaces for i in stub.items(resource, n)]
            return self._send(200, self._list(CORE[resource][0], items))
        m = NS_PATH.match(path)
        if m:
            ns, resource, name, sub = m.groups()
            if ns not in stub.namespaces:
                return self._status(404, "NotFound", f'namespaces "{ns}" not found')
            if resource is None:
                return self._send(200, stub.namespace(ns))
            if resource not in CORE:
                return self._status(404, "NotFound", f"the server could not find the requested resource")
            kind = CORE[resource][0]
            objs = stub.items(resource, ns)
            if name is None:
                return self._send(200, self._list(kind, objs))
            for o in objs:
                if o["metadata"]["name"] == name:
                    if sub == "log":
                        return self._send(200, f"log line from {ns}/{name}\n".encode(), "text/plain")
                    return self._send(200, o)
            return self._status(404, "NotFound", f'{resource} "{name}" not found')
        m = GROUP_NS_PATH.match(path)
        if m:
            return self._send(200, self._list("Deployment", []))
        return self._status(404, "NotFound", "the server could not find the requested resource")

    @staticmethod
    def _scope(path):
        """The namespace a request is about: a name, "*" for all namespaces, "<cluster>" for cluster-scoped
        data, None for discovery and version."""
        if path in ("/version", "/api", "/apis", "/api/v1", "/openapi/v2") or re.match(r"^/apis/[^/]+(/[^/]+)?$", path):
            return None
        m = re.match(r"^/api/v1/namespaces/([^/]+)/", path) or re.match(r"^/apis/[^/]+/[^/]+/namespaces/([^/]+)/", path)
        if m:
            return m.group(1)
        m = re.match(r"^/api/v1/([^/]+)", path) or re.match(r"^/apis/[^/]+/[^/]+/([^/]+)", path)
        if m and m.group(1) in ("pods", "events", "configmaps", "secrets", "services", "serviceaccounts",
                                "deployments", "roles"):
            return ALL
        return CLUSTER


def write_kubeconfig(path, server_url, namespace="dev", context="stub", other_url=None, other_context="other",
                     admin_token="not-a-real-token"):
    """A kubeconfig whose current context (plain HTTP, no credentials) is `context` in `namespace`, plus what an
    attacker would like to switch to: a context `other_context` on cluster `other` (`other_url`, e.g. a second
    stub standing for another cluster; default: the same server) in namespace prod, and a user `admin` with a
    token (a canary: it must never appear in a response)."""
    text = f"""apiVersion: v1
kind: Config
clusters:
- name: stub
  cluster:
    server: {server_url}
- name: other
  cluster:
    server: {other_url or server_url}
users:
- name: stub-user
  user: {{}}
- name: admin
  user:
    token: {admin_token}
contexts:
- name: {context}
  context: {{cluster: stub, user: stub-user, namespace: {namespace}}}
- name: {other_context}
  context: {{cluster: other, user: stub-user, namespace: prod}}
current-context: {context}
"""
    with open(path, "w") as f:
        f.write(text)
    return path


if __name__ == "__main__":
    s = K8sStub().start()
    print(s.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        s.stop()
        sys.exit(0)
