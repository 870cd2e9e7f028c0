#!/usr/bin/env python3
"""The shape of the code: largest files and functions, and the include graph between parts.

  python3 ci/house.py [ROOT]           prints the figures
  python3 ci/house.py --check [ROOT]   exits 1 when an include breaks the layout's rules:
                                       a cycle between parts, an arrow the layout forbids

A part is a folder with one job (docs/architecture.md): common, mock_server, reports, and each
harness/<part>. Functions are found with Universal Ctags (kind f: definitions).
"""
import collections
import os
import re
import subprocess
import sys

SOURCE_ROOTS = ("common/", "mock_server/", "harness/", "reports/", "mcp/")
# What each part may include besides itself (the layout of docs/architecture.md).
ALLOWED = {
    "common": set(),
    "mock_server": {"common"},
    "harness/checks": {"common"},
    "harness/net": {"common"},
    "harness/result": {"common", "harness/checks"},
    "harness/runner": {"common", "harness/checks", "harness/net", "harness/result"},
    "harness/load": {"common", "harness/checks", "harness/net", "harness/result",
                     "harness/runner"},
    "reports": {"common", "harness/checks", "harness/result", "harness/load"},
    "mcp": {"common", "harness/net"},
    "harness/cli": {"common", "harness/checks", "harness/net", "harness/result",
                    "harness/runner", "harness/load", "reports", "mock_server", "mcp"},
}
# The one place of the harness that starts the in-process mock (and `agentwork mock`).
MOCK_STARTER = "harness/cli/target.cpp"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def part_of(path):
    if path.startswith("harness/"):
        parts = path.split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else "harness"
    return path.split("/")[0]


def sources(root):
    out = subprocess.check_output(["git", "-C", root, "ls-files"], text=True).split()
    return [p for p in out if p.startswith(SOURCE_ROOTS) and p.endswith((".cpp", ".hpp"))]


def lines_of(root, path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read().count("\n")


def functions(root, files):
    """(lines, 'file:line name') of every function definition."""
    cmd = ["ctags", "--languages=C++", "--kinds-C++=f", "--fields=+ne", "-o", "-"]
    text = subprocess.check_output(cmd + files, cwd=root, text=True)
    out = []
    for row in text.splitlines():
        cols = row.split("\t")
        fields = dict(c.split(":", 1) for c in cols[3:] if ":" in c)
        if "line" in fields and "end" in fields:
            scope = fields.get("class", fields.get("struct", "")).split("::")[-1]
            name = (scope + "::" if scope else "") + cols[0]
            n = int(fields["end"]) - int(fields["line"]) + 1
            out.append((n, f"{cols[1]}:{fields['line']} {name}"))
    return sorted(out, reverse=True)


def include_graph(root, files):
    edges = collections.Counter()
    starters = collections.defaultdict(list)
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8") as src:
            for inc in INCLUDE.findall(src.read()):
                a, b = part_of(f), part_of(inc)
                if a != b and inc.startswith(SOURCE_ROOTS):
                    edges[(a, b)] += 1
                    if a.startswith("harness") and b == "mock_server":
                        starters[f].append(inc)
    return edges, starters


def cycles(edges):
    graph = collections.defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    found, state = [], {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = args[0] if args else "."
    files = sources(root)
    edges, starters = include_graph(root, files)
    problems = []
    for cyc in cycles(edges):
        problems.append("cycle: " + " -> ".join(cyc))
    for (a, b), n in sorted(edges.items()):
        if a in ALLOWED and b not in ALLOWED[a]:
            problems.append(f"{a} includes {b} ({n} includes): not allowed by the layout")
    for f, incs in sorted(starters.items()):
        if f != MOCK_STARTER:
            problems.append(f"{f} includes {', '.join(incs)}: only {MOCK_STARTER} may")
    if check:
        for p in problems:
            print("house:", p)
        print(f"house: {len(files)} files, {len(edges)} arrows between parts, "
              f"{len(problems)} problems")
        return 1 if problems else 0

    sizes = sorted(((lines_of(root, f), f) for f in files), reverse=True)
    print("## Largest files (lines)")
    for n, f in sizes[:10]:
        print(f"{n:6}  {f}")
    print(f"files over 600 lines: {sum(1 for n, _ in sizes if n > 600)} of {len(sizes)}")
    funcs = functions(root, files)
    print("\n## Largest functions (lines)")
    for n, f in funcs[:12]:
        print(f"{n:6}  {f}")
    print(f"functions over 60 lines: {sum(1 for n, _ in funcs if n > 60)} of {len(funcs)}")
    print("\n## Includes between parts (count)")
    for (a, b), n in sorted(edges.items()):
        print(f"  {a:16} -> {b:16} {n:4}")
    print("\n## Layout problems")
    for p in problems or ["none"]:
        print("  " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
