#!/usr/bin/env python3
"""A hostile Agentwork deployment, for hostile_target_test.sh.

It answers like a plausible deployment for as long as the harness needs to get a key and create
a task (the probe, POST /api/v1/auth/register, POST /api/v1/tasks/, and POST .../cancel for the
cleanup), and turns hostile on the status poll, GET /api/v1/tasks/{id}, in one MODE:

  endless-headers  a status line, then header lines forever, one every --pace seconds
  endless-chunked  200 with Transfer-Encoding: chunked, 64 KiB chunks forever, as fast as read
  huge-length      200 with Content-Length: 1073741824, then the body as fast as it is read
  redirect-loop    307 to the same URL, forever
  many-headers     200 with 10,000 headers, then a small valid body
  stalled-tls      the whole target: a TCP listener that accepts and never says a word (the
                   harness is given https://), so no TLS handshake ever completes

Every request seen is appended to --log as "METHOD PATH" (and "created TASK_ID" for a created
task); the bound port is written to --port-file. Python 3 standard library only.

Usage: hostile_target.py MODE --port-file F --log F [--pace S]
"""
import argparse
import json
import os
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ["endless-headers", "endless-chunked", "huge-length", "redirect-loop", "many-headers",
         "stalled-tls"]
STATUS_PREFIX = "/api/v1/tasks/"


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.path = path

    def write(self, line):
        with self.lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000Z"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile-agentwork/1"

    def log_message(self, format, *args):  # quiet: the log file is the record
        pass

    # --- plain answers -----------------------------------------------------------------------
    def answer(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def authorized(self):
        return (self.headers.get("Authorization") or "").startswith("Bearer aw_live_")

    # --- routes ------------------------------------------------------------------------------
    def do_GET(self):
        self.server.log.write("GET " + self.path)
        path = self.path.split("?", 1)[0]
        task_id = path[len(STATUS_PREFIX):] if path.startswith(STATUS_PREFIX) else ""
        if task_id and "/" not in task_id:
            if not self.authorized():
                return self.answer(401, {"detail": "Not authenticated"})
            return self.hostile(task_id)
        self.answer(404, {"detail": "Not Found"})

    def do_POST(self):
        self.server.log.write("POST " + self.path)
        body = self.read_body()
        path = self.path.split("?", 1)[0]
        if path == "/api/v1/auth/register":
            key = "aw_live_" + uuid.uuid4().hex
            return self.answer(201, {
                "api_key": key, "key_prefix": key[:16], "organization_id": str(uuid.uuid4()),
                "organization_short_id": "HSTLE", "user_id": str(uuid.uuid4())})
        if not self.authorized():
            return self.answer(401, {"detail": "Not authenticated"})
        if path in ("/api/v1/tasks/", "/api/v1/tasks"):
            try:
                json.loads(body or b"null")
            except ValueError:
                return self.answer(422, {"detail": "invalid JSON"})
            task_id = str(uuid.uuid4())
            self.server.log.write("created " + task_id)
            return self.answer(201, {"task_id": task_id, "status": "processing"})
        if path.startswith(STATUS_PREFIX) and path.endswith("/cancel"):
            task_id = path[len(STATUS_PREFIX):-len("/cancel")]
            return self.answer(200, {"task_id": task_id, "status": "cancelled"})
        self.answer(404, {"detail": "Not Found"})

    # --- the hostile status poll -------------------------------------------------------------
    def hostile(self, task_id):
        mode, pace = self.server.mode, self.server.pace
        self.close_connection = True
        out = self.wfile
        try:
            if mode == "endless-headers":
                out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                n = 0
                while True:
                    n += 1
                    out.write(b"X-Endless-%d: %s\r\n" % (n, b"y" * 40))
                    out.flush()
                    if pace:
                        time.sleep(pace)
            elif mode == "endless-chunked":
                out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
                while True:
                    out.write(chunk)
                    if pace:
                        out.flush()
                        time.sleep(pace)
            elif mode == "huge-length":
                out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1073741824\r\n\r\n")
                block = b" " * 65536
                for _ in range(1073741824 // len(block)):
                    out.write(block)
                    if pace:
                        out.flush()
                        time.sleep(pace)
            elif mode == "redirect-loop":
                self.send_response(307)
                self.send_header("Location", self.path)  # itself, forever
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "many-headers":
                body = json.dumps({"task_id": task_id, "status": "processing",
                                   "last_activity_at": now_iso()}).encode()
                head = [b"HTTP/1.1 200 OK", b"Content-Type: application/json",
                        b"Content-Length: %d" % len(body)]
                head += [b"X-Many-%05d: v" % i for i in range(10000)]
                out.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            out.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the harness hung up: what it should do


def stalled_tls(args):
    """Accepts connections and reads what comes (a ClientHello) without ever answering."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    log = Log(args.log)
    write_port(args.port_file, listener.getsockname()[1])

    def hold(conn):
        with conn:
            try:
                while conn.recv(4096):
                    pass
            except OSError:
                pass

    while True:
        conn, _ = listener.accept()
        log.write("ACCEPT tls-stall")
        threading.Thread(target=hold, args=(conn,), daemon=True).start()


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)  # the reader never sees a half-written file


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=MODES)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--pace", type=float, default=0.0,
                   help="seconds between hostile writes (0: as fast as the harness reads)")
    args = p.parse_args()
    open(args.log, "a").close()
    if args.mode == "stalled-tls":
        return stalled_tls(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.mode, server.pace, server.log = args.mode, args.pace, Log(args.log)
    write_port(args.port_file, server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
