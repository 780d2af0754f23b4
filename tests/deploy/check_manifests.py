#!/usr/bin/env python3
"""tests/deploy/check_manifests.py ROOT — the deployment files agree with the code and each other.

Renders deploy/k8s/overlays/production the way kustomize does (for the features used there:
resources, namespace, labels, images, secretGenerator, generatorOptions; anything else is
refused, so the renderer never silently differs from kustomize) and, where `kubectl` is on the
PATH, compares the result with `kubectl kustomize` object by object. Then checks, with the
code as the reference (services/*/main.cc: each server's listen port and its environment
variable, its schema, the flags naming the services it calls; README.md: the ports it
documents):

  * images: every Deployment / CronJob image is one that deploy/docker/Dockerfile builds (a
    final stage tinhgon/<stage>, listed in deploy/docker/build-images), tagged by the overlay;
    the stage runs the right binary, EXPOSEs and health-checks the server's port;
  * ports: container port = the server's port in main.cc = the README's = the Service's
    targetPort and port = --listen; probes are gRPC probes on that port;
  * addresses: every host:port in args or env names a Service that exists with that port and
    selects the pods of the server the flag means; every client flag of main.cc is given;
    database hosts are the PostgreSQL Cluster's -rw Service, users its managed roles;
  * secrets: every secretKeyRef / secretRef / secret volume names a generated Secret (with that
    key) or one the PostgreSQL operator makes; the Cluster's role Secrets are generated;
  * network policies: they select pods that exist and allow exactly the calls the code makes
    (derived from main.cc and the manifests: gateway -> the four services; staffing, tasks,
    reporting -> registry; reporting -> staffing, tasks; every server -> PostgreSQL; the report
    job -> gateway; the migrations' Job -> PostgreSQL), nothing from outside but the gateway's
    port;
  * the report CronJob calls the gateway's Service; the migrations' Job runs every server with
    --migrate_only (a flag of common/backend_main.cc) on its schema and role; replicas >= 2 (or
    a stated reason); security contexts; resources;
  * deploy/k8s/pending/ (files waiting for code), if any, is in no kustomization, and consistent;
  * systemd: each unit runs the right binary with the flags of main.cc, from an env file whose
    addresses use the same ports as README and Kubernetes.

Then it checks itself: it copies the files it reads into a temporary folder, makes one
deliberate inconsistency at a time (a Service's port, a policy rule, a Secret's name, an env
file's port, the Dockerfile's EXPOSE, ...) and expects each to be caught. Exit status 0 when
everything holds, 1 otherwise; the last line is 'N passed, N failed'.
"""

import base64
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

WORKLOAD_KINDS = ("Deployment", "CronJob", "Job", "StatefulSet", "DaemonSet")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "PersistentVolume", "StorageClass", "PriorityClass"}
NAME_LABEL = "app.kubernetes.io/name"
PG_PORTS = (5432, 8000)  # what CloudNativePG's instance pods serve: PostgreSQL, the manager


class Errors:
    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)

    def check(self, cond, msg):
        if not cond:
            self.add(msg)
        return cond


# --------------------------------------------------------------------------------------------
# The code: servers, their flags, ports, environment variables, and the README.

def parse_main_cc(path):
    """Flags of a server's main.cc: {name: {"env": ENV or None, "default": str or None}}."""
    text = open(path, encoding="utf-8").read()
    flags = {}
    for m in re.finditer(r"ABSL_FLAG\(\s*[\w:]+\s*,\s*(\w+)\s*,(.*?)\);", text, re.S):
        name, body = m.group(1), m.group(2)
        env = re.search(r'EnvOr(?:Int)?\(\s*"(\w+)"\s*,\s*(?:"([^"]*)"|(-?\d+))', body)
        if env:
            flags[name] = {"env": env.group(1),
                           "default": env.group(2) if env.group(2) is not None else env.group(3)}
        else:
            lit = re.match(r'\s*(?:"([^"]*)"|([\w.]+))', body)
            flags[name] = {"env": None, "default": (lit.group(1) or lit.group(2)) if lit else None}
    return flags


def load_servers(root, errs):
    """{binary: {...}} for every services/<dir>/ with an add_executable(<x>_server main.cc)."""
    servers = {}
    # Flags every server has from common/backend_main.cc (SetUpBackend; the gateway's main reads
    # them too): --migrate_only.
    common_main = os.path.join(root, "common", "backend_main.cc")
    common_flags = parse_main_cc(common_main) if os.path.isfile(common_main) else {}
    sdir = os.path.join(root, "services")
    for d in sorted(os.listdir(sdir)):
        cm = os.path.join(sdir, d, "CMakeLists.txt")
        main = os.path.join(sdir, d, "main.cc")
        if not (os.path.isfile(cm) and os.path.isfile(main)):
            continue
        m = re.search(r"add_executable\((\w+_server)\s+main\.cc\)", open(cm).read())
        if not m:
            continue
        binary = m.group(1)
        flags = parse_main_cc(main)
        listen = flags.get("listen")
        if not errs.check(listen and listen["default"] and ":" in listen["default"],
                          f"{main}: no --listen flag with a host:port default"):
            continue
        port = int(listen["default"].rsplit(":", 1)[1])
        calls = sorted(f for f in ("org_registry", "staffing", "tasks", "reporting") if f in flags)
        # A server whose code makes temporary files (getenv("TMPDIR") / mkstemp) needs a
        # writable /tmp under a read-only root file system.
        writes_tmp = False
        for dirpath, _, files in os.walk(os.path.join(sdir, d)):
            for f in files:
                if f.endswith(".cc") and not f.endswith(("_test.cc", "_pgtest.cc")):
                    src = open(os.path.join(dirpath, f), encoding="utf-8", errors="replace").read()
                    if 'getenv("TMPDIR")' in src or "mkstemp(" in src:
                        writes_tmp = True
        servers[binary] = {
            "dir": d, "main": main, "flags": flags, "port": port, "listen_env": listen["env"],
            "common_flags": common_flags,
            "db_env": flags.get("db", {}).get("env"),
            # A server that reads a streaming replica too (--read_db): reporting's snapshots.
            "read_db_env": flags.get("read_db", {}).get("env"),
            "schema": flags.get("schema", {}).get("default"),
            "calls": calls,
            "writes_tmp": writes_tmp,
            "metrics_port": (int(flags["metrics_listen"]["default"].rsplit(":", 1)[1])
                             if "metrics_listen" in flags else None),
        }
    return servers


def callee_binary(flag):
    return flag + "_server"  # --org_registry names org_registry_server, --tasks tasks_server


def readme_ports(root):
    text = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    ports = {b: int(p) for b, p in re.findall(r"starts `(\w+_server)` on 127\.0\.0\.1:(\d+)", text)}
    metrics = re.search(r"metrics on 127\.0\.0\.1:(\d+)", text)
    return ports, int(metrics.group(1)) if metrics else None


