#!/usr/bin/env bash
# The live negative and fuzz scenarios against a deployment whose request handling we did not
# write: tests/harness/cli/fastapi_deployment.py on Debian's FastAPI 0.92 / pydantic 1.10 /
# uvicorn 0.17 (parsing, validation, coercion, 404/405/422 are the framework's). Under the guide
# profile (the default off the mock) the run must
#   (a) pass: no [G] rule broken (401 without or with a bad key, 404 for unknown and malformed
#       ids - FastAPI answers 422 for an id that is not a UUID, which the fuzz step allows);
#   (b) report, as observations, where the framework departs from the mock's [M] choices - the
#       differences a FastAPI deployment really has: pydantic 1 coerces a number or a boolean
#       to a string (a create with "title": 42 is accepted, 201), Python's json reads NaN (201),
#       bytes that are not UTF-8 get 400 "There was an error parsing the body", and validation
#       errors carry a list in "detail";
#   (c) leave no task open: the tasks the wrongly accepted creates made are cancelled too.
# It prints the observations per rule. Usage: fastapi_fuzz_test.sh AGENTWORK SOURCE_DIR [PYTHON3]
set -euo pipefail
agentwork=$1
source_dir=$2
python=${3:-/usr/bin/python3}
if ! "$python" -c 'import fastapi, uvicorn' 2>/dev/null; then
  echo "FastAPI or uvicorn is missing for $python (apt-get install python3-fastapi python3-uvicorn; ci/setup.sh does)"
  exit 1
fi
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$work"' EXIT

"$python" "$source_dir/tests/harness/cli/fastapi_deployment.py" --port-file "$work/port" \
  --step 0.3 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "FAIL: the FastAPI deployment did not start"; cat "$work/server.log"; exit 1; }
port=$(cat "$work/port")

set +e
"$agentwork" run "$source_dir/scenarios/conformance/live-05-fuzz.json" \
  "$source_dir/scenarios/conformance/live-03-negative.json" \
  --target "http://127.0.0.1:$port" --poll-interval 0.1 --seed 11 --color never \
  --report-json "$work/run.json" >"$work/out" 2>"$work/err"
rc=$?
set -e
cat "$work/out"
[ "$rc" = 0 ] || { echo "FAIL: exit $rc, expected 0 (no [G] rule broken)"; cat "$work/err"; exit 1; }

"$python" - "$work/run.json" "http://127.0.0.1:$port" <<'EOF'
import collections, json, sys, urllib.request
run = json.load(open(sys.argv[1]))
failures, observations = [], collections.defaultdict(list)
for s in run["scenarios"]:
    assert s["verdict"] == "passed", (s["name"], s["verdict"], s["reason"])
    for f in s["findings"]:
        (failures.append(f) if f["severity"] == "failure" else observations[f["rule_id"]].append(f["detail"]))
assert not failures, failures
print("observations (FastAPI vs the mock's [M] choices):")
for rule, details in sorted(observations.items()):
    print("  %-22s %3d  e.g. %s" % (rule, len(details), details[0].splitlines()[0][:150]))
def seen(rule, *parts):
    if not any(all(p in d for p in parts) for d in observations.get(rule, [])):
        sys.exit("FAIL: no %s observation with %s" % (rule, parts))
seen("M.create.invalid", "title: a number instead of a string", "got 201")   # pydantic coerces
seen("M.create.invalid", "title: a boolean instead of a string", "got 201")
seen("M.http.unparseable", "bytes FF FE", "got 400")                          # Starlette's 400
seen("M.http.unparseable", "NaN", "got 201")                                  # json.loads reads NaN
seen("M.errors.detail")                                                       # "detail": [...]
fuzz = [st for s in run["scenarios"] for st in s["steps"] if st["kind"] == "fuzz"]
assert fuzz and "generated requests" in fuzz[0]["note"], fuzz
print("fuzz steps:", *("  " + st["note"] for st in fuzz), sep="\n")
stats = json.load(urllib.request.urlopen(sys.argv[2] + "/_stats"))
assert stats["open"] == 0, stats
print("tasks created %d, open after the run %d" % (stats["tasks"], stats["open"]))
EOF
echo "PASS"
