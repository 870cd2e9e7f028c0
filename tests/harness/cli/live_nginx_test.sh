#!/usr/bin/env bash
# The live suite against a deployment it did not write the front of: nginx (Debian's, with its
# echo module) in front of the deployment-like mock, as a real deployment sits behind a TLS
# terminator. Three fronts:
#   tls    HTTPS, and /api/v1/tasks answered 307 to /api/v1/tasks/ (as FastAPI does): passes,
#          also with a latency threshold that holds;
#   flaky  plain HTTP, 10% of status polls answered 503 by nginx: the client's retries keep the
#          run alive, but every 503 is a finding of G.status.shape with nginx's answer as
#          evidence (exit 1);
#   slow   status polls delayed 150 ms by nginx (echo_sleep): the run's per-endpoint latency
#          shows it and `--threshold 'latency{endpoint=status}.p50 < 100ms'` fails it (exit 4).
# Usage: live_nginx_test.sh AGENTWORK AGENTWORK_MOCK SOURCE_DIR
set -euo pipefail
agentwork=$1
mock=$2
source_dir=$3
data="$source_dir/tests/data"
if ! command -v nginx >/dev/null || [ ! -f /usr/lib/nginx/modules/ngx_http_echo_module.so ]; then
  echo "nginx with the echo module is missing (apt-get install nginx-light; ci/setup.sh does)"
  exit 1
fi
work=$(mktemp -d)
chmod 755 "$work"  # nginx's worker may run as another user
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
[ -n "${KEEP_WORK:-}" ] && trap - EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tls_port=$(free_port); flaky_port=$(free_port); slow_port=$(free_port)

# The deployment: the mock as a real deployment behaves (no control API, no scripts, seeded
# agents), its download URLs under the TLS front.
"$mock" --deployment-like --seed 3 --time-scale 0.02 --port 0 --port-file "$work/port" \
  --user conformance@example.com:conformance-password \
  --public-url "https://127.0.0.1:$tls_port" >"$work/mock.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
mock_port=$(cat "$work/port")

mkdir -p "$work/tmp"
proxy='proxy_pass http://deployment; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host;'
cat >"$work/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  upstream deployment { server 127.0.0.1:$mock_port; keepalive 16; }
  split_clients "\${request_id}" \$flaky { 10% 1; * 0; }
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $data/test-cert.pem;
    ssl_certificate_key $data/test-key.pem;
    location = /api/v1/tasks { return 307 /api/v1/tasks/; }
    location / { $proxy }
  }
  server {
    listen 127.0.0.1:$flaky_port;
    location ~ ^/api/v1/tasks/[0-9a-f-]+\$ {
      if (\$flaky) { return 503; }
      $proxy
    }
    location / { $proxy }
  }
  server {
    listen 127.0.0.1:$slow_port;
    location ~ ^/api/v1/tasks/[0-9a-f-]+\$ { echo_sleep 0.15; echo_exec @deployment; }
    location @deployment { $proxy }
    location / { $proxy }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$flaky_port/" && break; sleep 0.05
done

live() {  # live NAME URL [flags...]: the live suite as a user runs it against staging
  local name=$1 url=$2; shift 2
  local rc=0
  "$agentwork" run "$source_dir/scenarios/conformance" --tag live --target "$url" \
    --time-scale 0.02 --account conformance@example.com:conformance-password \
    --ca-file "$data/test-cert.pem" --report-json "$work/$name.json" "$@" >"$work/$name.out" 2>&1 || rc=$?
  echo "$rc"
}

# tls: passes through TLS and the 307, with a threshold that holds.
rc=$(live tls "https://127.0.0.1:$tls_port" \
  --threshold 'latency{endpoint=status}.p50 < 100ms')
[ "$rc" = 0 ] || { echo "tls front: exit $rc, expected 0"; cat "$work/tls.out"; exit 1; }
[ "$(jq '[.scenarios[] | select(.verdict == "passed")] | length' "$work/tls.json")" = 4 ] || exit 1
echo "tls: passed ($(jq '.totals.requests' "$work/tls.json") requests)"

# flaky: every 503 is a finding, although the retries kept the run going.
rc=$(live flaky "http://127.0.0.1:$flaky_port")
[ "$rc" = 1 ] || { echo "flaky front: exit $rc, expected 1"; cat "$work/flaky.out"; exit 1; }
found=$(jq '[.scenarios[].findings[] | select(.rule_id == "G.status.shape" and .evidence.status == 503)] | length' "$work/flaky.json")
[ "$found" -ge 1 ] || { echo "no G.status.shape finding with a 503"; cat "$work/flaky.out"; exit 1; }
retried=$(jq '[.scenarios[].findings[] | select(.rule_id == "G.status.shape" and (.detail | test("retried")))] | length' "$work/flaky.json")
[ "$retried" -ge 1 ] || { echo "no finding for a retried 503"; cat "$work/flaky.out"; exit 1; }
others=$(jq '[.scenarios[].findings[] | select(.severity == "failure" and .tag != "S" and .rule_id != "G.status.shape")] | length' "$work/flaky.json")
[ "$others" = 0 ] || { echo "flaky front: failures besides the 503s"; cat "$work/flaky.out"; exit 1; }
echo "flaky: failed as it must ($found findings of a 503, $retried of them retried)"

# slow: the figure is shown and the threshold fails the run.
rc=$(live slow "http://127.0.0.1:$slow_port" --threshold 'latency{endpoint=status}.p50 < 100ms')
[ "$rc" = 4 ] || { echo "slow front: exit $rc, expected 4"; cat "$work/slow.out"; exit 1; }
p50=$(jq '.latency[] | select(.endpoint == "status") | .p50_ms' "$work/slow.json")
awk -v v="$p50" 'BEGIN { exit !(v >= 150) }' || { echo "status p50 $p50 ms, expected >= 150"; exit 1; }
grep -q 'latency{endpoint=status}.p50 < 100ms' "$work/slow.out" || { cat "$work/slow.out"; exit 1; }
[ "$(jq '.totals.failures' "$work/slow.json")" = 0 ] || { echo "slow front: conformance failures"; cat "$work/slow.out"; exit 1; }
echo "slow: threshold failed as it must (status p50 $p50 ms)"
