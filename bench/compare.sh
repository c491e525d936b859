#!/usr/bin/env bash
# Compare tlschat's host with `ncat --chat --ssl`, with the plaintext relay
# `ncat --chat` (no TLS: loadgen --plain) and, for handshakes, with
# `openssl s_server` on this machine, over 127.0.0.1 only.
#
#   bench/compare.sh                      # every workload
#   bench/compare.sh moderate flat        # only some: moderate flat flat50 idle handshakes
#
# flat50 is flat out with 50 talkers instead of 10. tlschat lets each member
# send 200 lines/s, so with 10 talkers it carries about a fifth of what ncat
# (no limit) carries; with 50 both carry about the same traffic.
#
# Environment: CARGO_TARGET_DIR (default target), BIN_DIR (measure the
# tlschat and loadgen already built in this directory, not built: for a
# before and after), RESULTS (directory for the
# logs and results.jsonl; default a new temporary directory), PORT (first port
# to use; default 17443), NCAT_MAX_CONNS (default 20000; ncat's own default is
# 100, which would refuse the 200-member workload), IDLE_SIZES_TLSCHAT
# (default "1000 10000"), IDLE_SIZES_NCAT (default "500 1000"),
# TLSCHAT_HOST_ARGS (more flags for `tlschat host`, e.g. "--no-history"; by
# default the host keeps its history in $RESULTS/config/history-PORT.sqlite3),
# SERVERS (default "tlschat ncat ncat-plain": which servers the message
# workloads run on; ncat is `ncat --chat --ssl`, ncat-plain `ncat --chat`).
#
# Needs: cargo, ncat (Debian package `ncat`), openssl, jq, ss.
# Every server is killed on exit; every run is bounded by `timeout`.
set -u
set -o pipefail

cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
BIN_DIR=${BIN_DIR:-}
BIN="${BIN_DIR:-$TARGET/release}/tlschat"
LOADGEN="${BIN_DIR:-$TARGET/release}/loadgen"
RESULTS=${RESULTS:-$(mktemp -d /tmp/tlschat-bench.XXXXXX)}
mkdir -p "$RESULTS"
JSONL="$RESULTS/results.jsonl"
PORT=${PORT:-17443}
NCAT_MAX_CONNS=${NCAT_MAX_CONNS:-20000}
IDLE_SIZES_TLSCHAT=${IDLE_SIZES_TLSCHAT:-"1000 10000"}
IDLE_SIZES_NCAT=${IDLE_SIZES_NCAT:-"500 1000"}
WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -eq 0 ] && WORKLOADS=(moderate flat flat50 idle handshakes)

for tool in ncat openssl jq ss; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is not installed" >&2; exit 1; }
done

SERVER_PID=""
FIFO_FD=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    [ -n "$FIFO_FD" ] && exec 3>&-
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build (outside every timed part) -------------------------------------
echo "== build (cargo build --release) =="
[ -n "$BIN_DIR" ] || nice -n 10 cargo build --release --bin tlschat --bin loadgen || exit 1

# 10,000 members need 10,000 descriptors in loadgen and in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
echo "open files limit: $(ulimit -n)"

CERTS="$RESULTS/certs"
TLSCHAT_CONFIG_DIR="$RESULTS/config" "$BIN" gen-cert --out "$CERTS" --force >"$RESULTS/gen-cert.log" 2>&1 || {
    cat "$RESULTS/gen-cert.log"; exit 1; }
export TLSCHAT_CONFIG_DIR="$RESULTS/config"

# One FIFO held open read-write on fd 3 is every server's stdin: it never
# ends, so `tlschat host --headless` keeps running, and nothing is ever typed.
mkfifo "$RESULTS/stdin"
exec 3<>"$RESULTS/stdin"
FIFO_FD=3

