# SPDX-License-Identifier: Apache-2.0
# Timed steps and parallel branches for scripts/test (sourced, not run).
#
#   step NAME CMD...          runs CMD in the foreground, its output on the console and in $STEP_LOGS/NAME.log
#   branch NAME CMD...        starts CMD in the background, its output only in $STEP_LOGS/NAME.log
#   await_branch NAME         waits for that one branch; prints its result lines (and its log's tail if it
#                             failed); returns its exit status
#   join_branches             the same for every branch still running; returns 1 when any of them failed
#   summary                   prints how long each step and branch took, its result and its log, the total, the
#                             failed tests by name, and the tests counted from Maven's result lines as
#                             "tests: N passed, N failed"
#
# A failed step stops the caller (set -e); a failed branch does not stop the others, and join_branches reports it.
STEP_LOGS="${STEP_LOGS:-target/test-logs}"
STEP_START=$(date +%s)
_names=() _secs=() _results=() _pids=() _pnames=() _pstart=()
mkdir -p "$STEP_LOGS"

_record() { _names+=("$1"); _secs+=("$2"); _results+=("$3"); }

step() {
  local name="$1" start rc=0
  shift
  start=$(date +%s)
  echo "==> $name" >&2
  "$@" 2>&1 | tee "$STEP_LOGS/$name.log" || rc=${PIPESTATUS[0]}
  _record "$name" $(( $(date +%s) - start )) "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED ($rc)")"
  return "$rc"
}

branch() {
  local name="$1"
  shift
  echo "==> $name (in the background; log $STEP_LOGS/$name.log)" >&2
  # The branch writes its own end time, so a quick branch is not charged for the slow ones joined before it.
  ( rc=0; "$@" >"$STEP_LOGS/$name.log" 2>&1 </dev/null || rc=$?; date +%s >"$STEP_LOGS/.$name.end"; exit "$rc" ) &
  _pids+=($!) _pnames+=("$name") _pstart+=("$(date +%s)")
}

# Waits for branch number $1 of the running list, records and reports it; returns its exit status.
_finish() {
  local i="$1" rc=0 log
  wait "${_pids[$i]}" || rc=$?
  log="$STEP_LOGS/${_pnames[$i]}.log"
  _record "${_pnames[$i]}" $(( $(cat "$STEP_LOGS/.${_pnames[$i]}.end" 2>/dev/null || date +%s) - ${_pstart[$i]} )) \
    "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED ($rc)")"
  echo "==> ${_pnames[$i]}: $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)")" >&2
  grep -E 'Tests run:|BUILD (SUCCESS|FAILURE)|\[ERROR\] (Tests|Failures|Errors)|<<< (FAIL|ERR)' "$log" \
    | grep -v 'Time elapsed.*ok$' || true
  if [[ $rc -ne 0 ]]; then
    echo "---- last 60 lines of $log ----"
    tail -n 60 "$log"
    echo "----"
  fi
  unset '_pids[i]' '_pnames[i]' '_pstart[i]'
  return "$rc"
}

# Waits for the one branch called $1; returns its exit status (1 when no such branch runs).
await_branch() {
  local i
  for i in "${!_pnames[@]}"; do
    if [[ "${_pnames[$i]}" == "$1" ]]; then _finish "$i"; return; fi
  done
  echo "==> no branch $1 is running" >&2
  return 1
}

join_branches() {
  local i failed=0
  for i in "${!_pids[@]}"; do
    _finish "$i" || failed=1
  done
  return "$failed"
}

summary() {
  local i passed=0 failed=0 run f e s
  echo
  echo "==> timing summary (logs in $STEP_LOGS/)"
  for i in "${!_names[@]}"; do
    printf '  %-28s %5ds  %-12s %s\n' "${_names[$i]}" "${_secs[$i]}" "${_results[$i]}" "$STEP_LOGS/${_names[$i]}.log"
  done
  printf '  %-28s %5ds\n' total $(( $(date +%s) - STEP_START ))
  for i in "${!_names[@]}"; do
    [[ "${_results[$i]}" == ok ]] || echo "  FAILED: ${_names[$i]} (see $STEP_LOGS/${_names[$i]}.log)"
  done
  # Maven's per-module totals: "Tests run: N, Failures: F, Errors: E, Skipped: S" with nothing after.
  while read -r run f e s; do
    passed=$(( passed + run - f - e - s )) failed=$(( failed + f + e ))
  done < <(cat "$STEP_LOGS"/*.log 2>/dev/null \
      | sed -nE 's/^\[(INFO|WARNING|ERROR)\] Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)$/\2 \3 \4 \5/p')
  # The failed tests by name, so the end of the output says what failed whichever branch it was in.
  grep -HE '<<< (FAILURE|ERROR)!' "$STEP_LOGS"/*.log 2>/dev/null | grep -v 'Tests run:' \
    | sed -E 's#^.*/([^/]+)\.log:\[ERROR\] *#  failed in \1: #; s/ -- Time elapsed.*<<< / <<< /' | head -n 40 || true
  echo "tests: $passed passed, $failed failed"
}
