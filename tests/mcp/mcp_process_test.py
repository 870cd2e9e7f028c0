#!/usr/bin/env python3
"""agentwork-mcp (and `agentwork mcp-server`) as a process: stdio in, stdout lines checked.

  mcp_process_test.py usage AGENTWORK_MCP
  mcp_process_test.py session AGENTWORK_MCP AGENTWORK_MOCK
  mcp_process_test.py violate AGENTWORK_MCP AGENTWORK_MOCK
  mcp_process_test.py in-process AGENTWORK
"""
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 20  # seconds for one answer


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Server:
    """An MCP server process; every stdout line is kept and must be one JSON-RPC message."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()
        self.next_id = 100

    @staticmethod
    def _pump(stream, q):
        for raw in stream:
            q.put(raw.decode("utf-8", "replace"))
        q.put(None)

    def _drain(self):
        for raw in self.proc.stderr:
            self.stderr.append(raw.decode("utf-8", "replace"))

    def write(self, text):
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def read(self, raw=False):
        try:
            line = self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            fail("no answer within %d s; stderr: %s" % (TIMEOUT, "".join(self.stderr)[-2000:]))
        if line is None:
            fail("stdout closed; stderr: " + "".join(self.stderr)[-2000:])
        if raw:
            return line
        if not line.endswith("\n") or "\n" in line[:-1]:
            fail("not one newline-terminated line: %r" % line[:200])
        try:
            message = json.loads(line)
        except ValueError:
            fail("stdout line is not JSON: %r" % line[:200])
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            fail("stdout line is not JSON-RPC 2.0: %r" % line[:200])
        if ("result" in message) == ("error" in message):
            fail("not exactly one of result and error: %r" % line[:200])
        return message

    def request(self, method, params=None, id_=None):
        if id_ is None:
            self.next_id += 1
            id_ = self.next_id
        message = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            message["params"] = params
        self.write(json.dumps(message))
        answer = self.read()
        if answer.get("id") != id_ or type(answer.get("id")) is not type(id_):
            fail("id %r answered as %r" % (id_, answer.get("id")))
        return answer

    def silent(self, text):
        """Sends a line that must get no answer: the next answer is the ping's."""
        self.write(text)
        self.request("ping")

    def call(self, tool, arguments):
        answer = self.request("tools/call", {"name": tool, "arguments": arguments})
        if "result" not in answer:
            fail("%s: expected a result, got %r" % (tool, answer))
        return answer["result"]

    def close(self):
        self.proc.stdin.close()
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("still running 10 s after stdin closed")
        rest = self.lines.get(timeout=5)
        if rest is not None:
            fail("output after the last answer: %r" % rest[:200])
        if code != 0:
            fail("exit code %d after stdin closed" % code)


def expect_error(answer, code, what):
    if answer.get("error", {}).get("code") != code:
        fail("%s: expected error %d, got %r" % (what, code, answer))
    if "message" not in answer["error"]:
        fail("%s: error without message" % what)


