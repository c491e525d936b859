#!/usr/bin/env bash
# Frame times of the real window: `tlschat host` (eframe + glow) drawn by
# Mesa's software renderer under Xvfb, while a history of MESSAGES lines
# arrives, then idle with that history, then while scrolling it with the
# mouse wheel and by dragging the scroll bar. The window logs every frame (TLSCHAT_FRAME_LOG) and draws
# continuously without vsync, so an interval between frames is the whole
# cost of a frame: our code, tessellation, rasterisation and the swap.
#
#   bench/window.sh [MESSAGES]        # default 100000
#   BIN_DIR=DIR bench/window.sh       # DIR's tlschat and loadgen, not built
#   PERF=1 bench/window.sh            # also profile the window (perf record)
#                                     # while idle, scrolling and dragging
#
# Needs: Xvfb, xdotool, ImageMagick's import (for screenshots), python3,
# the Mesa GL libraries (.ci/run installs them). Bounded: every wait has a
# deadline. Prints one line per phase and leaves the log and a screenshot
# in a temporary directory.
set -u
cd "$(dirname "$0")/.."
N=${1:-100000}
TARGET=${CARGO_TARGET_DIR:-target}
# BIN_DIR=DIR: measure the tlschat and loadgen already built in DIR (another
# commit's, for a before/after in the same conditions); nothing is built.
BIN_DIR=${BIN_DIR:-}
BIN="${BIN_DIR:-$TARGET/release}/tlschat"
LOADGEN="${BIN_DIR:-$TARGET/release}/loadgen"
for tool in Xvfb xdotool import python3 ss; do
    command -v "$tool" >/dev/null || { echo "window.sh: $tool is not installed" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/tlschat-window.XXXXXX)
[ -n "$BIN_DIR" ] || nice -n 10 cargo build --release --bin tlschat --bin loadgen || exit 1
export TLSCHAT_CONFIG_DIR="$WORK/config"
"$BIN" gen-cert --out "$WORK/certs" --force >/dev/null || exit 1

for n in $(seq 90 140); do [ -e "/tmp/.X$n-lock" ] || { D=$n; break; }; done
Xvfb ":$D" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
APP=""
trap 'kill $APP $XVFB 2>/dev/null' EXIT
export DISPLAY=":$D"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

PORT=${PORT:-19443}
LOG="$WORK/frames.log"
TLSCHAT_FRAME_LOG="$LOG" "$BIN" host --access open --history-visibility all --bind "127.0.0.1:$PORT" --name bench --max-members 100000 --max-members-per-address 100000 --max-handshakes-per-address 1024 \
    --cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" >"$WORK/app.log" 2>&1 &
APP=$!
for _ in $(seq 100); do ss -ltnH "sport = :$PORT" | grep -q . && break; sleep 0.1; done
ss -ltnH "sport = :$PORT" | grep -q . || { echo "window.sh: the window never listened" >&2; cat "$WORK/app.log"; exit 1; }

frames() { wc -l <"$LOG"; }
# The window's CPU time so far (every thread: ours and llvmpipe's), in clock
# ticks: steadier than frame intervals on a shared machine.
cpu() { awk '{print $14 + $15}' "/proc/$APP/stat"; }
held() { tail -n 1 "$LOG" | awk '{print $2+0}'; }

# Phase 1: the history arrives, 50 talkers at 190 lines/s each (under the
# host's limit of 200 per member), about 9,500 lines a second.
TALKERS=50
SECS=$(( (N + TALKERS * 190 - 1) / (TALKERS * 190) ))
START=$(frames) START_CPU=$(cpu)
timeout $((SECS + 120)) "$LOADGEN" --addr "127.0.0.1:$PORT" --ca "$WORK/certs/ca.pem" \
    --members $TALKERS --talkers $TALKERS --rate 190 --duration "$SECS" --warmup 0 --settle 2 \
    >"$WORK/loadgen.txt" 2>&1
# Wait (at most a minute) until the conversation holds every line.
for _ in $(seq 600); do [ "$(held)" -ge "$N" ] && break; sleep 0.1; done
FILLED=$(frames) FILLED_CPU=$(cpu)
echo "history: $(held) lines in the conversation"

# With PERF=1: sample the window (every thread: ours and llvmpipe's) from
# here to the end, for `perf report --sort dso,sym`.
PERFPID=""
if [ -n "${PERF:-}" ]; then
    perf record -F 997 -o "$WORK/perf.data" -p "$APP" >/dev/null 2>&1 &
    PERFPID=$!
fi

# Phase 2: idle with the whole history (the window still redraws each frame).
sleep 3
IDLE=$(frames) IDLE_CPU=$(cpu)

# Phase 3: scroll with the mouse wheel over the conversation: up for a
# while, then down again.
xdotool mousemove 330 330
xdotool click --repeat 400 --delay 8 4
import -window root "$WORK/scrolled-up.png" 2>/dev/null
xdotool click --repeat 400 --delay 8 5
SCROLLED=$(frames) SCROLLED_CPU=$(cpu)

# Phase 4: drag the scroll bar from the bottom to the top of the whole
# history in about two seconds: every frame shows lines never drawn before.
xdotool mousemove 781 612 mousedown 1
for y in $(seq 610 -2 76); do xdotool mousemove 781 "$y"; sleep 0.008; done
xdotool mouseup 1
DRAGGED=$(frames) DRAGGED_CPU=$(cpu)
import -window root "$WORK/top.png" 2>/dev/null
if [ -n "$PERFPID" ]; then
    kill -INT "$PERFPID"
    wait "$PERFPID"
    perf report -i "$WORK/perf.data" --sort dso --stdio 2>/dev/null | grep -v '^#' | grep . | head -n 12
    echo "profile: perf report -i $WORK/perf.data --sort dso,sym"
fi

python3 - "$LOG" "$START" "$FILLED" "$IDLE" "$SCROLLED" "$DRAGGED" \
    "$START_CPU" "$FILLED_CPU" "$IDLE_CPU" "$SCROLLED_CPU" "$DRAGGED_CPU" "$(getconf CLK_TCK)" <<'PY'
import sys
log, a, b, c, d, e = sys.argv[1], *map(int, sys.argv[2:7])
ticks, hz = list(map(int, sys.argv[7:12])), int(sys.argv[12])
rows = [line.split() for line in open(log)]
bounds = [a, b, c, d, e]
def show(name, part, k):
    us = sorted(int(r[0]) for r in part)
    if not us:
        print(f"{name:<28} no frames"); return
    q = lambda p: us[min(len(us) - 1, int(p * (len(us) - 1)))] / 1000
    over = sum(1 for u in us if u > 16_667)
    print(f"{name:<28} frames {len(us):>6}  median {q(.5):7.2f} ms  p95 {q(.95):7.2f} ms  "
          f"p99 {q(.99):7.2f} ms  max {us[-1]/1000:7.2f} ms  over 16.7 ms: {over}  "
          f"CPU/frame {(ticks[k + 1] - ticks[k]) * 1000 / hz / len(us):6.2f} ms")
show("while the history arrives", rows[a:b], 0)
show("idle with the history", rows[b:c], 1)
show("scrolling with the wheel", rows[c:d], 2)
show("dragging to the top", rows[d:e], 3)
PY
echo "log, screenshot and loadgen report: $WORK"
