#!/usr/bin/env bash
# --max-connections against the open-file limit (issue 17): the mock raises its soft limit when
# the hard limit allows, and otherwise lowers --max-connections to fit and says so; then a client
# beyond the lowered cap gets 503 instead of hanging, and a normal client is still answered.
# Usage: file_limit_test.sh AGENTWORK_MOCK
set -euo pipefail
mock=$1
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL $pid 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/err*; do echo "--- $f"; cat "$f"; done; exit 1; }

# 1. A soft limit of 256 under a higher hard limit: raised for the default 10,000.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 10064 ]; then
  (ulimit -Sn 256; exec "$mock" --port 0 --port-file "$work/port1" >/dev/null 2>"$work/err1") &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/port1" ] && break; sleep 0.05; done
  grep -q "raised the open-file limit from 256 to 10064 for --max-connections 10000" "$work/err1" ||
    fail "the soft limit was not raised"
  kill -TERM $pid; wait $pid || true; pid=
else
  echo "hard open-file limit $hard: the raise case is not checked here"
fi

# 2. A hard limit of 200: --max-connections 10000 lowered to 136, and connection 137 gets 503.
(ulimit -n 200; exec "$mock" --port 0 --port-file "$work/port2" >/dev/null 2>"$work/err2") &
pid=$!
for _ in $(seq 200); do [ -s "$work/port2" ] && break; sleep 0.05; done
[ -s "$work/port2" ] || fail "the mock did not start"
grep -q -- "--max-connections 10000 lowered to 136: the open-file limit is 200 (hard 200); connections beyond it get 503" \
  "$work/err2" || fail "the lowered setting is not said"
port=$(cat "$work/port2")
python3 - "$port" <<'PY' || fail "the connections beyond the cap"
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(136):  # fill the cap with idle keep-alive connections (idle < 1 s: not evicted)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(4096)
    held.append(s)
extra = socket.create_connection(("127.0.0.1", port), timeout=5)
extra.sendall(b"GET /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\n\r\n")
answer = extra.recv(4096).decode(errors="replace")
assert answer.startswith("HTTP/1.1 503"), f"beyond the cap: {answer[:80]!r}"
for s in held[:10]:
    s.close()
time.sleep(0.3)
ok = socket.create_connection(("127.0.0.1", port), timeout=5)
ok.sendall(b"GET /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\n\r\n")
answer = ok.recv(4096).decode(errors="replace")
assert answer.startswith("HTTP/1.1 401"), f"after some closed: {answer[:80]!r}"
print("136 held, the 137th answered 503, one after some closed was served (401 without a key)")
PY
kill -TERM $pid
wait $pid || fail "the mock did not exit 0 on SIGTERM"
pid=
echo "file limit: ok"
