# SPDX-License-Identifier: Apache-2.0
# Timed steps and parallel branches for scripts/test (sourced, not run).
#
#   step NAME CMD...          runs CMD in the foreground, its output on the console and in $STEP_LOGS/NAME.log
#   branch NAME CMD...        starts CMD in the background, its output only in $STEP_LOGS/NAME.log
#   await_branch NAME         waits for that one branch; prints its result lines (and its log's tail if it
#                             failed); returns its exit status
#   join_branches             the same for every branch still running; returns 1 when any of them failed
#   summary                   prints how long each step and branch took, the CPU time it and the processes it
#                             waited for used (Docker's containers are dockerd's, not counted), its result and its
#                             log, the total with the machine's mean CPU use, the failed tests by name, and the tests
#                             counted from Maven's result lines as "tests: N passed, N failed"
#
# While the steps run, $STEP_LOGS/cpu.log gets a line every 30 s: the time since the start, how busy the CPUs were
# in that interval, the load average (where a run spent its time on a small machine).
#
# A failed step stops the caller (set -e); a failed branch does not stop the others, and join_branches reports it.
STEP_LOGS="${STEP_LOGS:-target/test-logs}"
STEP_START=$(date +%s)
_names=() _secs=() _results=() _cpus=() _pids=() _pnames=() _pstart=()
mkdir -p "$STEP_LOGS"

# Busy and total jiffies of all CPUs, from /proc/stat's first line ("busy total").
_jiffies() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
STEP_JIFFIES=$(_jiffies)
_sampler() {
  local prev now
  prev=$(_jiffies)
  while sleep 30; do
    now=$(_jiffies)
    # shellcheck disable=SC2086
    set -- $prev $now
    printf '%5ds  cpu %3d%%  load %s\n' $(( $(date +%s) - STEP_START )) \
      $(( ($4 - $2) > 0 ? 100 * ($3 - $1) / ($4 - $2) : 0 )) "$(cut -d' ' -f1-3 /proc/loadavg)"
    prev=$now
  done
}
_sampler >"$STEP_LOGS/cpu.log" 2>/dev/null </dev/null &
STEP_SAMPLER=$!

# Writes to $1 the CPU seconds (user + system) of the processes this shell waited for, from `times`' second line
# (`times` itself runs unforked: a forked copy would count none).
_cpu_of_children() {
  times >"$1.times"
  awk 'NR == 2 { gsub(/s/, ""); split($1, u, "m"); split($2, y, "m"); printf "%d", u[1] * 60 + u[2] + y[1] * 60 + y[2] }' \
    "$1.times" >"$1"
  rm -f "$1.times"
}

_record() { _names+=("$1"); _secs+=("$2"); _results+=("$3"); _cpus+=("${4:--}"); }

step() {
  local name="$1" start rc=0
  shift
  start=$(date +%s)
  echo "==> $name" >&2
  ( rc=0; "$@" || rc=$?; _cpu_of_children "$STEP_LOGS/.$name.cpu"; exit "$rc" ) 2>&1 | tee "$STEP_LOGS/$name.log" \
    || rc=${PIPESTATUS[0]}
  _record "$name" $(( $(date +%s) - start )) "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED ($rc)")" \
    "$(cat "$STEP_LOGS/.$name.cpu" 2>/dev/null)"
  return "$rc"
}

branch() {
  local name="$1"
  shift
  echo "==> $name (in the background; log $STEP_LOGS/$name.log)" >&2
  # The branch writes its own end time, so a quick branch is not charged for the slow ones joined before it.
  ( rc=0; "$@" >"$STEP_LOGS/$name.log" 2>&1 </dev/null || rc=$?; date +%s >"$STEP_LOGS/.$name.end"
    _cpu_of_children "$STEP_LOGS/.$name.cpu"; exit "$rc" ) &
  _pids+=($!) _pnames+=("$name") _pstart+=("$(date +%s)")
}

# Waits for branch number $1 of the running list, records and reports it; returns its exit status.
_finish() {
  local i="$1" rc=0 log
  wait "${_pids[$i]}" || rc=$?
  log="$STEP_LOGS/${_pnames[$i]}.log"
  _record "${_pnames[$i]}" $(( $(cat "$STEP_LOGS/.${_pnames[$i]}.end" 2>/dev/null || date +%s) - ${_pstart[$i]} )) \
    "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED ($rc)")" "$(cat "$STEP_LOGS/.${_pnames[$i]}.cpu" 2>/dev/null)"
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
  kill "$STEP_SAMPLER" 2>/dev/null || true
  echo
  echo "==> timing summary (logs in $STEP_LOGS/; wall time, CPU time, result)"
  for i in "${!_names[@]}"; do
    printf '  %-28s %5ds %6ss cpu  %-12s %s\n' "${_names[$i]}" "${_secs[$i]}" "${_cpus[$i]}" "${_results[$i]}" \
      "$STEP_LOGS/${_names[$i]}.log"
  done
  # shellcheck disable=SC2046
  set -- $STEP_JIFFIES $(_jiffies)
  printf '  %-28s %5ds  (the CPUs %d%% busy; %s)\n' total $(( $(date +%s) - STEP_START )) \
    $(( ($4 - $2) > 0 ? 100 * ($3 - $1) / ($4 - $2) : 0 )) "per 30 s in $STEP_LOGS/cpu.log"
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