def check_code_and_readme(servers, readme, readme_metrics, errs):
    errs.check(len(servers) >= 5, f"found only {sorted(servers)} in services/")
    for b, s in servers.items():
        errs.check(b in readme, f"README.md does not say on which port `{b}` starts")
        if b in readme:
            errs.check(readme[b] == s["port"],
                       f"README.md starts {b} on port {readme[b]}, its main.cc listens on {s['port']}")
        for f in s["calls"]:
            errs.check(callee_binary(f) in servers, f"{s['main']}: --{f} names no server")
        if s["metrics_port"] is not None:
            errs.check(readme_metrics == s["metrics_port"],
                       f"README.md's metrics port {readme_metrics} is not {b}'s {s['metrics_port']}")


# --------------------------------------------------------------------------------------------
# deploy/docker: the images.

def parse_dockerfile(root, errs):
    path = os.path.join(root, "deploy/docker/Dockerfile")
    lines = []
    cur = ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not cur and line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        if cur.strip():
            lines.append(cur.strip())
        cur = ""
    stages = {}
    stage = None
    for line in lines:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            stage = {"from": m.group(1), "name": m.group(2), "expose": [], "env": {},
                     "entrypoint": None, "health": None, "copy_from": [], "run": []}
            if stage["name"]:
                stages[stage["name"]] = stage
        elif stage is None:
            continue
        elif word == "EXPOSE":
            stage["expose"] += [int(p.split("/")[0]) for p in rest.split()]
        elif word == "ENV":
            for k, v in re.findall(r"(\w+)=(\S+)", rest):
                stage["env"][k] = v
        elif word == "ENTRYPOINT":
            stage["entrypoint"] = yaml.safe_load(rest)
        elif word == "HEALTHCHECK":
            stage["health"] = rest
        elif word == "COPY":
            m = re.search(r"--from=(\S+)", rest)
            if m:
                stage["copy_from"].append(m.group(1))
        elif word == "RUN":
            stage["run"].append(rest)
    images = {}
    for name, st in stages.items():
        if not st["entrypoint"]:
            continue
        binary = os.path.basename(st["entrypoint"][0])
        built = []
        for src in st["copy_from"]:
            for run in stages.get(src, {}).get("run", []):
                m = re.match(r"install_bin\s+(.*)", run)
                if m:
                    built += m.group(1).split()
        errs.check(binary in built,
                   f"Dockerfile stage {name} runs {binary}, which its build stage does not build")
        images["tinhgon/" + name] = {"stage": name, "binary": binary, "expose": st["expose"],
                                     "env": st["env"], "health": st["health"], "built": built}
    script = open(os.path.join(root, "deploy/docker/build-images"), encoding="utf-8").read()
    m = re.search(r'IMAGES=\$\{TINHGON_IMAGES:-([^}]*)\}', script)
    listed = set(m.group(1).split()) if m else set()
    errs.check(listed == {i["stage"] for i in images.values()},
               f"deploy/docker/build-images builds {sorted(listed)}, the Dockerfile's images are "
               f"{sorted(i['stage'] for i in images.values())}")
    return images


def check_images_against_code(images, servers, errs):
    for ref, img in images.items():
        s = servers.get(img["binary"])
        if s is None:
            continue
        port = s["port"]
        errs.check(port in img["expose"],
                   f"Dockerfile stage {img['stage']} EXPOSEs {img['expose']}, {img['binary']} listens on {port}")
        env = img["env"].get(s["listen_env"])
        errs.check(env == f"0.0.0.0:{port}",
                   f"Dockerfile stage {img['stage']}: {s['listen_env']}={env}, want 0.0.0.0:{port}")
        errs.check(img["health"] is not None and "seed_loader" in img["health"]
                   and f"--target=127.0.0.1:{port}" in img["health"] and "seed_loader" in img["built"],
                   f"Dockerfile stage {img['stage']}: HEALTHCHECK is not seed_loader --health on port {port}")
        if s["metrics_port"]:
            errs.check(s["metrics_port"] in img["expose"],
                       f"Dockerfile stage {img['stage']} does not EXPOSE the metrics port {s['metrics_port']}")


# --------------------------------------------------------------------------------------------
# The kustomize renderer (the features used here and no others).

SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "namespace", "labels", "images",
                  "secretGenerator", "generatorOptions"}


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def b64(data):
    return base64.b64encode(data).decode("ascii")


def pod_template_paths(obj):
    """The pod templates of a workload: lists of keys from the object's root."""
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return [["spec", "template"]]
    if kind == "CronJob":
        return [["spec", "jobTemplate", "spec", "template"]]
    return []


def dig(obj, path, create=False):
    for k in path:
        if k not in obj or obj[k] is None:
            if not create:
                return None
            obj[k] = {}
        obj = obj[k]
    return obj


