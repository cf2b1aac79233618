#!/usr/bin/env bash
# Run every Switchboard benchmark beside its peers (Socket.IO 4.8, Node `ws`) and write a
# report. Every server is started fresh by this script for each measurement and stopped after.
#
#   bench/run.sh            full sizes (about 10 minutes; run when `uptime` shows a low load)
#   bench/run.sh --quick    tiny sizes, debug build: proves every benchmark runs (CI)
#   bench/run.sh --only fanout-1k,churn    a subset (ids below)
#   bench/run.sh --baseline OLD/switchboard-bench --only fanout-1k,latency-20k
#                           also measure another build of Switchboard (label `baseline`) in the
#                           same run, beside this one: a change's before and after, side by side
#
# Benchmarks (ids): fanout-1k fanout-10k latency-20k latency-100k latency-20k-small idle-10k
#   churn record-fanout record-latency console-fanout console-latency cluster cluster-latency
#   recorder proxy-latency-1k proxy-latency-10k proxy-throughput
# Output: bench/results/<time>/results.jsonl and report.md (bench/results/latest links to it).
# Needs: cargo, node + npm (installed through apt when missing), redis-server for `cluster`.
set -euo pipefail
source "$(dirname "$0")/../scripts/ensure.sh"

QUICK=0
ONLY=""
BASELINE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY="$2"; shift ;;
    --baseline) BASELINE="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
  shift
done

BENCH_DIR="$SB_ROOT/bench"
PEERS="$BENCH_DIR/peers"
cd "$SB_ROOT"

# --- installs (idempotent) -----------------------------------------------------------------
ensure_rust
command -v node >/dev/null && command -v npm >/dev/null || ensure_apt nodejs npm
if [ ! -d "$PEERS/node_modules" ] || [ "$PEERS/package-lock.json" -nt "$PEERS/node_modules/.package-lock.json" ]; then
  say "installing peer servers (npm ci in bench/peers)"
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in bench/peers"
fi
if [ "$QUICK" = 1 ]; then
  # The debug build shares its dependencies with `cargo test`; timings are not looked at.
  say "building switchboard-bench (debug)"
  cargo build -q -p switchboard-bench
  PROFILE=debug
else
  say "building switchboard-bench (release)"
  cargo build -q --release -p switchboard-bench
  PROFILE=release
fi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
BIN="$TARGET_DIR/$PROFILE/switchboard-bench"
[ -x "$BIN" ] || die "no binary at $BIN"

# 10,000 sockets per process need more descriptors than the usual 1024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The machine is shared: what else was running is part of every figure.
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STAMP="$(date +%Y%m%d-%H%M%S)"
[ "$QUICK" = 1 ] && STAMP="quick-$STAMP"
OUT="$BENCH_DIR/results/$STAMP"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
WORK="$(mktemp -d)"

# --- sizes --------------------------------------------------------------------------------
if [ "$QUICK" = 1 ]; then
  M1K=20; M10K=50; WARM=0.3; DUR=0.7; WINDOWS="8"; WINDOWS_10K="8"; RATE_MEMBERS=20; SMALL=5
  REC_REPEAT=1; REC_WINDOW=8; LAT_REPEAT=1; PROXY_M=5; PROXY_R1=200; PROXY_R10=1000
  R20=2000; R100=4000
  IDLE=100; CHURN_C=4; CHURN_D=0.7; CLUSTER_M=20; REC_EVENTS=20000
else
  # Windows: broadcasts in flight per publisher. 10,000 members need fewer for the same backlog.
  M1K=1000; M10K=10000; WARM=2; DUR=6; WINDOWS="8 32 128"; WINDOWS_10K="2 8 32"; RATE_MEMBERS=1000
  SMALL=100; R20=20000; R100=100000; REC_REPEAT=3; REC_WINDOW=32
  # Latency runs move by 10-20% from one run to the next: each server is measured this many
  # times, in rotation, and the report shows each one's median run.
  LAT_REPEAT=3
  IDLE=10000; CHURN_C=32; CHURN_D=8; CLUSTER_M=1000; REC_EVENTS=1000000
  # The proxy: a small room, offered 1,000 and 10,000 deliveries/s (messages to clients).
  PROXY_M=10; PROXY_R1=1000; PROXY_R10=10000
fi

