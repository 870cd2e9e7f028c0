"""The CI templates users copy (ci/github/agentwork.yml, ci/gitlab/agentwork.gitlab-ci.yml):
they parse as YAML, every agentwork command in them uses only subcommands and flags that
`agentwork SUB --help` lists and files that exist, and the mock conformance job's command runs
and writes every report it names.
Usage: ci_templates_test.py AGENTWORK SOURCE_DIR"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

agentwork, source = sys.argv[1], sys.argv[2]
templates = ["ci/github/agentwork.yml", "ci/gitlab/agentwork.gitlab-ci.yml"]
# The variants that install the released package instead of building: `agentwork` on PATH.
package_templates = ["ci/github/agentwork-package.yml", "ci/gitlab/agentwork-package.gitlab-ci.yml"]


def scripts(node):
    """Every shell text in a workflow or pipeline: `run:` values and `script:` items."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in ("script", "before_script") and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from scripts(item)


def commands(text, installed=False):
    """The agentwork command lines of a shell text, continuation lines joined; with installed,
    the ones of the packaged `agentwork` (as build/harness/agentwork, so that one check fits)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    for line in joined.splitlines():
        line = line.strip().rstrip(";")
        if installed:
            if line.startswith("agentwork "):
                yield "build/harness/" + line
            continue
        at = line.find("build/harness/agentwork ")
        if at >= 0:
            yield line[at:]


helps = {}


def help_of(sub):
    if sub not in helps:
        out = subprocess.run([agentwork, sub, "--help"], capture_output=True, text=True)
        assert out.returncode == 0, f"agentwork {sub} --help failed: {out.stderr}"
        helps[sub] = out.stdout
    return helps[sub]


checked = 0
mock_jobs = []
for template in templates + package_templates:
    installed = template in package_templates
    with open(os.path.join(source, template), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict), f"{template}: not a mapping"
    for text in scripts(doc):
        for command in commands(text, installed):
            words = shlex.split(command)
            sub = words[1]
            if sub == "--version":
                checked += 1
                continue
            listed = help_of(sub)
            for word in words[2:]:
                if word.startswith("--"):
                    flag = word.split("=")[0]
                    assert re.search(r"(^|[ ,])" + re.escape(flag) + r"([ =]|$)", listed, re.M), \
                        f"{template}: agentwork {sub} has no {flag}"
                elif word.startswith("scenarios/"):
                    assert os.path.exists(os.path.join(source, word)), \
                        f"{template}: {word} does not exist"
            checked += 1
            if sub == "run" and "--target mock" in command and not installed:
                mock_jobs.append((template, words))
assert checked >= 14, f"only {checked} agentwork commands found"
assert len(mock_jobs) == 2, f"expected one mock conformance job per template, got {len(mock_jobs)}"

# Each template's mock job, as written, from the source directory (results/ in a temporary one).
for template, words in mock_jobs:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [agentwork] + [os.path.join(tmp, w) if w.startswith("results/") else w
                              for w in words[1:]]
        out = subprocess.run(argv, cwd=source, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"{template}: the mock job failed ({out.returncode}):\n" \
                                    f"{out.stdout[-3000:]}{out.stderr[-3000:]}"
        for name in ("run.json", "junit.xml", "summary.md", "metrics.prom"):
            path = os.path.join(tmp, "results", name)
            assert os.path.getsize(path) > 0, f"{template}: {name} not written"
print(f"{checked} agentwork commands checked; {len(mock_jobs)} mock jobs ran: OK")
