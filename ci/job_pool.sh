# Sourced by ci/sanitize.sh and tests/fuzz/run_fuzzers.sh.
# run_pooled LIMIT FUNCTION ITEM...: runs `FUNCTION ITEM` in the background for every ITEM, at
# most LIMIT at a time, in order; waits for all of them and fails when any one failed.
run_pooled() {
  local limit=$1 fn=$2 failed=0 pids=() item p
  shift 2
  for item in "$@"; do
    "$fn" "$item" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$limit" ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  return $failed
}
