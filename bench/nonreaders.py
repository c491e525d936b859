#!/usr/bin/env python3
"""Members that never read: the host's peak memory while one member talks.

Starts `tlschat host --headless` (the binary given, default
target/release/tlschat) on 127.0.0.1, connects N plain-text members that
finish their TLS handshake and then never read, and one `tlschat/1` member
that sends messages of SIZE bytes at the room's rate limit for SECONDS
seconds. Samples the host's VmRSS/VmHWM from /proc every 50 ms and prints
one JSON line: the baseline, the RSS once the members are in, the peak, and
(when the host runs with -v) how many members the output budget cut off,
from the host's log. A non-reader cannot tell that the host dropped it (the
host's FIN waits behind the data it never read), so none come back.

    bench/nonreaders.py [--bin PATH] [--members 600] [--size 60000]
                        [--seconds 20] [--host-args "--max-queued-bytes N"]

Needs only Python 3 (ssl, socket) and the tlschat binary. Runs
over 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import shlex
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time


def memory(pid):
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    return rss, hwm


def budget_cuts(log):
    """Members the output budget cut off, as the host's -v log counts them."""
    with open(log) as f:
        return sum(int(m.group(1)) for m in re.finditer(r"over budget.* cut=(\d+)", f.read()))


def tls_context(ca, alpn=None):
    ctx = ssl.create_default_context(cafile=ca)
    if alpn:
        ctx.set_alpn_protocols([alpn])
    return ctx


def connect(addr, ctx, rcvbuf=0):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(10)
    raw.connect(addr)
    s = ctx.wrap_socket(raw, server_hostname=addr[0])
    s.settimeout(None)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/tlschat")
    ap.add_argument("--members", type=int, default=600)
    ap.add_argument("--size", type=int, default=60000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--host-args", default="")
    ap.add_argument("--rcvbuf", type=int, default=0,
                    help="receive buffer of each non-reader (0: the system's)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="tlschat-nonreaders.")
    certs = os.path.join(work, "certs")
    subprocess.run(
        [args.bin, "gen-cert", "--out", certs], check=True, capture_output=True
    )
    env = dict(os.environ, TLSCHAT_CONFIG_DIR=os.path.join(work, "config"))
    log = os.path.join(work, "host.log")
    host = subprocess.Popen(
        [args.bin, "host", "--headless", "--access", "open", "--bind", "127.0.0.1:0", "--name", "bench",
         "--cert", f"{certs}/server.pem", "--key", f"{certs}/server.key",
         "--max-members-per-address", str(args.members + 10),
         "--max-handshakes-per-address", "1024",
         "--history", os.path.join(work, "history.sqlite3")]
        + shlex.split(args.host_args),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=open(log, "w"),
        env=env, text=True,
    )
    addr = None
    for line in host.stdout:
        m = re.match(r"\* hosting on (127\.0\.0\.1):(\d+)", line)
        if m:
            addr = (m.group(1), int(m.group(2)))
            break
    # Keep reading the host's stdout so it never blocks on it.
    threading.Thread(target=lambda: [None for _ in host.stdout], daemon=True).start()
    ca = f"{certs}/ca.pem"
    plain = tls_context(ca)
    base_rss, _ = memory(host.pid)

    stop = threading.Event()
    # Each holds its connection and never reads from it.
    held = []
    for _ in range(args.members):
        held.append(connect(addr, plain, args.rcvbuf))
    # Let the handshakes finish.
    time.sleep(2)
    joined_rss, joined_hwm = memory(host.pid)

    talker = connect(addr, tls_context(ca, "tlschat/1"))
    talker.sendall(b'{"type":"hello","nick":"talker"}\n')

    def drain():
        # The talker reads everything (its acknowledgements among it), so
        # that it is never the one too slow.
        try:
            while talker.recv(1 << 20):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    peak = 0.0

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, memory(host.pid)[1])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    text = "x" * args.size
    sent = 0
    start = time.time()
    while time.time() - start < args.seconds:
        # Twenty at a time, at the room's rate limit of 200 lines a second.
        burst = "".join(
            json.dumps({"type": "msg", "id": str(sent + i), "text": text}) + "\n"
            for i in range(20)
        )
        talker.sendall(burst.encode())
        sent += 20
        time.sleep(max(0.0, sent / 200.0 - (time.time() - start)))
    rss, hwm = memory(host.pid)
    peak = max(peak, hwm)
    stop.set()
    host.stdin.close()
    host.terminate()
    host.wait(timeout=10)
    print(f"host log: {log}", file=sys.stderr)
    print(json.dumps({
        "members": args.members, "size": args.size, "seconds": args.seconds,
        "host_args": args.host_args, "sent": sent,
        "rss_before_mib": round(base_rss, 1),
        "rss_joined_mib": round(joined_rss, 1), "peak_joined_mib": round(joined_hwm, 1), "peak_mib": round(peak, 1),
        "rss_end_mib": round(rss, 1), "budget_cuts": budget_cuts(log),
    }))


if __name__ == "__main__":
    sys.exit(main())
