#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed-*) from the
project's own inputs: the scenarios and load profiles, the test data, result files, and
hand-written requests and answers that reach each endpoint. Deterministic; the seeds are
committed. Inputs a fuzzer found a fault with are committed next to them as crash-* files (by
hand, never by this script), so that fuzz_regression.<target> replays them in every test run.

Usage: python3 tests/fuzz/make_seeds.py [RESULTS_DIR]
RESULTS_DIR holds run result files (agentwork run/load --report-json) for result_files' seeds.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / ("seed-" + name)).write_bytes(data)


def http_requests():
    def req(method, target, body=None, key=True, extra=""):
        head = f"{method} {target} HTTP/1.1\r\nHost: mock.test\r\n"
        if key:
            head += "Authorization: Bearer @K\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body.encode())}\r\n"
        return head + extra + "\r\n" + (body or "")

    seeds = {
        "register": req("POST", "/api/v1/auth/register",
                        '{"email":"a@example.com","name":"A"}', key=False),
        "create": req("POST", "/api/v1/tasks/", '{"title":"t","description":"d"}'),
        "status": req("GET", "/api/v1/tasks/@T"),
        "list": req("GET", "/api/v1/tasks/"),
        "events": req("GET", "/api/v1/tasks/@T/events"),
        "answers": req("POST", "/api/v1/tasks/@T/message",
                       '{"answers":[{"question_index":0,"selected":"x"},'
                       '{"question_index":1,"selected":"A"},'
                       '{"question_index":2,"selected":["X","Z"]}]}'),
        "message": req("POST", "/api/v1/tasks/@M/message", '{"content":"yes"}'),
        "confirm": req("POST", "/api/v1/tasks/@P/solution-status", '{"status":"CONFIRMED"}')
        + req("GET", "/api/v1/tasks/@P/result"),
        "reject": req("POST", "/api/v1/tasks/@P/solution-status",
                      '{"status":"REJECTED","rejection_reason":"no"}'),
        "cancel": req("POST", "/api/v1/tasks/@T/cancel"),
        "head": req("HEAD", "/api/v1/tasks/@T"),
        "absolute-form": req("GET", "http://mock.test/api/v1/tasks/@T"),
        "no-key": req("GET", "/api/v1/tasks/@T", key=False),
        "chunked": "POST /api/v1/tasks/ HTTP/1.1\r\nHost: mock.test\r\nAuthorization: Bearer @K\r\n"
        "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        "10\r\n{\"title\":\"t\",\"de\r\n13\r\nscription\":\"d\"}   \r\n0\r\n\r\n",
        "expect-continue": req("POST", "/api/v1/tasks/", '{"title":"t","description":"d"}',
                               extra="Expect: 100-continue\r\n"),
        "http10": "GET /api/v1/tasks/ HTTP/1.0\r\nAuthorization: Bearer @K\r\n\r\n",
        "pipelined": req("GET", "/api/v1/tasks/@T") + req("GET", "/api/v1/tasks/@M")
        + req("GET", "/api/v1/tasks/@P/events"),
        "connection-close": req("GET", "/api/v1/tasks/@T", extra="Connection: close\r\n"),
        "bad-host": "GET /api/v1/tasks/ HTTP/1.1\r\nHost: a\"b\r\nAuthorization: Bearer @K\r\n\r\n",
        "control-faults": req("POST", "/_mock/faults",
                              '{"match":{"route":"/api/v1/tasks/{id}"},"action":"status",'
                              '"status":503,"retry_after":1}', key=False)
        + req("GET", "/api/v1/tasks/@T"),
        "control-script": req("PUT", "/_mock/scripts/s",
                              '{"steps":[{"do":"work","seconds":1},{"do":"propose","content":"P"}]}',
                              key=False)
        + req("POST", "/api/v1/tasks/", '{"title":"t","description":"d","mock_script":"s"}'),
        "control-clock": req("POST", "/_mock/clock", '{"action":"advance","seconds":30}', key=False)
        + req("GET", "/_mock/tasks/@T", key=False),
        "garbage": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03GET / HTTP/1.1\r\n\r\n",
    }
    for name, data in seeds.items():
        write("http_request", name, data)


ENDPOINTS = ["register", "api_key", "create", "answer", "message", "solution", "cancel-p",
             "script", "faults", "clock", "users", "cancel-m", "reset", "solution-t"]


def api_bodies():
    bodies = {
        "register": ['{"email":"b@example.com","name":"B","organization_name":"Org"}',
                     '{"email":"fuzz@example.com","name":"again"}'],
        "api_key": ['{"email":"fuzz@example.com","password":"pw","key_name":"k"}'],
        "create": ['{"title":"t","description":"d"}',
                   '{"title":"t","description":"d","mock_script":{"steps":['
                   '{"do":"work","seconds":5,"note":"n"},'
                   '{"do":"ask","questions":[{"type":"multi_select","question":"Q",'
                   '"options":["A","B","C"]}]},'
                   '{"do":"message","content":"M"},'
                   '{"do":"propose","content":"P","result_text":"R",'
                   '"files":[{"name":"a/b.txt","content":"x"}],'
                   '"on_reject":{"revise":1}},'
                   '{"do":"stall"}]}}',
                   '{"title":"t","description":"d","mock_script":{"steps":[{"do":"cancel",'
                   '"reason":"r"}]}}'],
        "answer": ['{"answers":[{"question_index":0,"selected":"x"},'
                   '{"question_index":1,"selected":"B"},'
                   '{"question_index":2,"selected":["X","Y"]}]}',
                   '{"message":"m","answers":[{"question_index":5,"selected":"x"}]}',
                   '{"content":"c"}'],
        "message": ['{"message":"hello"}', '{}'],
        "solution": ['{"status":"CONFIRMED"}', '{"status":"REJECTED","rejection_reason":"r"}',
                     '{"status":"MAYBE"}'],
        "cancel-p": [''],
        "script": ['{"steps":[{"do":"ask","questions":[{"type":"text","question":"Q"}]},'
                   '{"do":"propose","content":"P"}]}'],
        "faults": ['{"match":{"route":"/api/v1/tasks/{id}","method":"GET"},"action":"latency",'
                   '"latency_ms":5}',
                   '{"match":{"route":"/api/v1/tasks/"},"action":"drop","probability":0.5,'
                   '"count":2}'],
        "clock": ['{"action":"advance","seconds":10}', '{"action":"set","to":"2030-01-01T00:00:00"}',
                  '{"action":"freeze"}'],
        "users": ['{"email":"u@example.com","password":"p","name":"U"}'],
        "cancel-m": [''],
        "reset": [''],
        "solution-t": ['{"status":"CONFIRMED"}'],
    }
    for index, name in enumerate(ENDPOINTS):
        for n, body in enumerate(bodies[name]):
            write("api_body", f"{name}-{n}", bytes([index]) + body.encode())


def mock_files():
    good = ROOT / "tests" / "data" / "good"
    bad = ROOT / "tests" / "data" / "bad"
    write("mock_files", "script", b"\x00" + (good / "quick-script.json").read_bytes())
    write("mock_files", "faults", b"\x01" + (good / "faults.json").read_bytes())
    write("mock_files", "users", b"\x02" + (good / "users.json").read_bytes())
    write("mock_files", "script-bad-options", b"\x00" + (bad / "script-bad-options.json").read_bytes())
    write("mock_files", "script-truncated", b"\x00" + (bad / "script-truncated.json").read_bytes())
    write("mock_files", "faults-unknown-action",
          b"\x01" + (bad / "faults-unknown-action.json").read_bytes())
    write("mock_files", "script-comments",
          b'\x00// a comment\n{"name":"n", /* here */ "steps":[{"do":"work","seconds":1}]}')


def harness_files():
    for path in sorted((ROOT / "scenarios").rglob("*.json")):
        relative = path.relative_to(ROOT / "scenarios")
        selector = b"\x01" if relative.parts[0] == "load" else b"\x00"
        write("harness_files", "-".join(relative.parts), selector + path.read_bytes())
    write("harness_files", "scenario-bad-status",
          b"\x00" + (ROOT / "tests" / "data" / "bad" / "scenario-bad-status.json").read_bytes())
    for n, flag in enumerate(["3/8", "0/1", "2026-12-06T05:00:00.5Z", "@1765000800", "+30"]):
        write("harness_files", f"flag-{n}", b"\x02" + flag.encode())


def response_checks():
    task = "770e8400-e29b-41d4-a716-446655440000"
    answers = [
        # endpoint index (common/api.hpp), status index (kStatuses), content-type choice, body
        (0, 1, {"api_key": "aw_live_" + "a" * 40, "key_prefix": "aw_live_aaaaaaaa",
                "organization_id": "550e8400-e29b-41d4-a716-446655440000",
                "organization_short_id": "xK3mP", "user_id": "660e8400-e29b-41d4-a716-446655440000"}),
        (2, 1, {"task_id": task, "status": "processing"}),
        (3, 0, {"tasks": [{"task_id": task, "title": "t", "status": "processing",
                           "created_at": "2026-02-22T14:30:00", "last_activity_at": "2026-02-22T14:30:00"}]}),
        (4, 0, {"task_id": task, "status": "processing", "last_activity_at": "2026-02-22T14:30:00"}),
        (4, 0, {"task_id": task, "status": "awaiting_reply", "last_activity_at": "2026-02-22T14:30:00",
                "question": {"message_id": "880e8400-e29b-41d4-a716-446655440000",
                             "content": json.dumps({"type": "clarifying_questions", "questions": [
                                 {"type": "single_select", "question": "Q", "options": ["A", "B"]}]}),
                             "type": "CLARIFYING_QUESTIONS"}}),
        (4, 0, {"task_id": task, "status": "awaiting_solution_approval",
                "last_activity_at": "2026-02-22T14:30:00",
                "solution": {"message_id": "aa0e8400-e29b-41d4-a716-446655440000", "content": "S"}}),
        (5, 0, {"task_id": task, "status": "processing"}),
        (7, 0, {"task_id": task, "events": [{"timestamp": "2026-02-22T14:30:01", "type": "status",
                                             "content": "Analyzing"}]}),
        (9, 0, {"task_id": task, "status": "completed", "result_text": "R",
                "files": [{"name": "a.txt", "download_url": "http://x/files/a.txt"}]}),
        (4, 9, {"detail": "Task not found"}),
        (4, 7, {"detail": "Invalid API key"}),
    ]
    for n, (endpoint, status, ctype, *rest) in enumerate(
            [(e, s, 0, b) for e, s, b in answers]):
        body = json.dumps(rest[0], separators=(",", ":")).encode()
        write("response_checks", f"answer-{n}", bytes([endpoint, status, ctype]) + body)
    write("response_checks", "html-500", bytes([4, 14, 1]) + b"<html>Bad gateway</html>")


def result_files(results_dir):
    if results_dir is None:
        return
    for path in sorted(pathlib.Path(results_dir).glob("*.json")):
        write("result_files", path.name, path.read_bytes())


def main():
    http_requests()
    api_bodies()
    mock_files()
    harness_files()
    response_checks()
    result_files(sys.argv[1] if len(sys.argv) > 1 else None)


if __name__ == "__main__":
    main()