{
    echo "nproc: $(nproc)"
    grep -m1 'model name' /proc/cpuinfo
    echo "kernel: $(uname -r)"
    echo "ncat: $(ncat --version 2>&1 | head -1)"
    echo "openssl: $(openssl version)"
    echo "tlschat: $(git rev-parse --short HEAD 2>/dev/null) $(git status --short 2>/dev/null | wc -l) files changed${BIN_DIR:+ (binaries from $BIN_DIR)}"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULTS/machine.txt"

wait_listening() { # port
    for _ in $(seq 1 100); do
        ss -ltnH "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    echo "compare.sh: nothing listens on 127.0.0.1:$1" >&2
    return 1
}

start_server() { # kind port
    local kind=$1 port=$2 log="$RESULTS/$1-$2.log"
    case $kind in
        tlschat)
            # stdout (every message the host sees) goes to /dev/null, so the
            # host's terminal output is as cheap as it can be.
            "$BIN" host --headless --access open --history-visibility all --bind "127.0.0.1:$port" --name bench --max-members 100000 --max-members-per-address 100000 --max-handshakes-per-address 1024 \
                --cert "$CERTS/server.pem" --key "$CERTS/server.key" ${TLSCHAT_HOST_ARGS:-} <&3 >/dev/null 2>"$log" &
            ;;
        ncat-plain)
            ncat --chat --max-conns "$NCAT_MAX_CONNS" -l 127.0.0.1 "$port" <&3 >/dev/null 2>"$log" &
            ;;
        ncat)
            ncat --chat --ssl --ssl-cert "$CERTS/server.pem" --ssl-key "$CERTS/server.key" \
                --max-conns "$NCAT_MAX_CONNS" -l 127.0.0.1 "$port" <&3 >/dev/null 2>"$log" &
            ;;
        openssl)
            openssl s_server -accept "127.0.0.1:$port" -cert "$CERTS/server.pem" \
                -key "$CERTS/server.key" -www -quiet <&3 >/dev/null 2>"$log" &
            ;;
    esac
    SERVER_PID=$!
    wait_listening "$port" || { stop_server; return 1; }
}

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=""
    fi
    sleep 1 # let TIME_WAIT and the kernel settle a little
}

next_port() { PORT=$((PORT + 1)); }

# run_load NAME KIND TIMEOUT LOADGEN-ARGS... : one server, one loadgen run.
run_load() {
    local name=$1 kind=$2 limit=$3
    shift 3
    next_port
    echo
    echo "== $name on $kind (127.0.0.1:$PORT) =="
    start_server "$kind" "$PORT" || return 1
    local out="$RESULTS/$name-$kind.txt"
    local transport=(--ca "$CERTS/ca.pem")
    # ncat --chat without TLS accepts so fast that 64 connects at once
    # overflow its listen backlog, and a connection reset before ncat takes
    # it makes ncat quit ("getpeername ... failed ... QUITTING"): fewer at
    # once (the connect phase is not measured).
    [ "$kind" = ncat-plain ] && transport=(--plain --connect-concurrency 4)
    timeout "$limit" nice -n 0 "$LOADGEN" --addr "127.0.0.1:$PORT" "${transport[@]}" \
        --server-pid "$SERVER_PID" --label "$name/$kind" --json "$@" >"$out" 2>"$out.err"
    local rc=$?
    cat "$out"
    [ $rc -ne 0 ] && { echo "loadgen exited with $rc:"; cat "$out.err"; }
    # The load average as the run ends (its 1-minute figure covers the run).
    tail -n 1 "$out" | jq -c --arg name "$name" --arg kind "$kind" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
        '. + {workload: $name, server: $kind, load_average: $load}' >>"$JSONL" 2>/dev/null
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "!! the $kind server is no longer running (see $RESULTS/$kind-$PORT.log)"
    fi
    stop_server
}