def start_mock(mock, work):
    port_file = os.path.join(work, "port")
    proc = subprocess.Popen([mock, "--port", "0", "--port-file", port_file, "--time-scale", "0.01",
                             "--seed", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, "http://127.0.0.1:" + open(port_file).read().strip()
        time.sleep(0.05)
    proc.kill()
    fail("agentwork-mock wrote no port file")


def env_without_key(base_url=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTWORK_")}
    if base_url:
        env["AGENTWORK_BASE_URL"] = base_url
    return env


def handshake(server):
    answer = server.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                           "clientInfo": {"name": "process-test", "version": "1"}},
                            id_=0)
    result = answer["result"]
    if result["protocolVersion"] != "2025-06-18" or "tools" not in result["capabilities"]:
        fail("initialize: %r" % result)
    server.silent('{"jsonrpc":"2.0","method":"notifications/initialized"}')


def bad_input(server):
    for line, code, why in [("{garbage", -32700, "garbage"), ("[1,2]", -32600, "a batch"),
                            ("42", -32600, "a number"), ('"x"', -32600, "a string")]:
        server.write(line)
        answer = server.read()
        expect_error(answer, code, why)
        if answer["id"] is not None:
            fail("%s: id %r, expected null" % (why, answer["id"]))
    server.silent("")
    server.write("x" * (5 * 1024 * 1024))  # over the 4 MiB limit
    huge = server.read()
    expect_error(huge, -32600, "a 5 MiB line")
    if "longer than" not in huge["error"]["message"]:
        fail("huge line: %r" % huge)
    server.write('{"id":7,"method":"ping"}')
    answer = server.read()
    expect_error(answer, -32600, "no jsonrpc")
    if answer["id"] != 7:
        fail("no jsonrpc: id %r" % answer["id"])
    expect_error(server.request("resources/list"), -32601, "unknown method")
    expect_error(server.request("tools/call", {"name": "agentwork_fly"}), -32602, "unknown tool")
    server.silent('{"jsonrpc":"2.0","method":"notifications/whatever"}')
    server.silent('{"jsonrpc":"2.0","id":55,"result":{}}')


def wait_for(server, task_id, status):
    deadline = time.time() + 30
    while time.time() < deadline:
        result = server.call("agentwork_get_task_status", {"task_id": task_id})
        if result.get("isError"):
            fail("status: %r" % result)
        if result["structuredContent"]["status"] == status:
            return result["structuredContent"]
        time.sleep(0.2)
    fail("task %s never reached %s" % (task_id, status))


def lifecycle(server):
    result = server.call("agentwork_create_task", {"title": "t", "description": "d"})
    if not result.get("isError") or "AGENTWORK_API_KEY" not in result["content"][0]["text"]:
        fail("create without a key: %r" % result)
    wrong = server.call("agentwork_approve_solution", {"task_id": "x", "approved": "yes"})
    if not wrong.get("isError") or '"approved"' not in wrong["content"][0]["text"]:
        fail("wrong argument type: %r" % wrong)
    reg = server.call("agentwork_register", {"email": "mcp-%d@example.com" % os.getpid(),
                                             "name": "MCP Test"})
    if reg.get("isError") or not reg["structuredContent"]["api_key"].startswith("aw_live_"):
        fail("register: %r" % reg)
    created = server.call("agentwork_create_task", {"title": "FizzBuzz", "description": "Rust"})
    task_id = created["structuredContent"]["task_id"]
    if json.loads(created["content"][0]["text"]) != created["structuredContent"]:
        fail("text and structuredContent differ: %r" % created)
    wait_for(server, task_id, "awaiting_reply")
    server.call("agentwork_send_message", {"task_id": task_id, "message": "React, all of them"})
    wait_for(server, task_id, "awaiting_solution_approval")
    server.call("agentwork_approve_solution", {"task_id": task_id, "approved": True})
    wait_for(server, task_id, "completed")
    done = server.call("agentwork_get_task_result", {"task_id": task_id})
    if done.get("isError") or done["structuredContent"]["status"] != "completed":
        fail("result: %r" % done)
    missing = server.call("agentwork_get_task_status", {"task_id": "no-such-task"})
    if not missing.get("isError") or "404" not in missing["content"][0]["text"]:
        fail("unknown task: %r" % missing)


def usage(mcp):
    cases = [([], {}, "AGENTWORK_BASE_URL"),
             (["--base-url", "ftp://host"], {}, "--base-url"),
             ([], {"AGENTWORK_BASE_URL": "not a url"}, "AGENTWORK_BASE_URL"),
             (["--base-url", "http://127.0.0.1:1", "--violate", "G.status.enum"], {},
              "G.status.enum is not an MCP rule"),
             (["--base-url", "http://127.0.0.1:1", "--ca-file", "/nonexistent.pem"], {},
              "--ca-file"),
             (["--no-such-flag"], {}, "--no-such-flag")]
    for args, extra, expected in cases:
        env = env_without_key()
        env.update(extra)
        run = subprocess.run([mcp] + args, env=env, capture_output=True, timeout=10,
                             stdin=subprocess.DEVNULL)
        if run.returncode != 2 or expected not in run.stderr.decode() + run.stdout.decode():
            fail("%r: exit %d, stderr %r (expected 2 and %r)" % (args, run.returncode,
                                                                 run.stderr.decode(), expected))
        if args != ["--no-such-flag"] and run.stdout:
            fail("%r: wrote to stdout: %r" % (args, run.stdout[:200]))
    version = subprocess.run([mcp, "--version"], capture_output=True, timeout=10)
    if version.returncode != 0 or b"0.1.0" not in version.stdout:
        fail("--version: %r" % version)


def session(argv, env):
    server = Server(argv, env)
    handshake(server)
    bad_input(server)
    lifecycle(server)
    server.close()


def violated(mcp, base_url, rule):
    server = Server([mcp, "--violate", rule], env_without_key(base_url))
    try:
        return shows_breach(server, rule)
    finally:
        server.proc.kill()
        server.proc.wait(timeout=10)


def shows_breach(server, rule):
    if rule == "M.mcp.stdout":
        server.write('{"jsonrpc":"2.0","id":1,"method":"ping"}')
        return not server.read(raw=True).startswith("{")
    init = server.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                         "clientInfo": {"name": "t", "version": "1"}}, id_="init")
    if rule == "M.mcp.handshake":
        return init["result"]["protocolVersion"] != "2025-06-18"
    if rule == "M.mcp.jsonrpc":
        server.write('{"jsonrpc":"2.0","id":5,"method":"ping"}')
        return server.read()["id"] != 5
    tools = server.request("tools/list", id_="list")["result"]["tools"]
    if rule == "G.mcp.tools":
        return len(tools) != 8
    if rule == "M.mcp.schemas":
        return "type" not in tools[0]["inputSchema"]
    reg = server.call("agentwork_register", {"email": "v-%s@example.com" % rule, "name": "V"})
    if rule == "M.mcp.structured":
        return list(reg.get("structuredContent", {}).keys()) == ["result"]
    missing = server.call("agentwork_get_task_status", {"task_id": "no-such-task"})
    return rule == "M.mcp.is_error" and not missing.get("isError")


def main():
    mode = sys.argv[1]
    if mode == "usage":
        usage(sys.argv[2])
    elif mode == "in-process":
        session([sys.argv[2], "mcp-server", "--target", "mock", "--time-scale", "0.01",
                 "--seed", "3"], env_without_key())
    else:
        against_mock(mode)
    print("ok")


def against_mock(mode):
    with tempfile.TemporaryDirectory() as work:
        mock, base_url = start_mock(sys.argv[3], work)
        try:
            if mode == "session":
                session([sys.argv[2]], env_without_key(base_url))
            else:
                rules = ["G.mcp.tools", "M.mcp.schemas", "M.mcp.handshake", "M.mcp.jsonrpc",
                         "M.mcp.stdout", "M.mcp.is_error", "M.mcp.structured"]
                for rule in rules:
                    if not violated(sys.argv[2], base_url, rule):
                        fail("--violate %s changed nothing visible" % rule)
        finally:
            mock.terminate()
            mock.wait(timeout=10)


if __name__ == "__main__":
    main()