# --- servers ------------------------------------------------------------------------------
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME PORT CMD...: run a server in the background, wait for its port, set $PID.
# Returns non-zero (after showing the server's log) when it does not come up.
start() {
  local name="$1" port="$2"; shift 2
  "$@" >"$WORK/$name-$port.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  if ! "$BIN" wait "127.0.0.1:$port" --timeout 30 2>/dev/null || ! kill -0 "$PID" 2>/dev/null; then
    cat "$WORK/$name-$port.log" >&2
    say "$name did not start: skipped"
    FAILED=$((FAILED + 1))
    return 1
  fi
}
stop() {
  local p
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  sleep 0.5
}

# server_cmd LABEL PORT [REDIS_URL]: the command line of each server under test.
server_cmd() {
  local label="$1" port="$2" redis="${3:-}"
  case "$label" in
    switchboard) echo "$BIN serve --listen 127.0.0.1:$port ${redis:+--redis $redis}" ;;
    baseline) echo "$BASELINE serve --listen 127.0.0.1:$port ${redis:+--redis $redis}" ;;
    switchboard+rec) echo "$BIN serve --listen 127.0.0.1:$port --record $WORK/capture-$port.db ${redis:+--redis $redis}" ;;
    switchboard+console) echo "$BIN serve --listen 127.0.0.1:$port --inspect 127.0.0.1:$((port + 1000)) --inspect-token $CONSOLE_TOKEN" ;;
    # The server itself; launch() puts the console's proxy in front of it.
    switchboard+proxy) echo "$BIN serve --listen 127.0.0.1:$port" ;;
    socketio) echo "node $PEERS/socketio-server.js $port $redis" ;;
    ws) echo "node $PEERS/ws-server.js $port" ;;
    floor) echo "$BIN floor --listen 127.0.0.1:$port" ;;
  esac
}
dialect_of() {
  case "$1" in switchboard*|baseline) echo switchboard ;; socketio) echo socketio ;; ws|floor) echo ws ;; esac
}

wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

PORT=7300
FAILED=0
CONSOLE_TOKEN=bench-console-token
# attach_console PORT: a console (`switchboard-bench tail`) attached to the inspector of the
# server on PORT, in its own process, reading everything; waits until it is attached.
attach_console() {
  local port="$1" log="$WORK/tail-$1.log" i
  "$BIN" tail --url "ws://127.0.0.1:$((port + 1000))/?token=$CONSOLE_TOKEN" >"$log" 2>&1 &
  PID=$!
  PIDS+=("$PID"); LAUNCHED+=("$PID"); LOGS+=("$log")
  for i in $(seq 1 100); do
    grep -q '^attached' "$log" 2>/dev/null && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  say "the console did not attach: skipped"
  FAILED=$((FAILED + 1))
  return 1
}
# launch LABEL: start $NODES servers of LABEL (and a fresh redis-server first when NODES > 1).
# Sets ADDR_ARGS and PID_ARGS for the generator (Redis's CPU counts as the servers'), LAUNCHED
# with every process started, and LOGS with the servers' logs.
launch() {
  local label="$1" redis="" n
  ADDR_ARGS=(); PID_ARGS=(); LAUNCHED=(); LOGS=()
  if [ "$NODES" -gt 1 ]; then
    PORT=$((PORT + 1))
    start redis "$PORT" redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no || return 1
    redis="redis://127.0.0.1:$PORT/"
    LAUNCHED+=("$PID"); PID_ARGS+=(--server-pid "$PID")
  fi
  for n in $(seq 1 "$NODES"); do
    PORT=$((PORT + 1))
    # shellcheck disable=SC2046
    if ! start "$label" "$PORT" $(server_cmd "$label" "$PORT" "$redis"); then
      stop "${LAUNCHED[@]}"
      return 1
    fi
    LAUNCHED+=("$PID"); PID_ARGS+=(--server-pid "$PID"); ADDR_ARGS+=(--addr "127.0.0.1:$PORT")
    LOGS+=("$WORK/$label-$PORT.log")
    if [ "$label" = switchboard+console ] && ! attach_console "$PORT"; then
      stop "${LAUNCHED[@]}"
      return 1
    fi
    if [ "$label" = switchboard+proxy ]; then
      # The console's recording proxy (`switchboard-bench proxy`: ConsoleCore::proxy, recording
      # into a fresh capture) on PORT+1000; the generator connects to it, and its CPU counts
      # with the server's.
      if ! start proxy "$((PORT + 1000))" "$BIN" proxy --upstream "ws://127.0.0.1:$PORT" \
        --listen "127.0.0.1:$((PORT + 1000))" --record "$WORK/proxy-$PORT.db"; then
        stop "${LAUNCHED[@]}"
        return 1
      fi
      LAUNCHED+=("$PID"); PID_ARGS+=(--server-pid "$PID"); ADDR_ARGS=(--addr "127.0.0.1:$((PORT + 1000))")
      LOGS+=("$WORK/proxy-$((PORT + 1000)).log")
    fi
  done
}

