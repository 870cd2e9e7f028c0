"""Every program path under build/ that the README, docs, CI templates, ci/ and bench/ scripts
name (build/harness/agentwork, build/mock_server/agentwork-mock, build/bench/..., build/tests/...)
is an executable file in the build tree. Catches a target whose output moved while the text
users copy (and ci/main.sh, the README's main command) kept the old path.
Usage: documented_paths_test.py SOURCE_DIR BUILD_DIR"""
import os
import re
import sys

source, build = sys.argv[1], sys.argv[2]
texts = ["README.md", "bench/README.md", "ci/github/agentwork.yml",
         "ci/gitlab/agentwork.gitlab-ci.yml"]
for folder in ("ci", "bench", "docs"):
    for name in sorted(os.listdir(os.path.join(source, folder))):
        if name.endswith((".sh", ".md")):
            texts.append(os.path.join(folder, name))

# build/<part>/<program>, or ${BUILD_DIR:-build}/..., or $build/... in the scripts.
pattern = re.compile(r'(?:\$\{BUILD_DIR:-build\}|\$build|\bbuild)/'
                     r'((?:harness|mock_server|mcp|bench|tests)/[A-Za-z0-9_./-]*[A-Za-z0-9_-])')
problems, seen = [], 0
for text in dict.fromkeys(texts):
    path = os.path.join(source, text)
    if not os.path.exists(path):
        continue
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            for match in pattern.finditer(line):
                relative = match.group(1)
                if "." in os.path.basename(relative):
                    continue  # a file the program writes (e.g. build/tests/x.json), not a program
                seen += 1
                program = os.path.join(build, relative)
                if not (os.path.isfile(program) and os.access(program, os.X_OK)):
                    problems.append(f"{text}:{number}: names build/{relative}, "
                                    f"which is not an executable in {build}")
for problem in problems:
    print(problem)
print(f"documented program paths: {seen} seen, {len(problems)} missing")
sys.exit(1 if problems or seen == 0 else 0)
