#!/usr/bin/env bash
# The agentwork-mock executable end to end: starts on port 0, serves, reports its port, logs one
# line per request with --log requests, and exits 0 on SIGTERM after finishing.
set -euo pipefail
mock=$1
data=$2
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

# Start-up files: fault rules, password users, a default script and a named one.
"$mock" --port 0 --port-file "$work/port2" --faults "$data/good/faults.json" \
  --users-file "$data/good/users.json" --user "flag@example.com:pw" \
  --script "$data/good/quick-script.json" --named-script "quick=$data/good/quick-script.json" \
  >/dev/null 2>"$work/err2" &
pid=$!
for _ in $(seq 200); do [ -s "$work/port2" ] && break; sleep 0.05; done
api="http://127.0.0.1:$(cat "$work/port2")/api/v1"
key=$(curl -sS -X POST "$api/auth/api-key" -H 'Content-Type: application/json' \
  -d '{"email":"ci@example.com","password":"from-file"}' | jq -r .api_key)
[[ $key == aw_live_* ]] || { echo "--users-file account did not get a key"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/auth/api-key" \
  -H 'Content-Type: application/json' -d '{"email":"flag@example.com","password":"pw"}')
[ "$code" = 201 ] || { echo "--user account answered $code"; exit 1; }
headers=$(curl -sS -D - -o /dev/null "$api/tasks/" -H "Authorization: Bearer $key")
grep -q "^HTTP/1.1 503" <<<"$headers" || { echo "fault rule not applied: $headers"; exit 1; }
grep -qi "^retry-after: 3" <<<"$headers" || { echo "no Retry-After: $headers"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$api/tasks/" -H "Authorization: Bearer $key")
[ "$code" = 200 ] || { echo "fault rule with count 1 fired again: $code"; exit 1; }
id=$(curl -sS -X POST "$api/tasks/" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"title":"t","description":"d"}' | jq -r .task_id)
content=$(curl -sS "$api/tasks/$id" -H "Authorization: Bearer $key" | jq -r .solution.content)
[ "$content" = "quick solution" ] || { echo "--script not used: $content"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/tasks/" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"title":"t","description":"d","mock_script":"quick"}')
[ "$code" = 201 ] || { echo "--named-script not found: $code"; exit 1; }
kill -TERM $pid
wait $pid || { echo "second mock did not exit 0"; exit 1; }

# The deployment-like mode: --help shows it; what a deployment cannot do is refused (exit 2,
# saying why); started, it has no control API and answers like a deployment.
help=$("$mock" --help)
grep -q -- "--deployment-like" <<<"$help" || { echo "--help lacks --deployment-like"; exit 1; }
grep -q -- "--stall-rate R" <<<"$help" || { echo "--help lacks --stall-rate"; exit 1; }
refused() {  # expected message, then the arguments
  local expected=$1; shift
  local rc=0
  "$mock" "$@" >"$work/refused" 2>&1 || rc=$?
  [ $rc = 2 ] || { echo "$* exited $rc, expected 2"; cat "$work/refused"; exit 1; }
  grep -qF -- "$expected" "$work/refused" || {
    echo "$*: expected \"$expected\", got:"; cat "$work/refused"; exit 1; }
}
refused "--stall-rate 0.2 needs --deployment-like" --stall-rate 0.2
refused "--stall-rate 1.5: expected a probability from 0 to 1" --deployment-like --stall-rate 1.5
refused "--stall-rate -0.1: expected a probability from 0 to 1" --deployment-like --stall-rate=-0.1
refused "--deployment-like excludes --control: a deployment has no control API" \
  --deployment-like --control
refused "--deployment-like excludes --frozen-clock" --deployment-like --frozen-clock
refused "--deployment-like excludes --script: a deployment runs its own agents, not scripts" \
  --deployment-like --script "$data/good/quick-script.json"
refused "--deployment-like excludes --named-script" \
  --deployment-like --named-script "quick=$data/good/quick-script.json"

"$mock" --port 0 --port-file "$work/port3" --deployment-like --stall-rate 0.5 \
  >"$work/out3" 2>"$work/err3" &
pid=$!
for _ in $(seq 200); do [ -s "$work/port3" ] && break; sleep 0.05; done
[ -s "$work/port3" ] || { echo "deployment-like mock wrote no port file"; cat "$work/err3"; exit 1; }
base="http://127.0.0.1:$(cat "$work/port3")"
grep -q "deployment-like, stall rate 0.5" "$work/out3" || { cat "$work/out3"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/_mock/clock")
[ "$code" = 404 ] || { echo "deployment-like /_mock/clock answered $code"; exit 1; }
code=$(curl -s -o "$work/reg" -w '%{http_code}' -X POST "$base/api/v1/auth/register" \
  -H 'Content-Type: application/json' -d '{"email":"live@example.com","name":"Live"}')
[ "$code" = 201 ] || { echo "deployment-like register answered $code"; exit 1; }
key=$(jq -r .api_key "$work/reg")
# A mock_script is an unknown field to a deployment: 201, and the task is the fleet's (working).
code=$(curl -s -o "$work/task" -w '%{http_code}' -X POST "$base/api/v1/tasks/" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"title":"t","description":"d","mock_script":{"steps":[{"do":"propose"}]}}')
[ "$code" = 201 ] || { echo "deployment-like create with mock_script answered $code"; exit 1; }
status=$(curl -sS "$base/api/v1/tasks/$(jq -r .task_id "$work/task")" \
  -H "Authorization: Bearer $key" | jq -r .status)
[ "$status" = processing ] || { echo "mock_script was not ignored: $status"; exit 1; }
kill -TERM $pid
wait $pid || { echo "deployment-like mock did not exit 0"; exit 1; }
echo "agentwork-mock: start, serve, log, start-up files, deployment-like mode and SIGTERM all fine"
