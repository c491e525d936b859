#!/usr/bin/env python3
"""A handshake flood against `tlschat host`, and a member trying to get in.

    bench/handshake_flood.py [--bin target/debug/tlschat] [--sources 16]
        [--per-source 64] [--tries 30] [--limit 10] [--every 1] [--send-hello]
        [--host-log FILE] [-- HOST FLAGS...]

Starts `tlschat host --headless` on a free 127.0.0.1 port (certificates from
`tlschat gen-cert` in a temporary directory; HOST FLAGS are passed on, e.g.
`--max-handshakes 64`). Then --per-source silent TCP connections from each of
--sources loopback addresses (127.0.0.2, 127.0.0.3, ...), silent from the start
(or, with --send-hello, after a whole ClientHello), each opened again as
soon as the host closes it (after 50 ms when the host closed it at once, as it
does one it refuses): the flood of issue 18, item 4. Connections are opened
at most one a millisecond, so that the host's accept queue (128) does not
overflow and what the flood holds, the host holds. Once the host holds
sources x per-source of them, a member (TLS, no ALPN, the CA verified)
connects from 127.0.0.1 every --every seconds, --tries times; a try succeeds
when the member reads `* in the room` within --limit seconds. Prints one JSON
line: joins, tries, each try's time (or its failure) and the flood's counts.

Needs python3 only (asyncio, ssl). Loopback only; everything it starts is
stopped when it ends.
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time


class Counts:
    def __init__(self):
        self.held = 0  # open longer than TAKEN: the host took them
        self.dropped = 0  # closed by the host after it took them
        self.refused = 0  # closed by the host at once


TAKEN = 0.2
PACE = 0.001


class Gate:
    """Lets connections be opened at most one per PACE."""

    def __init__(self):
        self.next = 0.0

    async def wait(self):
        now = time.monotonic()
        at = max(self.next, now)
        self.next = at + PACE
        await asyncio.sleep(at - now)


def client_hello():
    """The bytes of a real ClientHello (Python's own TLS client)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def source_address(i):
    """The i-th flood address: 127.0.0.2, 127.0.0.3, ... (past 127.0.0.255 on into 127.0.1.0)."""
    return socket.inet_ntoa((0x7F000002 + i).to_bytes(4, "big"))


async def flood_one(source, port, counts, gate, hello):
    loop = asyncio.get_running_loop()
    while True:
        await gate.wait()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.bind((source, 0))
            await loop.sock_connect(sock, ("127.0.0.1", port))
            if hello:
                await loop.sock_sendall(sock, hello)
        except OSError:
            sock.close()
            await asyncio.sleep(0.05)
            continue
        read = asyncio.ensure_future(read_to_close(loop, sock))
        done, _ = await asyncio.wait({read}, timeout=TAKEN)
        if done:
            counts.refused += 1
            sock.close()
            await asyncio.sleep(0.05)
            continue
        counts.held += 1
        await read
        counts.held -= 1
        counts.dropped += 1
        sock.close()


async def read_to_close(loop, sock):
    """Reads (and drops) what the host sends until it closes."""
    try:
        while await loop.sock_recv(sock, 4096):
            pass
    except OSError:
        pass


async def try_join(port, ctx, limit):
    started = time.monotonic()
    try:
        async with asyncio.timeout(limit):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1"
            )
            try:
                while True:
                    line = await reader.readline()
                    if not line:
                        raise ConnectionError("closed by the host")
                    if line.startswith(b"* in the room"):
                        return {"ok": True, "s": round(time.monotonic() - started, 3)}
            finally:
                writer.close()
    except (OSError, ssl.SSLError, ConnectionError, TimeoutError) as e:
        return {
            "ok": False,
            "s": round(time.monotonic() - started, 3),
            "error": f"{type(e).__name__}: {e}",
        }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default="target/debug/tlschat")
    p.add_argument("--sources", type=int, default=16)
    p.add_argument("--per-source", type=int, default=64)
    p.add_argument("--tries", type=int, default=30)
    p.add_argument("--limit", type=float, default=10.0)
    p.add_argument("--every", type=float, default=1.0)
    p.add_argument("--send-hello", action="store_true",
                   help="each flood connection sends a whole ClientHello, then nothing")
    p.add_argument("--host-log", help="the host's stderr, with RUST_LOG=tlschat=debug, to this file")
    p.add_argument("host_flags", nargs="*")
    args = p.parse_args()

    tmp = tempfile.mkdtemp(prefix="tlschat-flood.")
    env = dict(os.environ, TLSCHAT_CONFIG_DIR=tmp)
    env.pop("RUST_LOG", None)
    log = subprocess.DEVNULL
    if args.host_log:
        env["RUST_LOG"] = "tlschat=debug"
        log = open(args.host_log, "wb")
    certs = os.path.join(tmp, "certs")
    subprocess.run(
        [args.bin, "gen-cert", "--out", certs, "--host", "127.0.0.1"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )
    port = free_port()
    host = subprocess.Popen(
        [args.bin, "host", "--headless", "--access", "open", "--no-history", "--name", "bench",
         "--bind", f"127.0.0.1:{port}",
         "--cert", os.path.join(certs, "server.pem"),
         "--key", os.path.join(certs, "server.key"), *args.host_flags],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=log,
    )
    tasks = []
    try:
        # The host listens once a connection gets through.
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                await asyncio.sleep(0.05)
        ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
        counts = Counts()
        gate = Gate()
        sources = [source_address(i) for i in range(args.sources)]
        hello = client_hello() if args.send_hello else b""
        for source in sources:
            for _ in range(args.per_source):
                tasks.append(asyncio.ensure_future(flood_one(source, port, counts, gate, hello)))
        full = args.sources * args.per_source
        deadline = time.monotonic() + 30
        while counts.held < full and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        held_at_start = counts.held
        tries = []
        for _ in range(args.tries):
            tries.append(await try_join(port, ctx, args.limit))
            await asyncio.sleep(args.every)
        ok = [t["s"] for t in tries if t["ok"]]
        print(json.dumps({
            "flood": f"{args.sources} x {args.per_source}"
                     + (", a ClientHello each" if args.send_hello else ", silent"),
            "host_flags": args.host_flags,
            "held_at_start": held_at_start,
            "joins": len(ok),
            "tries": len(tries),
            "slowest_join_s": max(ok) if ok else None,
            "median_join_s": sorted(ok)[len(ok) // 2] if ok else None,
            "flood_dropped": counts.dropped,
            "flood_refused": counts.refused,
            "each": tries,
        }))
    finally:
        for t in tasks:
            t.cancel()
        host.kill()
        host.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
