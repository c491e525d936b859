#!/usr/bin/env bash
# What client authentication costs the host: full TLS handshakes per second
# (openssl s_time -new, one connection at a time, 10 s) against a headless
# tlschat host, by a client that presents no certificate and by one that
# presents a member's key (`tlschat identity`), the host verifying its
# self-signature and its CertificateVerify.
#
#   BIN=target/release/tlschat bench/client_auth.sh [SECONDS]
set -euo pipefail
BIN=${BIN:-target/release/tlschat}
SECS=${1:-10}
work=$(mktemp -d)
trap 'kill "$host" 2>/dev/null || true; rm -rf "$work"' EXIT
export TLSCHAT_CONFIG_DIR="$work/config"
"$BIN" gen-cert --out "$work/certs" >/dev/null
"$BIN" identity >/dev/null
mkfifo "$work/stdin"
exec 3<>"$work/stdin"
"$BIN" host --headless --access open --bind 127.0.0.1:0 --name bench --no-history \
    --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --max-members-per-address 100000 --max-handshakes-per-address 1024 \
    <&3 >"$work/host.out" 2>&1 &
host=$!
for _ in $(seq 100); do
    addr=$(sed -nE 's/^\* hosting on ([0-9.]+:[0-9]+).*/\1/p' "$work/host.out" | head -1)
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { echo "the host did not start:"; cat "$work/host.out"; exit 1; }
echo "host $addr ($("$BIN" --version 2>/dev/null || echo tlschat)), openssl $(openssl version | cut -d' ' -f2)"
run() { # label, extra s_time arguments...
    local label=$1; shift
    local line
    line=$(openssl s_time -connect "$addr" -new -time "$SECS" "$@" 2>&1 |
        sed -nE 's/^([0-9]+) connections in ([0-9.]+) real seconds.*/\1 \2/p' | head -1)
    read -r n secs <<<"$line"
    printf '%-36s %6d handshakes in %s s: %7.1f per second\n' "$label" "$n" "$secs" \
        "$(echo "$n / $secs" | bc -l)"
}
run "no client certificate"
run "the member's key (self-signed)" -cert "$TLSCHAT_CONFIG_DIR/identity.pem" -key "$TLSCHAT_CONFIG_DIR/identity.key"
run "no client certificate (again)"
run "the member's key (again)" -cert "$TLSCHAT_CONFIG_DIR/identity.pem" -key "$TLSCHAT_CONFIG_DIR/identity.key"
