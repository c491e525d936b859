#!/usr/bin/env bash
# Soak: one tlschat host under minutes of mixed load and abuse on 127.0.0.1,
# then a check that its memory returns to (near) the baseline.
#
#   bench/soak.sh [MINUTES]        # default 3
#
# Each round: a moderate chat (100 members, 5 talkers at 20 lines/s), churn
# (200 members that join and leave), 300 half-open TCP connections that never
# handshake, and garbage that is not TLS. Prints the host's RSS before, at the
# peak and after, and loadgen's loss/order/disconnect counts per round.
# Needs: cargo, python3. Bounded: every step runs under `timeout`.
set -u
cd "$(dirname "$0")/.."
MINUTES=${1:-3}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/tlschat"
LOADGEN="$TARGET/release/loadgen"
PORT=${PORT:-18443}
WORK=$(mktemp -d /tmp/tlschat-soak.XXXXXX)
nice -n 10 cargo build --release --bin tlschat --bin loadgen || exit 1
ulimit -n "$(ulimit -Hn)" 2>/dev/null
export TLSCHAT_CONFIG_DIR="$WORK/config"
"$BIN" gen-cert --out "$WORK/certs" --force >/dev/null || exit 1
mkfifo "$WORK/stdin"
"$BIN" host --headless --access open --history-visibility all --bind "127.0.0.1:$PORT" --name soak --max-members 100000 --max-members-per-address 100000 --max-handshakes-per-address 1024 \
    --cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" <"$WORK/stdin" >"$WORK/host.log" 2>&1 &
HOST=$!
exec 3>"$WORK/stdin"
trap 'kill $HOST 2>/dev/null; exec 3>&-' EXIT
for _ in $(seq 50); do grep -q "hosting on" "$WORK/host.log" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$HOST/status"; }
BASE=$(rss); PEAK=$BASE
echo "baseline RSS ${BASE} KiB"
END=$(( $(date +%s) + MINUTES * 60 )); ROUND=0
while [ "$(date +%s)" -lt "$END" ]; do
    ROUND=$((ROUND + 1))
    # Half-open connections and garbage, in the background for this round.
    timeout 40 python3 - "$PORT" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
for _ in range(50):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\n\r\n\x00\xff" * 10)
    s.close()
time.sleep(15)
PY
    ABUSE=$!
    timeout 60 "$LOADGEN" --addr "127.0.0.1:$PORT" --ca "$WORK/certs/ca.pem" --server-pid "$HOST" \
        --members 100 --talkers 5 --rate 20 --duration 20 --warmup 2 --settle 2 --json >"$WORK/round$ROUND.json" 2>"$WORK/round$ROUND.err" &
    LOAD=$!
    timeout 60 "$LOADGEN" --addr "127.0.0.1:$PORT" --ca "$WORK/certs/ca.pem" \
        --members 200 --talkers 0 --duration 1 --warmup 0 --settle 0 --json >/dev/null 2>&1
    wait $LOAD; wait $ABUSE 2>/dev/null
    R=$(rss); [ "$R" -gt "$PEAK" ] && PEAK=$R
    echo "round $ROUND: RSS ${R} KiB; $(tail -1 "$WORK/round$ROUND.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("lost", d.get("deliveries_lost"), "order violations", d.get("order_violations"), "disconnected", d.get("members_disconnected"))' 2>/dev/null || echo "no result: $(tail -1 "$WORK/round$ROUND.err")")"
done
sleep 10
AFTER=$(rss)
echo "RSS baseline ${BASE} KiB, peak ${PEAK} KiB, after ${AFTER} KiB (settled 10 s)"
kill -0 $HOST 2>/dev/null && echo "host still up" || { echo "host died"; exit 1; }