# measure BENCH TITLE SERVERS -- GENERATOR-ARGS...: fresh servers per label, the same load for
# each, one generator run per entry of SWEEP.
measure() {
  local bench="$1" title="$2" servers="$3" label variant log line; shift 4
  wanted "$bench" || return 0
  say "$title"
  for label in $servers; do
    launch "$label" || continue
    for variant in "${SWEEP[@]}"; do
      # shellcheck disable=SC2086
      if ! "$BIN" "$@" $variant --dialect "$(dialect_of "$label")" "${ADDR_ARGS[@]}" \
        "${PID_ARGS[@]}" --bench "$bench" --title "$title" --server "$label" --out "$RESULTS"; then
        say "$bench: $label failed (see above)"
        FAILED=$((FAILED + 1))
      fi
    done
    stop "${LAUNCHED[@]}"
    # What the recorder wrote and dropped over the whole measurement (printed at shutdown).
    for log in "${LOGS[@]}"; do
      line="$(sed -n 's/^recorder //p' "$log" | tail -1)"
      if [ -n "$line" ]; then
        printf '{"bench":"%s","server":"%s","kind":"recstats","stats":%s}\n' \
          "$bench" "$label" "$line" >>"$RESULTS"
      fi
      # What an attached console received and what was dropped on its way.
      line="$(sed -n 's/^tail //p' "$log" | tail -1)"
      if [ -n "$line" ]; then
        printf '{"bench":"%s","server":"%s","kind":"tailstats","stats":%s}\n' \
          "$bench" "$label" "$line" >>"$RESULTS"
      fi
    done
  done
}

# Extra generator arguments, one run each, against the same servers (default: one run).
SWEEP=("")
NODES=1

ALL="switchboard socketio ws"
if [ -n "$BASELINE" ]; then
  [ -x "$BASELINE" ] || die "--baseline: no executable at $BASELINE"
  ALL="switchboard baseline socketio ws"
fi
# Saturation: closed loop at several windows (broadcasts not yet received by every member);
# each server's best window is its saturation figure, and the whole curve is kept.
sweep() { SWEEP=(); for w in "$@"; do SWEEP+=("--window $w"); done; }
FANOUT=(fanout --publishers 1 --warmup "$WARM" --duration "$DUR")
sweep $WINDOWS
measure fanout-1k "1. Fan-out at saturation, one room of $M1K members" "$ALL" -- \
  "${FANOUT[@]}" --members "$M1K"
sweep $WINDOWS_10K
measure fanout-10k "1. Fan-out at saturation, one room of $M10K members" "$ALL" -- \
  "${FANOUT[@]}" --members "$M10K" --connect-concurrency 128
SWEEP=("")
# Latency runs also measure the floor (`switchboard-bench floor`): a bare server that only
# writes a pre-encoded frame to each member from every core. Its p99 is the least this machine
# allows with the generator on the same cores, so it bounds every ratio below.
LAT=""
for _ in $(seq 1 "$LAT_REPEAT"); do LAT="$LAT $ALL floor"; done
measure latency-20k "2. Latency at $R20 deliveries/s offered ($RATE_MEMBERS members)" "$LAT" -- \
  fanout --members "$RATE_MEMBERS" --rate "$R20" --warmup "$WARM" --duration "$DUR"
measure latency-100k "2. Latency at $R100 deliveries/s offered ($RATE_MEMBERS members)" "$LAT" -- \
  fanout --members "$RATE_MEMBERS" --rate "$R100" --warmup "$WARM" --duration "$DUR"
# The same offered load in a small room: each broadcast is short, so what shows is the cost
# of one message through the server rather than the length of one fan-out.
measure latency-20k-small "2. Latency at $R20 deliveries/s offered ($SMALL members)" "$LAT" -- \
  fanout --members "$SMALL" --rate "$R20" --warmup "$WARM" --duration "$DUR"
measure idle-10k "4. Memory per idle connection ($IDLE connections, each joined to a room)" \
  "switchboard socketio ws" -- idle --conns "$IDLE" --connect-concurrency 128
measure churn "6. Connection churn: connect, join, disconnect ($CHURN_C clients looping)" \
  "switchboard socketio ws" -- churn --concurrency "$CHURN_C" --duration "$CHURN_D"

