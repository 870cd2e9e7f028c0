"""The Kubernetes manifests (deploy/kubernetes), checked without a cluster.

1. Filled as the README fills them (envsubst with its variable list), they parse as YAML and carry
   what an Indexed Job of N shards and its merge need: completionMode Indexed, parallelism =
   completions = N, no retries, the key from the Secret, the profile from the ConfigMap, one
   shared results volume.
2. Simulation of the Job: one local process per pod index, each `sh -c` of exactly the pod's
   command with exactly the pod's environment (its env entries, the Secret's key, the
   JOB_COMPLETION_INDEX the Job controller adds) and its mounts mapped to local folders, against
   the bundled mock (`agentwork mock`, a separate process); then the merge Job's command.
3. The merged result: every shard in it, counts and histograms equal to the shards' sums, the
   rate cap held in sum, the reports written; next to it a single-process run of the same
   profile, whose p99 is printed beside the merged one.
Usage: kubernetes_test.py AGENTWORK SOURCE_DIR"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

agentwork, source = os.path.abspath(sys.argv[1]), sys.argv[2]
deploy = os.path.join(source, "deploy", "kubernetes")
SHARDS = 4
# The variables the README passes to envsubst; nothing else in the files may be replaced.
README_VARS = ["IMAGE", "SHARDS", "AGENTWORK_TARGET", "AGENTWORK_RUN_ID", "AGENTWORK_START_AT",
               "DEADLINE_S"]


def envsubst(text, values):
    """envsubst 'VAR ...': $VAR and ${VAR} of the listed variables only."""
    for name in README_VARS:
        text = text.replace("${" + name + "}", values[name])
        text = re.sub(r"\$" + name + r"(?![A-Za-z0-9_])", lambda _m: values[name], text)
    return text


with open(os.path.join(deploy, "README.md"), encoding="utf-8") as f:
    readme = f.read()
listed = re.findall(r"VARS='([^']*)'", readme)
assert len(listed) == 1, "README.md: expected one VARS='...' list for envsubst"
assert sorted(re.findall(r"\$\{(\w+)\}", listed[0])) == sorted(README_VARS), \
    f"README.md: VARS lists {listed[0]}, expected {README_VARS}"
for name in ["load-job.yaml", "merge-job.yaml"]:
    assert f'envsubst "$VARS" < deploy/kubernetes/{name}' in readme, \
        f"README.md: {name} is not filled with envsubst \"$VARS\""


def manifest(name, values):
    with open(os.path.join(deploy, name), encoding="utf-8") as f:
        text = envsubst(f.read(), values)
    left = re.findall(r"\$\{\w+\}", text)
    assert not left, f"{name}: placeholders left after envsubst: {left}"
    return yaml.safe_load(text)


def container_of(job):
    containers = job["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "one container per pod"
    return containers[0]


def pod_env(container, secrets, extra):
    """The environment the pod's container gets."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            env[entry["name"]] = secrets[ref["name"]][ref["key"]]
    env.update(extra)
    return env


def mounted(text, mounts):
    """The command with each mount path replaced by its local folder."""
    for path, local in mounts.items():
        text = text.replace(path, local)
    return text


