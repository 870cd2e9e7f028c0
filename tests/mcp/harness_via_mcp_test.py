#!/usr/bin/env python3
"""The harness speaks MCP (`agentwork run --via mcp`), end to end through the CLI.

  sweep AGENTWORK AGENTWORK_MCP SCENARIOS
      The MCP scenarios pass against the in-process mock through agentwork-mcp, and fail with
      RULE for every `agentwork-mcp --violate RULE` (every section-6 rule); a table is printed.
  reference AGENTWORK NODE SERVER_MJS SCENARIOS
      The same through an independent server written with the official SDK; with PLANT=<defect>
      it fails with the expected rule. Exit 77 (skipped) without node_modules, except under CI.
  robust AGENTWORK SCENARIOS
      Servers that write garbage, die, hang, flood or do not exist give findings and exit 1 in
      bounded time, never a crash or a hang.
  usage AGENTWORK SCENARIOS
      Bad --via / --mcp-command combinations and an unterminated quote exit 2, naming the problem.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

RULES = ["G.mcp.tools", "M.mcp.schemas", "M.mcp.handshake", "M.mcp.jsonrpc", "M.mcp.stdout",
         "M.mcp.is_error", "M.mcp.structured"]


def run(agentwork, scenarios, command, extra=(), env=None, timeout=300):
    """Runs agentwork run --via mcp; returns (exit code, result JSON, stdout+stderr, seconds)."""
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "run.json")
        args = [agentwork, "run", *scenarios, "--target", "mock", "--seed", "3", "--via", "mcp",
                "--mcp-command", command, "--report-json", report, "--color", "never", *extra]
        began = time.monotonic()
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, **(env or {})})
        took = time.monotonic() - began
        result = None
        if os.path.exists(report):
            with open(report, encoding="utf-8") as f:
                result = json.load(f)
        return p.returncode, result, p.stdout + p.stderr, took


def failed_rules(result):
    return sorted({f["rule_id"] for s in (result or {}).get("scenarios", [])
                   for f in s["findings"] if f["severity"] == "failure"})


def check_clean(agentwork, scenarios, command, env=None):
    code, result, out, took = run(agentwork, scenarios, command, env=env)
    if code != 0:
        print(out)
        raise SystemExit(f"FAIL: the clean server should pass (exit {code}): {failed_rules(result)}")
    for s in result["scenarios"]:
        assert s.get("transport") == "mcp", s["name"]
        vias = [step.get("via", "") for step in s["steps"]]
        assert "mcp" in vias, (s["name"], vias)
        for step in s["steps"]:
            if "rest" in step.get("via", ""):
                assert step.get("reason"), (s["name"], step)
    assert "through tools" in out, out
    print(f"clean: passed in {took:.1f} s; " + [l for l in out.splitlines() if "via mcp:" in l][0])
    return result


def check_reports(agentwork, scenarios, command):
    """JUnit (suite properties, [via ...] in the transcript) and HTML (the REST steps' reasons)."""
    with tempfile.TemporaryDirectory() as d:
        junit, html = os.path.join(d, "r.xml"), os.path.join(d, "r.html")
        code, _, out, _ = run(agentwork, [os.path.join(scenarios, "01-mcp-lifecycle.json")],
                              command, extra=["--junit", junit, "--html", html])
        assert code == 0, out
        with open(junit, encoding="utf-8") as f:
            xml = f.read()
        with open(html, encoding="utf-8") as f:
            page = f.read()
    assert '<property name="transport" value="mcp"/>' in xml, xml[:2000]
    assert '<property name="steps_via" value="tools ' in xml, xml[:2000]
    assert "[via mcp]" in xml and "[rest: no tool lists tasks]" in xml, xml
    assert 'id="via"' in page and "the mock&apos;s agent script has no tool parameter" in page
    print("reports: JUnit properties and transcript, HTML section")


def sweep(agentwork, mcp_exe, scenarios):
    check_clean(agentwork, [scenarios], mcp_exe)
    check_reports(agentwork, scenarios, mcp_exe)
    missed = []
    print(f"{'VIOLATED RULE':<22} {'CAUGHT':<7} ALSO FAILED")
    for rule in RULES:
        code, result, out, _ = run(agentwork, [scenarios], f"{mcp_exe} --violate {rule}")
        rules = failed_rules(result)
        caught = code == 1 and rule in rules
        print(f"{rule:<22} {'yes' if caught else 'NO':<7} "
              f"{', '.join(r for r in rules if r != rule) or '-'}")
        if not caught:
            missed.append(rule)
            print(out[-3000:])
    print(f"{len(RULES) - len(missed)} of {len(RULES)} violated MCP rules caught")
    if missed:
        raise SystemExit(f"FAIL: not caught: {missed}")


def reference(agentwork, node, server, scenarios):
    modules = os.path.join(os.path.dirname(server), "node_modules", "@modelcontextprotocol")
    if not os.path.isdir(modules):
        why = "@modelcontextprotocol/sdk is not installed (run ci/npm-deps.sh)"
        if os.environ.get("CI"):
            raise SystemExit("FAIL: " + why)
        print("SKIPPED: " + why)
        raise SystemExit(77)
    command = f"{node} {server}"
    check_clean(agentwork, [scenarios], command)
    for plant, rule in [("drop_is_error", "M.mcp.is_error"), ("missing_tool", "G.mcp.tools"),
                        ("banner", "M.mcp.stdout")]:
        code, result, out, _ = run(agentwork, [scenarios], command, env={"PLANT": plant})
        rules = failed_rules(result)
        print(f"PLANT={plant}: exit {code}, failed {rules}")
        if code != 1 or rule not in rules:
            print(out[-3000:])
            raise SystemExit(f"FAIL: PLANT={plant} should fail with {rule}")
    # A server that dies mid-run is restarted once and the read repeated: S.mcp.process names
    # the restart and the server's stderr, and nothing fails on the wire.
    with tempfile.TemporaryDirectory() as d:
        env = {"PLANT": "die_once", "PLANT_MARK": os.path.join(d, "mark")}
        code, result, out, _ = run(agentwork, [scenarios], command, env=env)
    rules = failed_rules(result)
    details = " ".join(f["detail"] for s in result["scenarios"] for f in s["findings"])
    print(f"PLANT=die_once: exit {code}, failed {rules}")
    if code != 1 or rules != ["S.mcp.process"] or "restarted" not in details \
            or "dying on purpose" not in details:
        print(out[-3000:])
        raise SystemExit("FAIL: PLANT=die_once should be one S.mcp.process (restarted)")


ROBUST = [
    # (name, server command, rules one of which must fail)
    ("garbage", "python3 -c \"import sys\nfor l in sys.stdin: print('not json', flush=True)\"",
     {"M.mcp.stdout"}),
    ("dies", "python3 -c \"import sys; sys.stderr.write('boom: no config\\n'); sys.exit(3)\"",
     {"S.mcp.process"}),
    ("hangs", "sleep 600", {"S.mcp.process"}),
    ("floods", "python3 -c \"import sys; sys.stdout.write('x' * 20000000)\"", {"S.mcp.process"}),
    ("missing", "/nonexistent/agentwork-mcp-server", {"S.mcp.process"}),
]


def robust(agentwork, scenarios):
    scenario = [os.path.join(scenarios, "01-mcp-lifecycle.json")]
    for name, command, expected in ROBUST:
        code, result, out, took = run(agentwork, scenario, command, extra=["--mcp-timeout", "2"],
                                      timeout=120)
        rules = failed_rules(result)
        print(f"{name}: exit {code} in {took:.1f} s, failed {rules}")
        if code != 1 or not expected & set(rules) or took > 60:
            print(out[-3000:])
            raise SystemExit(f"FAIL: server that {name}: expected exit 1 with {expected}")
    # The server's stderr is in the finding.
    _, result, _, _ = run(agentwork, scenario, ROBUST[1][1], extra=["--mcp-timeout", "2"])
    details = " ".join(f["detail"] for s in result["scenarios"] for f in s["findings"])
    assert "boom: no config" in details, details


def usage(agentwork, scenarios):
    cases = [
        (["--via", "mcp"], "needs the MCP server's command"),
        (["--via", "mcp", "--mcp-command", "server 'unterminated"], "unterminated single quote"),
        (["--via", "mcp", "--mcp-command", "server \"x"], "unterminated double quote"),
        (["--mcp-command", "agentwork-mcp"], "--mcp-command needs --via mcp"),
        (["--via", "grpc"], "--via"),
    ]
    for extra, message in cases:
        p = subprocess.run([agentwork, "run", scenarios, "--target", "mock", *extra],
                           capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 2 or message not in p.stderr:
            raise SystemExit(f"FAIL: {extra}: exit {p.returncode}, stderr {p.stderr!r}")
    print(f"usage: {len(cases)} bad command lines exit 2")


def main():
    mode, *args = sys.argv[1:]
    {"sweep": sweep, "reference": reference, "robust": robust, "usage": usage}[mode](*args)
    print("ok")


if __name__ == "__main__":
    main()