# 3. Recording on vs off: the same server alternately without and with the recorder, several
# times, at saturation and at a fixed load; the report compares medians (single runs of
# separate processes differ by +-15% on a shared machine, more than the effect measured).
PAIRS="switchboard switchboard+rec"
for _ in $(seq 2 "$REC_REPEAT"); do PAIRS="$PAIRS switchboard switchboard+rec"; done
measure record-fanout "3. Recording on vs off: saturation, $M1K members, window $REC_WINDOW" "$PAIRS" -- \
  "${FANOUT[@]}" --members "$M1K" --window "$REC_WINDOW"
measure record-latency "3. Recording on vs off: $R20 deliveries/s offered, $RATE_MEMBERS members" "$PAIRS" -- \
  fanout --members "$RATE_MEMBERS" --rate "$R20" --warmup "$WARM" --duration "$DUR"

# 7. A console attached vs none: the same server alternately without and with a console
# (`tail`, in its own process) attached to its inspector and reading every event, compared by
# medians like the recorder.
PAIRS="switchboard switchboard+console"
for _ in $(seq 2 "$REC_REPEAT"); do PAIRS="$PAIRS switchboard switchboard+console"; done
measure console-fanout "7. A console attached vs none: saturation, $M1K members, window $REC_WINDOW" "$PAIRS" -- \
  "${FANOUT[@]}" --members "$M1K" --window "$REC_WINDOW"
measure console-latency "7. A console attached vs none: $R20 deliveries/s offered, $RATE_MEMBERS members" "$PAIRS" -- \
  fanout --members "$RATE_MEMBERS" --rate "$R20" --warmup "$WARM" --duration "$DUR"

# 8. Through the console's proxy vs direct: the same server alternately reached directly and
# through `switchboard-bench proxy` (the console's proxy mode, recording), compared by medians.
PAIRS="switchboard switchboard+proxy"
for _ in $(seq 2 "$REC_REPEAT"); do PAIRS="$PAIRS switchboard switchboard+proxy"; done
measure proxy-latency-1k "8. Through the console's proxy vs direct: $PROXY_R1 deliveries/s offered, $PROXY_M members" "$PAIRS" -- \
  fanout --members "$PROXY_M" --rate "$PROXY_R1" --warmup "$WARM" --duration "$DUR"
measure proxy-latency-10k "8. Through the console's proxy vs direct: $PROXY_R10 deliveries/s offered, $PROXY_M members" "$PAIRS" -- \
  fanout --members "$PROXY_M" --rate "$PROXY_R10" --warmup "$WARM" --duration "$DUR"
measure proxy-throughput "8. Through the console's proxy vs direct: saturation, $PROXY_M members, window $REC_WINDOW" "$PAIRS" -- \
  "${FANOUT[@]}" --members "$PROXY_M" --window "$REC_WINDOW"

# 5. Two nodes and a Redis: members alternate between the nodes, the publisher is on the first.
if wanted cluster && ! command -v redis-server >/dev/null; then
  say "redis-server not installed: installing it for the cluster benchmark"
  ensure_apt redis-server
fi
NODES=2
sweep $WINDOWS
measure cluster "5. Two nodes and Redis, one room of $CLUSTER_M members split across them (saturation)" \
  "switchboard socketio" -- "${FANOUT[@]}" --members "$CLUSTER_M"
SWEEP=("")
measure cluster-latency "5. Two nodes and Redis: latency at $R20 deliveries/s offered ($CLUSTER_M members)" \
  "switchboard socketio" -- fanout --members "$CLUSTER_M" --rate "$R20" --warmup "$WARM" --duration "$DUR"
NODES=1

if wanted recorder; then
  say "Recorder: sustained insert rate ($REC_EVENTS events)"
  "$BIN" recorder --events "$REC_EVENTS" --dir "$WORK" --out "$RESULTS" || FAILED=$((FAILED + 1))
fi

say "report: $OUT/report.md"
{
  if [ "$QUICK" = 1 ]; then
    echo "_Quick mode: tiny sizes and a debug build. These figures only show that every benchmark runs._"
    echo
  fi
  echo "Load average (1, 5, 15 min) before the run: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  "$BIN" report "$RESULTS"
} | tee "$OUT/report.md"
ln -sfn "$STAMP" "$BENCH_DIR/results/latest"
# Figures are never judged here (machines differ); a benchmark that could not run is an error.
[ "$FAILED" -eq 0 ] || die "$FAILED measurement(s) failed"
