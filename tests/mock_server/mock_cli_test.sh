#!/usr/bin/env bash
# The agentwork-mock executable end to end: starts on port 0, serves, reports its port, logs one
# line per request with --log requests, and exits 0 on SIGTERM after finishing.
set -euo pipefail
mock=$1
# Documented exit codes: 2 for bad arguments and bad files, 1 when it cannot start.
rc=0; "$mock" --no-such-flag >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || { echo "--no-such-flag exited $rc, expected 2"; exit 1; }
rc=0; "$mock" --faults /nonexistent.json >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || { echo "--faults of a missing file exited $rc, expected 2"; exit 1; }
work=$(mktemp -d)
trap 'kill -KILL $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$mock" --port 0 --port-file "$work/port" --control --log requests >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "no port file"; cat "$work/err"; exit 1; }
port=$(cat "$work/port")
grep -q "listening on http://127.0.0.1:$port" "$work/out" || { echo "no banner"; cat "$work/out"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_mock/health")
[ "$code" = 200 ] || { echo "health answered $code"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/tasks/")
[ "$code" = 401 ] || { echo "unauthenticated list answered $code"; exit 1; }
# A second mock on the same port cannot start: exit code 1 with the port named.
rc=0; "$mock" --port "$port" >"$work/second" 2>&1 || rc=$?
[ $rc = 1 ] || { echo "second mock on port $port exited $rc, expected 1"; exit 1; }
grep -q "cannot listen on 127.0.0.1:$port" "$work/second" || { cat "$work/second"; exit 1; }
kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then echo "still running 5 s after SIGTERM"; exit 1; fi
wait $pid && rc=0 || rc=$?
[ $rc = 0 ] || { echo "exit code $rc after SIGTERM"; cat "$work/err"; exit 1; }
grep -q "stopped" "$work/out" || { echo "no stop message"; exit 1; }
lines=$(grep -c ' /_mock/health 200\| /api/v1/tasks/ 401' "$work/err" || true)
[ "$lines" = 2 ] || { echo "expected 2 request log lines, got:"; cat "$work/err"; exit 1; }
echo "agentwork-mock: start, serve, log and SIGTERM all fine"
