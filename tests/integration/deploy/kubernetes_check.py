"""Checks deploy/kubernetes and its HA overlay deploy/ha/kubernetes as kubectl would apply them.

Usage: kubernetes_check.py SOURCE_DIR KATABOT WORK_DIR CLIENT_TLS_DIR KUBECTL
Every manifest is parsed; when KUBECTL is given, both kustomizations are rendered, the HA Deployment is
checked against what deploy/ha documents, and its init container's command is run on the rendered
ConfigMaps (paths moved under WORK_DIR) before katabot --check-config reads the result with the pod's
environment. Exit 0 = passed, 1 = failed, 77 = kubectl missing (parsed only).
"""
import os
import re
import subprocess
import sys

import yaml

source_dir, katabot, work, client_tls, kubectl = sys.argv[1:6]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


# Every manifest and kustomization parses: a YAML slip fails here, not at `kubectl apply`.
for folder in ("deploy/kubernetes", "deploy/ha/kubernetes"):
    for name in sorted(os.listdir(os.path.join(source_dir, folder))):
        if name.endswith(".yaml"):
            path = os.path.join(source_dir, folder, name)
            try:
                documents = [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d is not None]
                check(documents, f"{path}: no document")
            except yaml.YAMLError as error:
                check(False, f"{path}: {error}")
finish()
if not kubectl:
    sys.exit(77)


def render(folder):
    result = subprocess.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone",
                             os.path.join(source_dir, folder)], capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, f"kubectl kustomize {folder}: {result.stderr.strip()}")
    finish()
    return [d for d in yaml.safe_load_all(result.stdout) if d is not None]


render("deploy/kubernetes")
objects = render("deploy/ha/kubernetes")
by_kind = {}
for item in objects:
    by_kind.setdefault(item["kind"], []).append(item)

check("PersistentVolumeClaim" not in by_kind, "the HA variant has no volume claim (ReadWriteOnce pins a pod to a node)")
check("Secret" not in by_kind, "no Secret is rendered: tokens and passwords are created by the operator, never applied from git")
deployment = by_kind["Deployment"][0]
spec = deployment["spec"]
pod = spec["template"]["spec"]
labels = spec["template"]["metadata"]["labels"]
check(spec.get("replicas") == 2, f"replicas: 2, got {spec.get('replicas')}")
check(spec.get("strategy") == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
      f"RollingUpdate with maxUnavailable 0 and maxSurge 1, got {spec.get('strategy')}")
check(all("persistentVolumeClaim" not in volume for volume in pod["volumes"]), "no pod volume is a claim")

container = next(c for c in pod["containers"] if c["name"] == "katabot")
check(container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz", "readiness on /readyz")
terms = pod.get("affinity", {}).get("podAntiAffinity", {})
terms = [t.get("podAffinityTerm", t) for key in terms.values() for t in key]
check(any(t.get("topologyKey") == "kubernetes.io/hostname" and
          t.get("labelSelector", {}).get("matchLabels", {}).items() <= labels.items() for t in terms),
      "anti-affinity spreads the replicas across nodes")

budgets = by_kind.get("PodDisruptionBudget", [])
check(len(budgets) == 1, "one PodDisruptionBudget")
for budget in budgets:
    check(budget["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the PodDisruptionBudget selects the replicas")
    check(budget["spec"].get("maxUnavailable") == 1, "a drain takes one replica at a time")

policy = by_kind["NetworkPolicy"][0]
check(any(p.get("port") == 2379 for rule in policy["spec"]["egress"] for p in rule.get("ports", [])),
      "the NetworkPolicy lets the bot reach etcd's client port")

environment = {e["name"]: e for e in container["env"]}
check(environment.get("KATABOT_IDENTITY", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
      "the replica's identity is its pod name")
for name in ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "IRC_NICKSERV_PASSWORD", "KATABOT_ETCD_PASSWORD"):
    check("secretKeyRef" in environment.get(name, {}).get("valueFrom", {}), f"{name} comes from a Secret")
init = next((c for c in pod.get("initContainers", []) if c["name"] == "config"), None)
check(init is not None, "the init container that writes the configuration")
finish()
check(init["image"] == container["image"], f"the init container runs the bot's image, got {init['image']}")

# The pod's files, from the rendered ConfigMaps and the Secret the docs create, under WORK_DIR.
config_maps = {c["metadata"]["name"]: c["data"] for c in by_kind["ConfigMap"]}
volumes = {v["name"]: v for v in pod["volumes"]}


def files_of(volume):
    """(path, text) pairs of a ConfigMap, projected or Secret volume."""
    sources = volume["projected"]["sources"] if "projected" in volume else [volume]
    for source in sources:
        if "configMap" in source:
            data = config_maps[source["configMap"]["name"]]
            items = source["configMap"].get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                yield item["path"], data[item["key"]]
        elif "secret" in source:
            for item in source["secret"]["items"]:
                yield item["path"], open(os.path.join(client_tls, item["key"]), encoding="utf-8").read()


def materialize(mounts):
    for mount in mounts:
        volume = volumes[mount["name"]]
        target = work + mount["mountPath"]
        os.makedirs(target, exist_ok=True)
        if "emptyDir" in volume:
            continue
        for path, text in files_of(volume):
            os.makedirs(os.path.dirname(os.path.join(target, path)), exist_ok=True)
            with open(os.path.join(target, path), "w", encoding="utf-8") as out:
                out.write(text)


materialize(init["volumeMounts"])
materialize(m for m in container["volumeMounts"] if m["mountPath"] not in {x["mountPath"] for x in init["volumeMounts"]})
mount_paths = sorted({m["mountPath"] for m in init["volumeMounts"] + container["volumeMounts"]}, key=len, reverse=True)
moved = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, mount_paths)) + r")(?![\w-])")


def move(text):
    return moved.sub(lambda match: work + match.group(1), text)


command = [move(part) for part in init["command"]]
result = subprocess.run(command, capture_output=True, text=True, timeout=30)
check(result.returncode == 0, f"the init container's command: {result.stderr.strip()}")

# katabot --check-config as the container starts it, with the pod's environment.
variables = {"PATH": os.environ["PATH"]}
for name, entry in environment.items():
    if "value" in entry:
        variables[name] = move(entry["value"])
    elif "fieldRef" in entry.get("valueFrom", {}):
        variables[name] = "katabot-7d4b9c6f5-x2kqz"
    else:
        variables[name] = {"SLACK_APP_TOKEN": "xapp-placeholder", "SLACK_BOT_TOKEN": "xoxb-placeholder"}.get(name, "")
variables["KATABOT_ETCD_PASSWORD"] = "placeholder"
arguments = [move(argument) for argument in container["args"]]
result = subprocess.run([katabot, "--check-config", *arguments], env=variables, capture_output=True, text=True, timeout=30)
check(result.returncode == 0 and "are valid" in result.stdout,
      f"katabot --check-config {' '.join(arguments)} in the pod's layout: {result.stdout}{result.stderr}")
finish()
print("the HA overlay renders, and the pod's configuration is valid")