def check_load_job(job, pvc):
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed", "an Indexed Job: JOB_COMPLETION_INDEX per pod"
    assert spec["completions"] == SHARDS and spec["parallelism"] == SHARDS, \
        "parallelism = completions = shards: every shard runs at once"
    assert spec["backoffLimit"] == 0, "a retried shard would send its load twice"
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    c = container_of(job)
    names = [e["name"] for e in c["env"]]
    for needed in ["AGENTWORK_TARGET", "AGENTWORK_RUN_ID", "AGENTWORK_START_AT",
                   "AGENTWORK_API_KEY", "SHARDS"]:
        assert needed in names, f"load-job.yaml: env {needed} missing"
    key = next(e for e in c["env"] if e["name"] == "AGENTWORK_API_KEY")
    assert key["valueFrom"]["secretKeyRef"] == {"name": "agentwork-api-key", "key": "api-key"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert volumes["profile"]["configMap"]["name"] == "agentwork-profile"
    assert mounts["profile"] == "/etc/agentwork"
    assert volumes["results"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert "ReadWriteMany" in pvc["spec"]["accessModes"], "pods on several nodes share it"
    command = c["command"]
    assert command[:2] == ["sh", "-c"]
    assert "agentwork load /etc/agentwork/profile.json" in command[2]
    assert "--shards" in command[2] and "$JOB_COMPLETION_INDEX" in command[2]


def check_merge_job(job, pvc):
    assert job["kind"] == "Job" and job["spec"]["backoffLimit"] == 0
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert "agentwork merge" in container_of(job)["command"][2]


def flags_exist(command):
    """Every --flag of the agentwork command in a pod's shell text is one the real CLI has."""
    words = command.split()
    sub = words[words.index("agentwork") + 1]
    listed = subprocess.run([agentwork, sub, "--help"], capture_output=True, text=True).stdout
    for word in words:
        if word.startswith("--"):
            flag = word.split("=")[0]
            assert re.search(r"(^|[ ,])" + re.escape(flag) + r"([ =]|$)", listed, re.M), \
                f"agentwork {sub} has no {flag}"


def start_mock(work):
    port_file = os.path.join(work, "mock.port")
    mock = subprocess.Popen([agentwork, "mock", "--port", "0", "--port-file", port_file,
                             "--threads", "1", "--time-scale", "0.02", "--seed", "7"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.05)
    port = int(open(port_file).read())
    base = f"http://127.0.0.1:{port}"
    req = urllib.request.Request(base + "/api/v1/auth/register", method="POST",
                                 data=json.dumps({"email": "k8s-sim@example.com",
                                                  "name": "K8s simulation"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        key = json.loads(r.read())["api_key"]
    return mock, base, key


def load_of(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["load"]


def status_p99(load, key="latency"):
    """The status polls' p99 in ms: corrected (from the intended send) or uncorrected."""
    for e in load["summary"]["endpoints"]:
        if e["endpoint"] == "status":
            return e[key]["p99_us"] / 1000
    return None


def main():
    work = tempfile.mkdtemp(prefix="agentwork-k8s-")
    mock = None
    try:
        bin_dir = os.path.join(work, "image-bin")  # the image's PATH: agentwork in it
        os.makedirs(bin_dir)
        os.symlink(agentwork, os.path.join(bin_dir, "agentwork"))
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ["PATH"]
        mock, base, key = start_mock(work)

        run_id = "sim-" + datetime.datetime.utcnow().strftime("%Y%m%d%H%M%S")
        start = datetime.datetime.utcnow() + datetime.timedelta(seconds=3)
        values = {"IMAGE": "agentwork:test", "SHARDS": str(SHARDS), "AGENTWORK_TARGET": base,
                  "AGENTWORK_RUN_ID": run_id,
                  "AGENTWORK_START_AT": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "DEADLINE_S": "600"}
        pvc = manifest("results-pvc.yaml", values)
        load_job = manifest("load-job.yaml", values)
        merge_job = manifest("merge-job.yaml", values)
        check_load_job(load_job, pvc)
        check_merge_job(merge_job, pvc)
        flags_exist(container_of(load_job)["command"][2])
        flags_exist(container_of(merge_job)["command"][2])

        # The ConfigMap's profile and the volumes, as local folders.
        profile_dir = os.path.join(work, "etc-agentwork")
        results_dir = os.path.join(work, "results")
        os.makedirs(profile_dir)
        os.makedirs(results_dir)
        shutil.copy(os.path.join(source, "tests", "deploy", "k8s-sim-profile.json"),
                    os.path.join(profile_dir, "profile.json"))
        mounts = {"/etc/agentwork": profile_dir, "/results": results_dir}
        secrets = {"agentwork-api-key": {"api-key": key}}

        # The Indexed Job: one process per completion index, all at once.
        c = container_of(load_job)
        shard_cmd = mounted(c["command"][2], mounts)
        pods = []
        for index in range(SHARDS):
            env = pod_env(c, secrets, {"JOB_COMPLETION_INDEX": str(index)})
            log = open(os.path.join(work, f"shard-{index}.log"), "w")
            pods.append((subprocess.Popen(["sh", "-c", shard_cmd], env=env, stdout=log,
                                          stderr=subprocess.STDOUT), log))
        codes = []
        for p, log in pods:
            codes.append(p.wait(timeout=120))
            log.close()
        for index, code in enumerate(codes):
            if code != 0:
                print(open(os.path.join(work, f"shard-{index}.log")).read())
        assert codes == [0] * SHARDS, f"shard exit codes {codes}"

        # The merge Job.
        m = container_of(merge_job)
        merged_run = subprocess.run(["sh", "-c", mounted(m["command"][2], mounts)],
                                    env=pod_env(m, secrets, {}), capture_output=True, text=True,
                                    timeout=120)
        print(merged_run.stdout)
        assert merged_run.returncode == 0, f"merge exit {merged_run.returncode}: {merged_run.stderr}"
        out = os.path.join(results_dir, run_id)
        for name in ["merged.json", "merged-junit.xml", "merged.md", "merged.html"]:
            assert os.path.getsize(os.path.join(out, name)) > 0, f"{name} not written"

        shards = [load_of(os.path.join(out, f"shard-{i}.json")) for i in range(SHARDS)]
        merged = load_of(os.path.join(out, "merged.json"))
        # Every shard is in it, and what it adds up is the shards' sum.
        assert [s["index"] for s in merged["merged_shards"]] == list(range(SHARDS))
        total = sum(s["summary"]["requests"] for s in shards)
        assert merged["summary"]["requests"] == total > 0
        histogram_total = sum(
            sum(c for _, c in e["latency"]["histogram"])
            for s in shards for e in s["summary"]["endpoints"])
        assert sum(sum(c for _, c in e["latency"]["histogram"])
                   for e in merged["summary"]["endpoints"]) == histogram_total
        for i, s in enumerate(shards):
            assert s["shard"]["index"] == i and s["shard"]["count"] == SHARDS
            assert s["shard"]["run_id"] == run_id
        # The rate cap in sum: each shard capped at its share, the merged peak second below the
        # whole cap.
        cap = merged["rate_cap"]
        assert all(abs(s["rate_cap"] - cap / SHARDS) < 1e-9 for s in shards)
        peak = max(merged["summary"]["rate_series"])
        assert peak <= cap * 1.05, f"merged peak {peak}/s above the cap {cap}/s"
        assert merged["rate_capped_waits"] > 0, "the profile asks for more than the cap"
        # The shards started together.
        starts = [s["started_unix_us"] for s in shards]
        spread_ms = (max(starts) - min(starts)) / 1000

        # One process running the whole profile, for comparison.
        single_json = os.path.join(work, "single.json")
        single = subprocess.run(
            [agentwork, "load", os.path.join(profile_dir, "profile.json"), "--target", base,
             "--api-key", key, "--progress", "none", "--report-json", single_json],
            capture_output=True, text=True, timeout=120)
        assert single.returncode == 0, single.stdout + single.stderr
        whole = load_of(single_json)

        print(f"{'':10} {'requests':>9} {'req/s':>8} {'peak/s':>7} {'rate cap':>9} "
              f"{'status p99 ms':>14} {'uncorrected':>12} {'tasks':>6}")
        rows = [(f"shard {i}", s) for i, s in enumerate(shards)]
        for name, r in rows + [("merged", merged), ("single", whole)]:
            print(f"{name:<10} {r['summary']['requests']:>9} "
                  f"{r['summary']['requests_per_s']:>8.1f} {max(r['summary']['rate_series']):>7} "
                  f"{r['rate_cap']:>9.1f} {status_p99(r):>14.2f} "
                  f"{status_p99(r, 'latency_uncorrected'):>12.2f} "
                  f"{r['summary']['tasks_created']:>6}")
        print(f"the shards' measured phases start within {spread_ms:.1f} ms (--start-at)")
        assert spread_ms < 500, f"shards started {spread_ms} ms apart"
        print("kubernetes manifests: checked; Indexed Job simulated with", SHARDS,
              "local processes (not run on a cluster)")
    finally:
        if mock is not None:
            mock.terminate()
            mock.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


main()