has() { local w; for w in "${WORKLOADS[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

for kind in ${SERVERS:-tlschat ncat ncat-plain}; do
    if has moderate; then
        run_load moderate "$kind" 120 --members 100 --talkers 5 --rate 20 \
            --duration 20 --warmup 3 --settle 3
    fi
    if has flat; then
        run_load flat "$kind" 120 --members 200 --talkers 10 --rate 0 \
            --duration 15 --warmup 2 --settle 5
    fi
    if has flat50; then
        run_load flat50 "$kind" 120 --members 200 --talkers 50 --rate 0 \
            --duration 15 --warmup 2 --settle 5
    fi
done

if has idle; then
    # Idle members: memory per member after every member joined. One talker at
    # one line a second shows that every member is still reading.
    for n in $IDLE_SIZES_TLSCHAT; do
        run_load "idle$n" tlschat 900 --members "$n" --talkers 1 --rate 1 \
            --duration 10 --warmup 1 --settle 3 --connect-concurrency 64 --join-wait 120
    done
    for n in $IDLE_SIZES_NCAT; do
        run_load "idle$n" ncat 900 --members "$n" --talkers 1 --rate 1 \
            --duration 10 --warmup 1 --settle 3 --connect-concurrency 64 --join-wait 120
    done
fi

# s_time: one connection at a time, a full handshake each (-new), no request
# (no -www), then close. Both servers see exactly the same client.
stime() { # kind
    next_port
    echo
    echo "== handshakes: openssl s_time -new -time 10 against $1 (127.0.0.1:$PORT) =="
    start_server "$1" "$PORT" || return 1
    local out="$RESULTS/handshakes-$1.txt"
    timeout 60 openssl s_time -connect "127.0.0.1:$PORT" -new -time 10 >"$out" 2>&1
    grep -E 'connections' "$out"
    local n secs
    read -r n secs < <(sed -nE 's/^([0-9]+) connections in ([0-9]+) real seconds.*/\1 \2/p' "$out")
    # Two clients at once, for a machine with two cores.
    local out2="$RESULTS/handshakes2-$1.txt"
    local pids=()
    for i in 1 2; do
        timeout 60 openssl s_time -connect "127.0.0.1:$PORT" -new -time 10 >"$out2.$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    local n2=0 part
    for i in 1 2; do
        part=$(sed -nE 's/^([0-9]+) connections in ([0-9]+) real seconds.*/\1/p' "$out2.$i")
        n2=$((n2 + ${part:-0}))
    done
    echo "two s_time clients at once: $n2 connections in 10 s"
    jq -nc --arg kind "$1" --argjson n "${n:-0}" --argjson secs "${secs:-10}" --argjson n2 "$n2" \
        '{workload: "handshakes", server: $kind, connections: $n, real_secs: $secs,
          handshakes_per_sec: ($n / $secs), two_clients_per_sec: ($n2 / 10)}' >>"$JSONL"
    stop_server
}
if has handshakes; then
    stime tlschat
    stime openssl
fi

# --- summary ----------------------------------------------------------------
echo
echo "== summary (results in $JSONL) =="
jq -rs '
  def r(a; b): if (a == null or b == null or b == 0) then "n/a" else ((a / b * 100 | round) / 100 | tostring) end;
  def get(w; s): map(select(.workload == w and .server == s)) | .[0];
  def num(x): if x == null then "n/a" else ((x * 100 | round) / 100 | tostring) end;
  . as $all
  | [ "moderate", "flat", "flat50" ][] as $w
  | (get($w; "tlschat")) as $t | (get($w; "ncat")) as $n | (get($w; "ncat-plain")) as $p
  | select($t != null or $n != null)
  | "\($w): CPU µs/delivery tlschat \(num($t.cpu_us_per_delivery)) ncat \(num($n.cpu_us_per_delivery)) ratio \(r($t.cpu_us_per_delivery; $n.cpu_us_per_delivery))"
    + " | p99 ms tlschat \(num($t.latency_ms.p99)) ncat \(num($n.latency_ms.p99)) ratio \(r($t.latency_ms.p99; $n.latency_ms.p99))"
    + " | ncat --chat (no TLS): CPU µs/delivery \(num($p.cpu_us_per_delivery)), p50/p99 ms \(num($p.latency_ms.p50))/\(num($p.latency_ms.p99)), tlschat/plain CPU \(r($t.cpu_us_per_delivery; $p.cpu_us_per_delivery)), p50 tlschat \(num($t.latency_ms.p50)) ncat \(num($n.latency_ms.p50))"
    + " | lost tlschat \($t.deliveries_lost) ncat \($n.deliveries_lost), disconnected tlschat \($t.members_disconnected) ncat \($n.members_disconnected)"
    + " | order violations tlschat \($t.order_violations) ncat \($n.order_violations)"
' "$JSONL"
jq -rs '
  def num(x): if x == null then "n/a" else ((x * 100 | round) / 100 | tostring) end;
  .[] | select(.workload | startswith("idle"))
  | "\(.workload) \(.server): connected \(.connected)/\(.members), alive after joins \(.alive_after_connect), RSS/member KiB \(num(.rss_per_member_kib)), RSS KiB before \(.rss_kib.before) after \(.rss_kib.after_connect) end \(.rss_kib.end), lost \(.deliveries_lost), disconnected \(.members_disconnected)"
' "$JSONL"
jq -rs '
  def get(s): map(select(.workload == "handshakes" and .server == s)) | .[0];
  (get("tlschat")) as $t | (get("openssl")) as $o
  | select($t != null and $o != null)
  | "handshakes/s (one s_time): tlschat \($t.handshakes_per_sec | round) openssl s_server \($o.handshakes_per_sec | round) ratio \(($t.handshakes_per_sec / $o.handshakes_per_sec * 100 | round) / 100)"
    + " | two clients: tlschat \($t.two_clients_per_sec) openssl \($o.two_clients_per_sec)"
' "$JSONL"
echo "logs: $RESULTS"
