#!/usr/bin/env bash
# The README's main command. Until the scenario runner lands, the main job starts the bundled
# mock and drives one task through its whole lifecycle over HTTP: register, create, answer the
# agent's structured clarifying questions, reject the first proposal, approve the revision,
# fetch the result and download its files, read the event log, and show the polling load.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh --target agentwork-mock >/dev/null

work=$(mktemp -d)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ] && kill -0 "$mock_pid" 2>/dev/null; then
    kill -TERM "$mock_pid" && wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1 agent second = 20 ms: the default agent's minutes of work pass in about a second.
"${BUILD_DIR:-build}"/mock_server/agentwork-mock --port 0 --port-file "$work/port" --control \
  --time-scale 0.02 --seed 42 >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "the mock did not start:" >&2; cat "$work/mock.log" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"
api="$base/api/v1"
echo "== $(head -1 "$work/mock.log")"

# call METHOD PATH [JSON]: prints the body; fails loudly on a transport error.
call() {
  local args=(-sS -X "$1" "$api$2" -H "Authorization: Bearer ${key:-}")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}"
}

reg=$(curl -sS -X POST "$api/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"demo@example.com","name":"Demo User","organization_name":"Demo Org"}')
key=$(jq -r .api_key <<<"$reg")
echo "== registered: key prefix $(jq -r .key_prefix <<<"$reg"), organization $(jq -r .organization_short_id <<<"$reg")"

task=$(call POST /tasks/ '{"title":"Build a responsive landing page","description":"Hero, feature grid, testimonials and a CTA. React + Tailwind."}')
id=$(jq -r .task_id <<<"$task")
echo "== created task $id ($(jq -r .status <<<"$task"))"

polls=0
rejected=no
last=
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
  s=$(call GET "/tasks/$id")
  polls=$((polls + 1))
  st=$(jq -r .status <<<"$s")
  if [ "$st" != "$last" ]; then
    echo "-- poll $polls: $st (last_activity_at $(jq -r .last_activity_at <<<"$s"))"
    last=$st
  fi
  case "$st" in
    processing) sleep 0.1 ;;
    awaiting_reply)
      if [ "$(jq -r .question.type <<<"$s")" = CLARIFYING_QUESTIONS ]; then
        questions=$(jq -r .question.content <<<"$s")
        jq -r '.questions | to_entries[] | "   Q\(.key) [\(.value.type)] \(.value.question) \(.value.options // "" | tostring)"' <<<"$questions"
        # Structured answers: the first option for selects, a sentence for text.
        answers=$(jq -c '[.questions | to_entries[] | {question_index: .key, selected:
          (if .value.type == "text" then "A marketing site for a SaaS product"
           elif .value.type == "single_select" then .value.options[0]
           else .value.options[0:2] end)}]' <<<"$questions")
        echo "   answering: $answers"
        call POST "/tasks/$id/message" "{\"answers\": $answers}" >/dev/null
      else
        echo "   agent says: $(jq -r .question.content <<<"$s")"
        call POST "/tasks/$id/message" '{"message":"Yes, please."}' >/dev/null
      fi ;;
    awaiting_solution_approval)
      echo "   proposal: $(jq -r .solution.content <<<"$s")"
      if [ $rejected = no ]; then
        echo "   rejecting once: the hero text is too small on mobile"
        call POST "/tasks/$id/solution-status" \
          '{"status":"REJECTED","rejection_reason":"The hero text is too small on mobile"}' >/dev/null
        rejected=yes
      else
        echo "   approving"
        call POST "/tasks/$id/solution-status" '{"status":"CONFIRMED"}' >/dev/null
      fi ;;
    completed | cancelled) break ;;
  esac
done
[ "$last" = completed ] || { echo "FAILED: task ended as '$last'" >&2; exit 1; }

result=$(call GET "/tasks/$id/result")
echo "== result: $(jq -r .result_text <<<"$result")"
while read -r name url; do
  bytes=$(curl -sS "$url" | wc -c)
  echo "   file $name: $bytes bytes from $url"
done < <(jq -r '.files[] | "\(.name) \(.download_url)"' <<<"$result")

echo "== event log"
call GET "/tasks/$id/events" | jq -r '.events[] | "   \(.timestamp)  \(.type | . + " " * (20 - length))\(.content[0:90])"'

echo "== polling load (from the mock's call counts)"
curl -sS "$base/_mock/calls" | jq -r '.calls | to_entries[] | "   \(.key): \(.value.total) (\(.value.by_status | to_entries | map("\(.key)×\(.value)") | join(", ")))"'
echo "== OK: one task driven from creation to completion in $polls polls"