def render(kdir, errs, read_files=True):
    kpath = os.path.join(kdir, "kustomization.yaml")
    k = yaml.safe_load(open(kpath, encoding="utf-8"))
    unknown = set(k) - SUPPORTED_KEYS
    if unknown:
        errs.add(f"{kpath}: {sorted(unknown)} not supported by the checker's renderer "
                 f"(keep to {sorted(SUPPORTED_KEYS)} or extend tests/deploy/check_manifests.py)")
    out = []
    for r in k.get("resources", []):
        p = os.path.normpath(os.path.join(kdir, r))
        if os.path.isdir(p):
            out += render(p, errs, read_files)
        else:
            out += load_docs(p)
    gen_opts = k.get("generatorOptions", {})
    for g in k.get("secretGenerator", []):
        if not gen_opts.get("disableNameSuffixHash") and not g.get("options", {}).get("disableNameSuffixHash"):
            errs.add(f"{kpath}: Secret {g.get('name')} would get a hash suffix; the checker "
                     f"(and the PostgreSQL Cluster's passwordSecret) need disableNameSuffixHash: true")
        if g.get("behavior", "create") != "create":
            errs.add(f"{kpath}: secretGenerator behavior {g['behavior']} not supported")
        data = {}
        for lit in g.get("literals", []):
            key, _, val = lit.partition("=")
            data[key] = b64(val.encode())
        for f in g.get("files", []):
            key, sep, fpath = f.partition("=")
            if not sep:
                key, fpath = os.path.basename(f), f
            full = os.path.join(kdir, fpath)
            content = b""
            if read_files and os.path.isfile(full):
                content = open(full, "rb").read()
            data[key] = b64(content)
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": g["name"]},
                  "type": g.get("type", "Opaque"), "data": data}
        labels = dict(gen_opts.get("labels", {}))
        labels.update(g.get("options", {}).get("labels", {}))
        if labels:
            secret["metadata"]["labels"] = labels
        annotations = dict(gen_opts.get("annotations", {}))
        annotations.update(g.get("options", {}).get("annotations", {}))
        if annotations:
            secret["metadata"]["annotations"] = annotations
        secret["_generated_from"] = kpath
        out.append(secret)
    ns = k.get("namespace")
    if ns:
        for o in out:
            if o.get("kind") not in CLUSTER_SCOPED:
                o.setdefault("metadata", {})["namespace"] = ns
    for entry in k.get("labels", []):
        if entry.get("includeSelectors"):
            errs.add(f"{kpath}: labels with includeSelectors: true not supported by the checker")
        pairs = entry.get("pairs", {})
        for o in out:
            dig(o, ["metadata", "labels"], create=True).update(pairs)
            if entry.get("includeTemplates"):
                if o.get("kind") == "CronJob":
                    dig(o, ["spec", "jobTemplate", "metadata", "labels"], create=True).update(pairs)
                for path in pod_template_paths(o):
                    dig(o, path + ["metadata", "labels"], create=True).update(pairs)
    if "commonLabels" in k:
        errs.add(f"{kpath}: commonLabels not supported by the checker (use labels:)")
    for img in k.get("images", []):
        for o in out:
            for c in all_containers(o):
                name, tag, digest = split_image(c.get("image", ""))
                if name != img["name"]:
                    continue
                name = img.get("newName", name)
                if "digest" in img:
                    c["image"] = f"{name}@{img['digest']}"
                elif "newTag" in img:
                    c["image"] = f"{name}:{img['newTag']}"
                else:
                    c["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    return out


def split_image(ref):
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    return ref, tag, digest


def pod_specs(o):
    return [dig(o, p + ["spec"]) for p in pod_template_paths(o) if dig(o, p + ["spec"])]


def all_containers(o):
    out = []
    for spec in pod_specs(o):
        out += spec.get("initContainers", []) or []
        out += spec.get("containers", []) or []
    return out


def strip_private(objs):
    out = []
    for o in objs:
        o = copy.deepcopy(o)
        o.pop("_generated_from", None)
        out.append(o)
    return out


def key_of(o):
    md = o.get("metadata", {})
    return (o.get("kind"), md.get("namespace"), md.get("name"))


def compare_with_kubectl(root, objs_fn, errs, notes):
    """Renders a copy with stand-in secret files by both renderers and compares them."""
    kubectl = shutil.which("kubectl")
    if not kubectl:
        notes.append("kubectl not found: the renderer was not compared with kubectl kustomize")
        return
    with tempfile.TemporaryDirectory() as tmp:
        k8s = os.path.join(tmp, "k8s")
        shutil.copytree(os.path.join(root, "deploy/k8s"), k8s)
        overlay = os.path.join(k8s, "overlays/production")
        kz = yaml.safe_load(open(os.path.join(overlay, "kustomization.yaml")))
        for g in kz.get("secretGenerator", []):
            for f in g.get("files", []):
                p = os.path.join(overlay, f.partition("=")[2] or f)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                if not os.path.exists(p):
                    with open(p, "w") as fh:
                        fh.write("stand-in-" + os.path.basename(p))
        try:
            res = subprocess.run([kubectl, "kustomize", overlay], capture_output=True, text=True,
                                 timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            notes.append(f"kubectl kustomize could not run ({e}): not compared")
            return
        if res.returncode != 0:
            errs.add(f"kubectl kustomize {overlay} failed: {res.stderr.strip()[:500]}")
            return
        theirs = {key_of(o): o for o in yaml.safe_load_all(res.stdout) if o}
        sub = Errors()
        ours = {key_of(o): o for o in strip_private(objs_fn(overlay, sub))}
        for k in sorted(set(theirs) | set(ours), key=str):
            if k not in ours:
                errs.add(f"kubectl kustomize makes {k}, the checker's renderer does not")
            elif k not in theirs:
                errs.add(f"the checker's renderer makes {k}, kubectl kustomize does not")
            elif ours[k] != theirs[k]:
                errs.add(f"{k} differs between the checker's renderer and kubectl kustomize:\n"
                         f"  ours:   {yaml.safe_dump(ours[k], sort_keys=True)[:800]}\n"
                         f"  theirs: {yaml.safe_dump(theirs[k], sort_keys=True)[:800]}")
        notes.append(f"renderer = kubectl kustomize on {len(theirs)} objects")


# --------------------------------------------------------------------------------------------
# Kubernetes checks.

def selector_matches(sel, labels):
    if sel is None:
        return False
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


class Pod:
    """A kind of pod: a workload's template, or a PostgreSQL Cluster's instances."""

    def __init__(self, name, namespace, labels, ports, obj=None, kind=None):
        self.name, self.namespace, self.labels, self.ports = name, namespace, labels, ports
        self.obj, self.kind = obj, kind


def container_ports(o):
    out = {}
    for c in all_containers(o):
        for p in c.get("ports", []) or []:
            out[p.get("name") or str(p["containerPort"])] = p["containerPort"]
    return out


def env_value(container, name):
    for e in container.get("env", []) or []:
        if e["name"] == name:
            return e
    return None


def expand(value, container):
    def sub(m):
        e = env_value(container, m.group(1))
        return e["value"] if e and "value" in e else m.group(0)
    return re.sub(r"\$\((\w+)\)", sub, value)


def conninfo(s):
    return dict(re.findall(r"(\w+)=(\S+)", s))


def check_k8s(objs, servers, images, errs):
    byk = {}
    for o in objs:
        byk.setdefault(o["kind"], []).append(o)
    namespaces = {o["metadata"]["name"]: o.get("metadata", {}).get("labels", {}) for o in byk.get("Namespace", [])}
    for o in objs:
        if o["kind"] not in CLUSTER_SCOPED:
            ns = o["metadata"].get("namespace")
            errs.check(ns in namespaces, f"{o['kind']}/{o['metadata']['name']} is in namespace {ns}, "
                                         f"which the manifests do not create")
    services = {o["metadata"]["name"]: o for o in byk.get("Service", [])}
    secrets = {o["metadata"]["name"]: o for o in byk.get("Secret", [])}
    clusters = {o["metadata"]["name"]: o for o in byk.get("Cluster", [])
                if o["apiVersion"].startswith("postgresql.cnpg.io/")}
    pvcs = {o["metadata"]["name"] for o in byk.get("PersistentVolumeClaim", [])}
    errs.check(len(clusters) == 1, f"want one CloudNativePG Cluster, found {sorted(clusters)}")
    # Secrets the operator makes for each Cluster: the CA (ca.crt), the app owner's.
    operator_secrets = {}
    pg_services = {}
    for cname, c in clusters.items():
        operator_secrets[f"{cname}-ca"] = {"ca.crt", "ca.key"}
        operator_secrets[f"{cname}-app"] = {"username", "password", "uri", "host", "port", "dbname"}
        for suffix in ("rw", "ro", "r"):
            pg_services[f"{cname}-{suffix}"] = cname

    pods = []
    for o in objs:
        if o["kind"] in WORKLOAD_KINDS:
            tpl = dig(o, pod_template_paths(o)[0])
            pods.append(Pod(o["metadata"]["name"], o["metadata"].get("namespace"),
                            tpl.get("metadata", {}).get("labels", {}) or {},
                            container_ports(o), o, o["kind"]))
    for cname, c in clusters.items():
        pods.append(Pod(cname, c["metadata"].get("namespace"), {"cnpg.io/cluster": cname},
                        {str(p): p for p in PG_PORTS}, c, "Cluster"))
    pod_by_name = {p.name: p for p in pods}

    def service_pods(svc):
        sel = svc["spec"].get("selector") or {}
        return [p for p in pods if p.kind != "Cluster" and sel
                and p.namespace == svc["metadata"].get("namespace")
                and all(p.labels.get(k) == v for k, v in sel.items())]

    # Services: each selects pods, and its targetPorts are their ports.
    for sname, svc in services.items():
        sp = service_pods(svc)
        if not errs.check(sp, f"Service {sname} selects no pod"):
            continue
        for port in svc["spec"]["ports"]:
            tp = port.get("targetPort", port["port"])
            for p in sp:
                ok = tp in p.ports.values() if isinstance(tp, int) else tp in p.ports
                errs.check(ok, f"Service {sname} port {port['port']} targets {tp}, "
                               f"which pods of {p.name} do not expose ({sorted(p.ports.values())})")

    def resolve(address, where):
        """host:port -> (Pod, port on the pod) or None (an error is recorded)."""
        host, _, port = address.rpartition(":")
        if not port.isdigit():
            errs.add(f"{where}: {address} is not host:port")
            return None
        port = int(port)
        if host in pg_services:
            errs.check(port == 5432, f"{where}: {address}: PostgreSQL's Services serve 5432")
            return pod_by_name[pg_services[host]], 5432
        svc = services.get(host)
        if not errs.check(svc is not None, f"{where}: {address} names no Service"):
            return None
        match = [p for p in svc["spec"]["ports"] if p["port"] == port]
        if not errs.check(match, f"{where}: Service {host} has no port {port} "
                                 f"({[p['port'] for p in svc['spec']['ports']]})"):
            return None
        sp = service_pods(svc)
        if not sp:
            return None
        tp = match[0].get("targetPort", port)
        if isinstance(tp, str):
            tp = sp[0].ports.get(tp)
        return sp[0], tp

    def image_of(container, where):
        name, tag, digest = split_image(container.get("image", ""))
        base = name.rsplit("/", 2)
        short = "/".join(base[-2:])  # a registry in front (newName) is allowed
        img = images.get(short)
        errs.check(img is not None, f"{where}: image {container.get('image')} is not one "
                                    f"deploy/docker/Dockerfile builds ({sorted(images)})")
        errs.check(bool(tag or digest) and tag != "latest",
                   f"{where}: image {container.get('image')} has no fixed tag (the overlay sets it)")
        return img

    def check_secret_refs(o, where):
        tpl_spec = pod_specs(o)[0]
        for c in all_containers(o):
            for e in c.get("env", []) or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    check_secret(ref["name"], ref["key"], f"{where} env {e['name']}")
            for ef in c.get("envFrom", []) or []:
                if "secretRef" in ef:
                    check_secret(ef["secretRef"]["name"], None, f"{where} envFrom")
        for v in tpl_spec.get("volumes", []) or []:
            if "secret" in v:
                keys = [i["key"] for i in v["secret"].get("items", [])] or [None]
                for key in keys:
                    check_secret(v["secret"]["secretName"], key, f"{where} volume {v['name']}")
            if "persistentVolumeClaim" in v:
                errs.check(v["persistentVolumeClaim"]["claimName"] in pvcs,
                           f"{where} volume {v['name']}: no PersistentVolumeClaim "
                           f"{v['persistentVolumeClaim']['claimName']}")

    def check_secret(name, key, where):
        if name in secrets:
            if key is not None:
                errs.check(key in (secrets[name].get("data") or {}),
                           f"{where}: Secret {name} has no key {key}")
            errs.check("_generated_from" in secrets[name],
                       f"{where}: Secret {name} is committed, not generated from the operator's files")
        elif name in operator_secrets:
            if key is not None:
                errs.check(key in operator_secrets[name], f"{where}: the operator's Secret {name} has no key {key}")
        else:
            errs.add(f"{where}: Secret {name} is neither generated nor made by the PostgreSQL operator")

    def check_security(o, where):
        spec = pod_specs(o)[0]
        psc = spec.get("securityContext") or {}
        for c in all_containers(o):
            sc = c.get("securityContext") or {}
            w = f"{where} container {c['name']}"
            errs.check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"{w}: runAsNonRoot not set")
            errs.check(sc.get("readOnlyRootFilesystem") is True, f"{w}: readOnlyRootFilesystem not set")
            errs.check(sc.get("allowPrivilegeEscalation") is False, f"{w}: allowPrivilegeEscalation not false")
            errs.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{w}: capabilities not dropped")
            res = c.get("resources") or {}
            errs.check((res.get("requests") or {}).get("cpu") and (res.get("requests") or {}).get("memory")
                       and (res.get("limits") or {}).get("memory"), f"{w}: resources requests/limits not set")
        errs.check(spec.get("automountServiceAccountToken") is False, f"{where}: mounts a ServiceAccount token")

    expected_edges = set()  # (source pod, destination pod, port)
    cluster = next(iter(clusters.values()), None)
    managed_roles = {r["name"]: r for r in ((cluster or {}).get("spec", {}).get("managed", {}) or {}).get("roles", [])}
    init_sql = " ".join(((cluster or {}).get("spec", {}).get("bootstrap", {}).get("initdb", {}) or {})
                        .get("postInitApplicationSQL", []) or [])
    database = ((cluster or {}).get("spec", {}).get("bootstrap", {}).get("initdb", {}) or {}).get("database")
    for r in managed_roles.values():
        ps = (r.get("passwordSecret") or {}).get("name")
        if errs.check(ps in secrets, f"Cluster role {r['name']}: passwordSecret {ps} is not generated"):
            s = secrets[ps]
            errs.check(s.get("type") == "kubernetes.io/basic-auth", f"Secret {ps}: the operator wants type basic-auth")
            user = base64.b64decode((s.get("data") or {}).get("username", "")).decode()
            errs.check(user == r["name"], f"Secret {ps}: username {user!r} is not the role {r['name']}")
            errs.check("password" in (s.get("data") or {}), f"Secret {ps} has no password")

    def check_database(c, s, schema, where, source, serving=True):
        """A container's database: the Cluster's -rw Service, the server's schema and role, the
        role's password Secret, the CA mounted, and when `serving` the replica it reads, if its
        server reads one; adds the edges source -> PostgreSQL."""
        dbv = env_value(c, s["db_env"]) if s["db_env"] else None
        if errs.check(dbv is not None and "value" in dbv, f"{where}: {s['db_env']} (the database) not set"):
            ci = conninfo(dbv["value"])
            host = ci.get("host", "")
            errs.check(host in pg_services and host.endswith("-rw"),
                       f"{where}: the database host {host} is not the PostgreSQL Cluster's -rw Service "
                       f"(every server writes its schema and migrates it at start)")
            if host in pg_services:
                expected_edges.add((source, pg_services[host], int(ci.get("port", 5432))))
            errs.check(schema == s["schema"], f"{where}: --schema={schema}, main.cc's schema is {s['schema']}")
            errs.check(ci.get("dbname") == database, f"{where}: dbname {ci.get('dbname')} is not the Cluster's {database}")
            user = ci.get("user")
            errs.check(user == f"tinhgon_{schema}", f"{where}: user {user}, want tinhgon_{schema}")
            role = managed_roles.get(user)
            if errs.check(role is not None, f"{where}: role {user} is not managed by the Cluster"):
                pw = env_value(c, "PGPASSWORD")
                ref = ((pw or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
                errs.check(ref.get("name") == (role.get("passwordSecret") or {}).get("name"),
                           f"{where}: PGPASSWORD comes from {ref.get('name')}, the role's password "
                           f"from {(role.get('passwordSecret') or {}).get('name')}")
            errs.check(f"CREATE ROLE {user} " in init_sql and f"CREATE SCHEMA {schema} AUTHORIZATION {user}" in init_sql,
                       f"{where}: the Cluster's postInitApplicationSQL does not create role {user} and schema {schema}")
            root_cert = ci.get("sslrootcert")
            if root_cert:
                mounts = [m for m in c.get("volumeMounts", []) or [] if root_cert.startswith(m["mountPath"] + "/")]
                errs.check(mounts, f"{where}: sslrootcert {root_cert} is on no mounted volume")
            # The replica it reads (the issue: "a replica that reporting reads"): the Cluster's
            # -ro Service, as the same role of the same database with the same TLS checks, and
            # a connect_timeout (a replica that does not answer must not hold a call).
            if s.get("read_db_env") and serving:
                rv = env_value(c, s["read_db_env"])
                if errs.check(rv is not None and "value" in rv,
                              f"{where}: {s['read_db_env']} (the replica it reads) not set"):
                    rci = conninfo(rv["value"])
                    rhost = rci.get("host", "")
                    errs.check(rhost in pg_services and rhost.endswith("-ro"),
                               f"{where}: the replica host {rhost} is not the Cluster's -ro Service")
                    if rhost in pg_services:
                        expected_edges.add((source, pg_services[rhost], int(rci.get("port", 5432))))
                    for k in ("dbname", "user", "sslmode", "sslrootcert"):
                        errs.check(rci.get(k) == ci.get(k),
                                   f"{where}: the replica's {k} {rci.get(k)!r} is not the primary's {ci.get(k)!r}")
                    errs.check(rci.get("connect_timeout", "").isdigit(),
                               f"{where}: the replica's conninfo has no connect_timeout")

    def server_of(c, where):
        """The server a container's image runs ({...} of load_servers), or None (reported)."""
        img = image_of(c, where)
        if not img:
            return None, None
        s = servers.get(img["binary"])
        if not errs.check(s is not None, f"{where}: image {c['image']} runs {img['binary']}, not a server"):
            return None, None
        return img, s

    servers_seen = set()
    for o in byk.get("Deployment", []):
        name = o["metadata"]["name"]
        where = f"Deployment {name}"
        containers = pod_specs(o)[0].get("containers", [])
        if not errs.check(len(containers) == 1, f"{where}: want one container"):
            continue
        c = containers[0]
        img, s = server_of(c, where)
        if not s:
            continue
        servers_seen.add(img["binary"])
        replicas = o["spec"].get("replicas", 1)
        reason = (o["metadata"].get("annotations") or {}).get("tinhgon.gov.vn/single-replica-reason")
        errs.check(replicas >= 2 or reason, f"{where}: {replicas} replica(s) and no stated reason")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        errs.check(ports.get("grpc") == s["port"],
                   f"{where}: container port grpc is {ports.get('grpc')}, {img['binary']} serves {s['port']} (main.cc, README)")
        if s["metrics_port"]:
            errs.check(ports.get("metrics") == s["metrics_port"],
                       f"{where}: container port metrics is {ports.get('metrics')}, main.cc's is {s['metrics_port']}")
        args = {}
        for a in c.get("args", []) or []:
            m = re.match(r"--(\w+)=(.*)", expand(a, c))
            if errs.check(m, f"{where}: argument {a} is not --flag=value"):
                errs.check(m.group(1) in s["flags"], f"{where}: --{m.group(1)} is not a flag of {img['binary']}")
                args[m.group(1)] = m.group(2)
        errs.check(args.get("listen") == f"0.0.0.0:{s['port']}",
                   f"{where}: --listen={args.get('listen')}, want 0.0.0.0:{s['port']}")
        if s["metrics_port"]:
            errs.check(args.get("metrics_listen") == f"0.0.0.0:{s['metrics_port']}",
                       f"{where}: --metrics_listen={args.get('metrics_listen')}, want 0.0.0.0:{s['metrics_port']}")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            pr = c.get(probe)
            if probe == "startupProbe" and pr is None:
                continue
            errs.check(pr and "grpc" in pr and pr["grpc"].get("port") == s["port"],
                       f"{where}: {probe} is not a gRPC probe on port {s['port']}")
        errs.check(env_value(c, "TINHGON_TRUST_SECRET") is not None
                   and "secretKeyRef" in (env_value(c, "TINHGON_TRUST_SECRET").get("valueFrom") or {}),
                   f"{where}: TINHGON_TRUST_SECRET does not come from a Secret")
        # The services it calls: each flag of main.cc, to the right server.
        for f in s["calls"]:
            if not errs.check(f in args, f"{where}: --{f} not given (main.cc's default is loopback)"):
                continue
            for addr in args[f].split(","):
                r = resolve(addr, f"{where} --{f}")
                if not r:
                    continue
                dst, port = r
                dimg = image_of(all_containers(dst.obj)[0], f"{where} --{f} -> {dst.name}") if dst.kind != "Cluster" else None
                errs.check(dimg and dimg["binary"] == callee_binary(f),
                           f"{where}: --{f}={addr} reaches {dst.name}, which does not run {callee_binary(f)}")
                errs.check(port == servers.get(callee_binary(f), {}).get("port"),
                           f"{where}: --{f}={addr} reaches port {port}, {callee_binary(f)} serves "
                           f"{servers.get(callee_binary(f), {}).get('port')}")
                expected_edges.add((name, dst.name, port))
        # The database.
        check_database(c, s, args.get("schema", s["schema"]), where, name)
        # The Service in front of it, on the README's port.
        svcs = [svc for svc in services.values() if any(p.name == name for p in service_pods(svc))]
        errs.check(any(any(p["port"] == s["port"] and p.get("targetPort", p["port"]) in (s["port"], "grpc")
                           for p in svc["spec"]["ports"]) for svc in svcs),
                   f"{where}: no Service serves its gRPC port {s['port']} on port {s['port']}")
        if img["binary"] == "gateway_server":
            errs.check(any(svc["spec"].get("type") == "LoadBalancer" for svc in svcs),
                       f"{where}: the gateway is not exposed (no LoadBalancer Service)")
        if s["writes_tmp"]:
            tmpdir = (env_value(c, "TMPDIR") or {}).get("value", "/tmp")
            vols = {v["name"]: v for v in pod_specs(o)[0].get("volumes", []) or []}
            errs.check(any(m["mountPath"] == tmpdir and not m.get("readOnly")
                           and "emptyDir" in vols.get(m["name"], {})
                           for m in c.get("volumeMounts", []) or []),
                       f"{where}: {img['binary']} writes temporary files in {tmpdir} (TMPDIR), which "
                       f"is read-only without an emptyDir mounted there")
        check_secret_refs(o, where)
        check_security(o, where)
    errs.check(servers_seen == set(servers), f"Deployments run {sorted(servers_seen)}, the servers are {sorted(servers)}")

    # The migrations' Job: every server's image with --migrate_only (a flag of every server,
    # common/backend_main.cc) on its own schema and role, nothing else.
    jobs = byk.get("Job", [])
    errs.check(jobs, "no Job (the migrations)")
    for o in jobs:
        where = f"Job {o['metadata']['name']}"
        migrated = []
        for c in all_containers(o):
            cw = f"{where} container {c['name']}"
            img, s = server_of(c, cw)
            if not s:
                continue
            migrated.append(img["binary"])
            errs.check("--migrate_only" in (c.get("args") or []), f"{cw}: no --migrate_only")
            errs.check("migrate_only" in s["common_flags"], "--migrate_only is not a flag of common/backend_main.cc")
            args = {}
            for a in c.get("args", []) or []:
                if a == "--migrate_only":
                    continue
                m = re.match(r"--(\w+)=(.*)", expand(a, c))
                if errs.check(m, f"{cw}: argument {a} is not --flag=value"):
                    errs.check(m.group(1) in s["flags"], f"{cw}: --{m.group(1)} is not a flag of {img['binary']}")
                    args[m.group(1)] = m.group(2)
            check_database(c, s, args.get("schema", s["schema"]), cw, o["metadata"]["name"], serving=False)
        errs.check(sorted(migrated) == sorted(servers),
                   f"{where} migrates {sorted(migrated)}, the servers are {sorted(servers)}")
        check_secret_refs(o, where)
        check_security(o, where)

    # The report job: calls the gateway's Service.
    gateway_pods = [p for p in pods if p.kind == "Deployment"
                    and (image_of(all_containers(p.obj)[0], p.name) or {}).get("binary") == "gateway_server"]
    cronjobs = byk.get("CronJob", [])
    errs.check(cronjobs, "no CronJob (the report job)")
    for o in cronjobs:
        where = f"CronJob {o['metadata']['name']}"
        c = all_containers(o)[0]
        img = image_of(c, where)
        errs.check(img and img["binary"] == "report_job", f"{where}: does not run report_job")
        args = dict(m.groups() for m in (re.match(r"--(\w+)=(.*)", expand(a, c)) for a in c.get("args", [])) if m)
        r = resolve(args.get("target", ""), f"{where} --target")
        if r:
            errs.check(gateway_pods and r[0] is gateway_pods[0],
                       f"{where}: --target={args.get('target')} is not the gateway's Service")
            errs.check(r[1] == servers["gateway_server"]["port"],
                       f"{where}: --target reaches port {r[1]}, the gateway serves {servers['gateway_server']['port']}")
            expected_edges.add((o["metadata"]["name"], r[0].name, r[1]))
        tok = env_value(c, "TINHGON_TOKEN")
        errs.check(tok and "secretKeyRef" in (tok.get("valueFrom") or {}), f"{where}: TINHGON_TOKEN is not from a Secret")
        check_secret_refs(o, where)
        check_security(o, where)

    # Any other host:port in an argument or a variable names a Service with that port.
    for o in objs:
        for c in all_containers(o):
            values = [a.partition("=")[2] for a in c.get("args", []) or []]
            values += [e["value"] for e in c.get("env", []) or [] if "value" in e]
            for v in values:
                for addr in v.split(","):
                    if re.fullmatch(r"[a-z][a-z0-9-]*(\.[a-z0-9-]+)*:\d+", addr) and not addr.startswith("0.0.0.0"):
                        resolve(addr, f"{o['kind']} {o['metadata']['name']} container {c['name']}")

    check_network_policies(byk.get("NetworkPolicy", []), pods, namespaces, expected_edges, errs)
    return expected_edges


def check_network_policies(policies, pods, namespaces, expected, errs):
    def ns_labels(ns):
        labels = dict(namespaces.get(ns, {}))
        labels["kubernetes.io/metadata.name"] = ns
        return labels

    def types(p):
        t = p["spec"].get("policyTypes")
        if t:
            return set(t)
        return {"Ingress"} | ({"Egress"} if "egress" in p["spec"] else set())

    def selects(p, pod):
        return p["metadata"].get("namespace") == pod.namespace and selector_matches(p["spec"].get("podSelector"), pod.labels)

    def peer_matches(peer, policy_ns, pod):
        if pod is None:  # a client outside the cluster: only ipBlock peers
            return "ipBlock" in peer
        if "ipBlock" in peer:
            return False
        nsel, psel = peer.get("namespaceSelector"), peer.get("podSelector")
        if nsel is None:
            ns_ok = pod.namespace == policy_ns
        else:
            ns_ok = selector_matches(nsel, ns_labels(pod.namespace))
        return ns_ok and (psel is None or selector_matches(psel, pod.labels))

    def port_matches(rule, port, dst):
        if not rule.get("ports"):
            return True
        for rp in rule["ports"]:
            if rp.get("protocol", "TCP") != "TCP":
                continue
            want = rp.get("port")
            if want is None:
                return True
            if isinstance(want, str):
                want = dst.ports.get(want)
            end = rp.get("endPort", want)
            if want is not None and want <= port <= end:
                return True
        return False

    def allowed(direction, subject, peer_pod, port, dst):
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        applying = [p for p in policies if direction in types(p) and selects(p, subject)]
        if not applying:
            return True
        for p in applying:
            for rule in p["spec"].get(key, []) or []:
                peers = rule.get(peers_key)
                if peers is not None and not any(peer_matches(x, p["metadata"].get("namespace"), peer_pod) for x in peers):
                    continue
                if port_matches(rule, port, dst):
                    return True
        return False

    # Every policy selects pods that exist; so does every pod selector of its peers.
    for p in policies:
        pname = p["metadata"]["name"]
        errs.check(any(selects(p, pod) for pod in pods), f"NetworkPolicy {pname} selects no pod")
        for key, peers_key in (("ingress", "from"), ("egress", "to")):
            for rule in p["spec"].get(key, []) or []:
                for peer in rule.get(peers_key) or []:
                    if "podSelector" in peer and "namespaceSelector" not in peer:
                        errs.check(any(pod.namespace == p["metadata"].get("namespace")
                                       and selector_matches(peer["podSelector"], pod.labels) for pod in pods),
                                   f"NetworkPolicy {pname}: a {peers_key} peer selects no pod: {peer['podSelector']}")

    ours = [p for p in pods if p.kind != "Cluster"]
    actual = set()
    for src in ours:
        for dst in pods:
            if dst is src:
                continue
            for port in sorted(set(dst.ports.values())):
                if allowed("Egress", src, dst, port, dst) and allowed("Ingress", dst, src, port, dst):
                    actual.add((src.name, dst.name, port))
    for e in sorted(expected - actual):
        errs.add(f"NetworkPolicies block a call the code makes: {e[0]} -> {e[1]}:{e[2]}")
    for e in sorted(actual - expected):
        errs.add(f"NetworkPolicies allow a call the code does not make: {e[0]} -> {e[1]}:{e[2]}")
    # From outside the cluster: the gateway's gRPC port, nothing else.
    for dst in pods:
        for port in sorted(set(dst.ports.values())):
            ok = allowed("Ingress", dst, None, port, dst)
            want = dst.kind == "Deployment" and dst.name.endswith("gateway") and port == 50051
            if ok != want:
                errs.add(f"NetworkPolicies {'allow' if ok else 'block'} outside clients -> {dst.name}:{port}")


def check_pending(root, images, generated, errs):
    pdir = os.path.join(root, "deploy/k8s/pending")
    if not os.path.isdir(pdir):
        return
    listed = []
    for dirpath, _, files in os.walk(os.path.join(root, "deploy/k8s")):
        if "kustomization.yaml" in files:
            k = yaml.safe_load(open(os.path.join(dirpath, "kustomization.yaml")))
            listed += [os.path.normpath(os.path.join(dirpath, r)) for r in k.get("resources", [])]
    for f in sorted(os.listdir(pdir)):
        if not f.endswith(".yaml"):
            continue
        p = os.path.normpath(os.path.join(pdir, f))
        errs.check(not any(p == l or p.startswith(l + os.sep) for l in listed),
                   f"deploy/k8s/pending/{f} is listed by a kustomization: it needs code that does not exist yet")
        for o in load_docs(p):
            for c in all_containers(o):
                name, tag, _ = split_image(c.get("image", ""))
                errs.check(name in images, f"pending/{f} container {c['name']}: image {name} is not built")
                for e in c.get("env", []) or []:
                    ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        errs.check(ref["name"] in generated, f"pending/{f}: Secret {ref['name']} is not generated")
                    if e["name"].endswith("_DB") and "value" in e:
                        errs.check(conninfo(e["value"]).get("host", "").endswith("-rw"),
                                   f"pending/{f}: {e['name']} is not the -rw Service")


# --------------------------------------------------------------------------------------------
# systemd.

def parse_unit(path):
    sections = {}
    cur = None
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            cur = sections.setdefault(line[1:-1], {})
            continue
        k, _, v = line.partition("=")
        cur.setdefault(k.strip(), []).append(v.strip())
    return sections


def parse_env_file(path):
    env = {}
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        k, _, v = line.partition("=")
        env[k.strip()] = v.strip()
    return env


def check_systemd(root, servers, images, errs):
    sdir = os.path.join(root, "deploy/systemd")
    env_dir = os.path.join(sdir, "env")
    stage_of = {img["binary"]: img["stage"] for img in images.values()}
    target = parse_unit(os.path.join(sdir, "tinhgon.target"))
    also = " ".join(target.get("Install", {}).get("Also", [])).split()
    units_seen = set()
    for binary, s in servers.items():
        unit_name = f"tinhgon-{stage_of.get(binary, binary)}.service"
        path = os.path.join(sdir, unit_name)
        if not errs.check(os.path.isfile(path), f"deploy/systemd/{unit_name} is missing ({binary})"):
            continue
        units_seen.add(unit_name)
        u = parse_unit(path)
        svc = u.get("Service", {})
        where = f"deploy/systemd/{unit_name}"
        errs.check(unit_name in also, f"tinhgon.target does not install {unit_name} (Also=)")
        errs.check("tinhgon.target" in " ".join(u.get("Install", {}).get("WantedBy", [])), f"{where}: not WantedBy tinhgon.target")
        errs.check("tinhgon.target" in " ".join(u.get("Unit", {}).get("PartOf", [])), f"{where}: not PartOf tinhgon.target")
        for k, v in (("User", "tinhgon"), ("Group", "tinhgon"), ("NoNewPrivileges", "yes"),
                     ("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                     ("Restart", "on-failure"), ("CapabilityBoundingSet", "")):
            errs.check(svc.get(k, [None])[-1] == v, f"{where}: {k}={svc.get(k, [None])[-1]}, want {v}")
        exec_start = svc.get("ExecStart", [""])[0].split()
        errs.check(exec_start and exec_start[0] == f"/opt/tinhgon/bin/{binary}", f"{where}: ExecStart does not run {binary}")
        env_files = svc.get("EnvironmentFile", [])
        errs.check("/etc/tinhgon/secrets.env" in env_files, f"{where}: no EnvironmentFile=/etc/tinhgon/secrets.env")
        own = [e for e in env_files if e != "/etc/tinhgon/secrets.env"]
        if not errs.check(len(own) == 1, f"{where}: want one /etc/tinhgon/<service>.env"):
            continue
        local = os.path.join(env_dir, os.path.basename(own[0].lstrip("-")))
        if not errs.check(os.path.isfile(local), f"{where}: {own[0]} has no template in deploy/systemd/env/"):
            continue
        env = parse_env_file(local)
        errs.check("TINHGON_TRUST_SECRET" not in env, f"{local}: the trust secret belongs in secrets.env (mode 600)")
        flags = {}
        for a in exec_start[1:]:
            m = re.match(r"--(\w+)=(.*)", a)
            if not errs.check(m, f"{where}: ExecStart argument {a} is not --flag=value"):
                continue
            errs.check(m.group(1) in s["flags"], f"{where}: --{m.group(1)} is not a flag of {binary}")
            val = m.group(2)
            for var in re.findall(r"\$\{(\w+)\}", val):
                errs.check(var in env, f"{where}: ${{{var}}} is not set in {os.path.relpath(local, root)}")
            flags[m.group(1)] = re.sub(r"\$\{(\w+)\}", lambda mm: env.get(mm.group(1), ""), val)
        lst = flags.get("listen", "")
        errs.check(lst.endswith(f":{s['port']}"),
                   f"{where}: --listen={lst}, {binary} serves {s['port']} (main.cc, README, Kubernetes)")
        errs.check(f"--listen=${{{s['listen_env']}}}" in exec_start,
                   f"{where}: --listen does not come from {s['listen_env']}")
        if s["metrics_port"]:
            errs.check(flags.get("metrics_listen", "").endswith(f":{s['metrics_port']}"),
                       f"{where}: --metrics_listen={flags.get('metrics_listen')}, want port {s['metrics_port']}")
        for f in s["calls"]:
            addrs = flags.get(f, "")
            errs.check(addrs, f"{where}: --{f} not given")
            want = servers.get(callee_binary(f), {}).get("port")
            for a in filter(None, addrs.split(",")):
                errs.check(a.endswith(f":{want}"), f"{where}: --{f}={a}, {callee_binary(f)} serves {want}")
        ci = conninfo(flags.get("db", ""))
        errs.check(ci.get("user") == f"tinhgon_{s['schema']}" and flags.get("schema") == s["schema"],
                   f"{where}: --db user {ci.get('user')} / --schema {flags.get('schema')}, want tinhgon_{s['schema']} / {s['schema']}")
        errs.check("password" not in ci, f"{where}: a password in the conninfo (use passfile=)")
    rj = parse_unit(os.path.join(sdir, "tinhgon-report-job.service"))
    errs.check(rj.get("Service", {}).get("ExecStart", [""])[0].startswith("/opt/tinhgon/bin/report_job "),
               "tinhgon-report-job.service does not run report_job")
    errs.check(set(also) == units_seen, f"tinhgon.target Also={sorted(also)}, the units are {sorted(units_seen)}")


# --------------------------------------------------------------------------------------------

def run_checks(root, compare=True):
    errs = Errors()
    notes = []
    servers = load_servers(root, errs)
    readme, readme_metrics = readme_ports(root)
    check_code_and_readme(servers, readme, readme_metrics, errs)
    images = parse_dockerfile(root, errs)
    check_images_against_code(images, servers, errs)
    overlay = os.path.join(root, "deploy/k8s/overlays/production")
    objs = render(overlay, errs, read_files=False)
    expected = check_k8s(objs, servers, images, errs)
    generated = {o["metadata"]["name"] for o in objs if "_generated_from" in o}
    check_pending(root, images, generated, errs)
    check_systemd(root, servers, images, errs)
    if compare:
        compare_with_kubectl(root, lambda d, e: render(d, e, read_files=True), errs, notes)
    return errs.items, notes, expected


# Deliberate inconsistencies: each must be caught. (file, [(old, new), ...], what)
_SVC_POLICY_TASKS = """  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: tinhgon-gateway
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: tinhgon-reporting
      ports:
        - protocol: TCP
          port: 50063
"""
_STAFFING_EGRESS = """          port: 50062
  egress:
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: tinhgon-org-registry
      ports:
        - protocol: TCP
          port: 50061
"""
MUTATIONS = [
    ("deploy/k8s/base/staffing.yaml", [("      port: 50062\n      targetPort: 50062", "      port: 50062\n      targetPort: 50065")],
     "the staffing Service targets a port the pod does not expose"),
    ("deploy/k8s/base/org-registry.yaml", [("containerPort: 50061", "containerPort: 50071")],
     "the registry's container port is not its server's"),
    ("deploy/k8s/base/gateway.yaml", [("--tasks=tinhgon-tasks:50063", "--tasks=tinhgon-task:50063")],
     "the gateway routes tasks to a Service that does not exist"),
    ("deploy/k8s/base/reporting.yaml", [("            - --tasks=tinhgon-tasks:50063\n", "")],
     "reporting is not told where tasks is"),
    ("deploy/k8s/base/reporting.yaml", [("value: host=tinhgon-pg-ro ", "value: host=tinhgon-pg-rw ")],
     "reporting's replica conninfo names the primary"),
    ("deploy/k8s/base/reporting.yaml", [(" connect_timeout=2\n", "\n")],
     "reporting's replica conninfo has no connect timeout"),
    ("deploy/k8s/base/tasks.yaml", [("name: tinhgon-db-tasks", "name: tinhgon-db-task")],
     "tasks' password Secret is not generated"),
    ("deploy/k8s/overlays/production/kustomization.yaml", [("\nnamespace: tinhgon\n", "\n")],
     "the generated Secrets land outside the namespace"),
    ("deploy/k8s/base/network-policies.yaml",
     [("      ports:\n        - protocol: TCP\n          port: 50064\n",
       "      ports:\n        - protocol: TCP\n          port: 50065\n")],
     "the policy lets the gateway call reporting on the wrong port"),
    ("deploy/k8s/base/network-policies.yaml",
     [("  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: tinhgon-gateway\n      ports:\n        - protocol: TCP\n          port: 50064\n",
       "  ingress:\n    - ports:\n        - protocol: TCP\n          port: 50064\n")],
     "reporting reachable from anywhere"),
    ("deploy/k8s/base/network-policies.yaml",
     [(_SVC_POLICY_TASKS, _SVC_POLICY_TASKS.replace("tinhgon-reporting\n", "tinhgon-reporting\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: tinhgon-staffing\n")),
      (_STAFFING_EGRESS, _STAFFING_EGRESS + "    - to:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: tinhgon-tasks\n      ports:\n        - protocol: TCP\n          port: 50063\n")],
     "the policies let staffing call tasks, which its code never does"),
    ("deploy/k8s/base/reporting.yaml", [("            - name: tmp\n              mountPath: /tmp\n", "")],
     "reporting's /tmp (XLSX exports) is read-only"),
    ("deploy/k8s/base/report-job-cronjob.yaml", [("value: tinhgon-gateway:50051", "value: tinhgon-gatewy:50051")],
     "the report job's gateway address names no Service"),
    ("deploy/k8s/base/report-job-cronjob.yaml", [("value: tinhgon-gateway:50051", "value: tinhgon-gateway:50061")],
     "the report job calls the gateway on the wrong port"),
    ("deploy/k8s/base/gateway.yaml", [("port: 50051\n            periodSeconds: 10", "port: 50052\n            periodSeconds: 10")],
     "the gateway's liveness probe is on the wrong port"),
    ("deploy/k8s/overlays/production/kustomization.yaml", [("  - name: tinhgon/reporting\n    newTag: \"1.0.0\"\n", "")],
     "the reporting image has no tag"),
    ("deploy/docker/Dockerfile", [("EXPOSE 50063", "EXPOSE 50073")], "the tasks image exposes another port"),
    ("deploy/systemd/env/staffing.env", [("TINHGON_STAFFING_LISTEN=127.0.0.1:50062", "TINHGON_STAFFING_LISTEN=127.0.0.1:50072")],
     "the staffing unit listens on another port"),
    ("deploy/systemd/env/gateway.env", [("TINHGON_GATEWAY_REPORTING=127.0.0.1:50064", "TINHGON_GATEWAY_REPORTING=127.0.0.1:50063")],
     "the gateway unit routes reporting to tasks' port"),
    ("README.md", [("starts `tasks_server` on 127.0.0.1:50063", "starts `tasks_server` on 127.0.0.1:50066")],
     "the README documents another port"),
]


def copy_inputs(root, dst):
    shutil.copy(os.path.join(root, "README.md"), dst)
    shutil.copytree(os.path.join(root, "deploy"), os.path.join(dst, "deploy"),
                    ignore=shutil.ignore_patterns("secrets"))
    os.makedirs(os.path.join(dst, "common"), exist_ok=True)
    shutil.copy(os.path.join(root, "common", "backend_main.cc"), os.path.join(dst, "common"))
    shutil.copytree(os.path.join(root, "services"), os.path.join(dst, "services"),
                    ignore=lambda d, names: [n for n in names if not (
                        n.endswith(".cc") or n == "CMakeLists.txt" or os.path.isdir(os.path.join(d, n)))])


def self_test(root, baseline):
    """Each mutation applied to a copy must add a failure to `baseline` (the failures of the
    unchanged files). Returns (passed, failed)."""
    passed = failed = 0
    for rel, edits, what in MUTATIONS:
        with tempfile.TemporaryDirectory() as tmp:
            copy_inputs(root, tmp)
            path = os.path.join(tmp, rel)
            text = open(path, encoding="utf-8").read()
            if not all(old in text for old, _ in edits):
                print(f"FAIL  mutation '{what}': {rel} no longer contains the text it changes")
                failed += 1
                continue
            for old, new in edits:
                text = text.replace(old, new, 1)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            errors, _, _ = run_checks(tmp, compare=False)
            new = [e for e in errors if e not in baseline]
            if new:
                print(f"ok    caught: {what} -> {new[0].splitlines()[0]}")
                passed += 1
            else:
                print(f"FAIL  not caught: {what} ({rel})")
                failed += 1
    return passed, failed


def main():
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    errors, notes, expected = run_checks(root)
    for n in notes:
        print(f"note  {n}")
    print(f"note  calls the code makes ({len(expected)}): " +
          ", ".join(f"{a}->{b}:{p}" for a, b, p in sorted(expected)))
    for e in errors:
        print(f"FAIL  {e}")
    passed = 1 if not errors else 0
    failed = 0 if not errors else 1
    if not errors:
        print("ok    the manifests, the Dockerfile, the systemd units, README and the code agree")
    p, f = self_test(root, set(errors))
    passed += p
    failed += f
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
