#!/usr/bin/env bash
# What an attached console costs the server, in instructions (callgrind), which the other work
# on a shared machine does not move the way it moves wall-clock time. docs/benchmarks.md,
# section 7, explains the method and holds the figures.
#
#   bench/console-cost.sh [BIN]     BIN: a release switchboard-bench
#                                   (default target/release/switchboard-bench)
#   MEMBERS=100 RATE=8000 OUT=/tmp/console-cost bench/console-cost.sh
#   RUNS=3 bench/console-cost.sh    # the four runs three times over; medians of each difference
#
# Four runs of `switchboard-bench serve` under callgrind, each loaded by `fanout` at RATE
# deliveries/s to a room of MEMBERS: without a console, long (0.5 s warm-up + 4 s) and short
# (0.1 s), then the same with `switchboard-bench tail` attached to `serve --inspect`. The long
# run minus the short one is the cost of the extra deliveries, without start-up; the console's
# is what it adds to that, per extra event (3 per broadcast: a `say` request, its broadcast
# and its response). Counting events from the load, not from the tail: the tail is stopped
# when the load ends, possibly before the last batch reaches it.
#
# The plain runs' own spread (a few per cent of the fan-out, from how the server's writes
# coalesce under valgrind) is as large as the console's share at 100 members: with RUNS > 1
# the medians of the plain and of the console differences are used, each over its own runs.
set -euo pipefail
shopt -s inherit_errexit   # a failed run stops the script (runs are command substitutions)
BIN=${1:-target/release/switchboard-bench}
OUT=${OUT:-/tmp/console-cost}
MEMBERS=${MEMBERS:-100}
RATE=${RATE:-8000}
RUNS=${RUNS:-1}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }
mkdir -p "$OUT"

run() { # NAME CONSOLE(0|1) WARMUP DURATION -> prints the run's instruction total
  # Below the ephemeral range, so no client's own port takes it; PORT+1000 is the inspector's.
  local name=$1 console=$2 warm=$3 dur=$4 port=$((7600 + RANDOM % 300))
  local args=(serve --listen "127.0.0.1:$port")
  [ "$console" = 1 ] && args+=(--inspect "127.0.0.1:$((port + 1000))" --inspect-token t)
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.out" "$BIN" "${args[@]}" \
    >"$OUT/$name.log" 2>&1 &
  local server=$!
  "$BIN" wait "127.0.0.1:$port" --timeout 120 >/dev/null
  local tail=""
  if [ "$console" = 1 ]; then
    "$BIN" tail --url "ws://127.0.0.1:$((port + 1000))/?token=t" >"$OUT/$name.tail" 2>&1 &
    tail=$!
    for _ in $(seq 1 300); do grep -q '^attached' "$OUT/$name.tail" 2>/dev/null && break; sleep 0.1; done
    grep -q '^attached' "$OUT/$name.tail" || { echo "$name: the tail did not attach" >&2; exit 1; }
  fi
  "$BIN" fanout --members "$MEMBERS" --rate "$RATE" --warmup "$warm" --duration "$dur" \
    --dialect switchboard --addr "127.0.0.1:$port" --bench console-cost --server "$name" \
    --out "$OUT/results.jsonl" --drain 10 >"$OUT/$name.fanout" 2>&1
  if [ -n "$tail" ]; then kill "$tail"; wait "$tail" || true; fi
  kill -TERM "$server"; wait "$server" || true
  grep -h '^totals' "$OUT/$name.out" | tail -1 | awk '{print $2}'
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
plains=() consoles=()
for r in $(seq 1 "$RUNS"); do
  plain_long=$(run plain-long 0 0.5 4)
  plain_short=$(run plain-short 0 0 0.1)
  console_long=$(run console-long 1 0.5 4)
  console_short=$(run console-short 1 0 0.1)
  plains+=($(( plain_long - plain_short )))
  consoles+=($(( console_long - console_short )))
  echo "run $r: plain $plain_long - $plain_short = ${plains[-1]}; console $console_long - $console_short = ${consoles[-1]}"
done
# Deliveries in each run: RATE x (warm-up + duration); one broadcast reaches MEMBERS.
deliveries=$(( RATE * 45 / 10 - RATE / 10 ))
broadcasts=$(( deliveries / MEMBERS ))
events=$(( 3 * broadcasts ))
plain=$(printf '%s\n' "${plains[@]}" | median)
console=$(printf '%s\n' "${consoles[@]}" | median)
echo "totals (medians of $RUNS): plain $plain; console $console"
echo "per delivery without a console: $(( plain / deliveries ))"
echo "added by the console: $(( console - plain )) for $events events = $(( (console - plain) / events )) per event"
awk -v c="$console" -v p="$plain" -v e="$events" -v d="$deliveries" -v m="$MEMBERS" 'BEGIN {
  printf "a broadcast to %d members: %.1f%% more with a console\n", m, 300 * (c - p) / e / (p / d) / m }'
