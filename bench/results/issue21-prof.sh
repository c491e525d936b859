#!/usr/bin/env bash
# (How the profiles of BENCHMARKS.md "Issue 21: the final table" were taken; B is a directory with release tlschat and loadgen.)
# issue21-prof.sh NAME KIND LOADGEN-ARGS... : one run of KIND (tlschat|ncat|ncat-plain) from $BIN_DIR, perf record -g of the server for 10 s of the window
name=$1; kind=$2; shift 2
d=${OUT:-/tmp}/prof-$name; rm -rf $d; mkdir -p $d; cd $d
B=${BIN_DIR:-/work/bench-speed/final}
export TLSCHAT_CONFIG_DIR=$d/config
$B/tlschat gen-cert --out $d/certs --force >/dev/null 2>&1
mkfifo $d/stdin; exec 3<>$d/stdin
PORT=$((18000 + RANDOM % 1000))
case $kind in
 tlschat) $B/tlschat host --headless --access open --history-visibility all --bind 127.0.0.1:$PORT --name bench --max-members 100000 --max-members-per-address 100000 --max-handshakes-per-address 1024 --cert certs/server.pem --key certs/server.key <&3 >/dev/null 2>host.log & T=(--ca certs/ca.pem);;
 ncat) ncat --chat --ssl --ssl-cert certs/server.pem --ssl-key certs/server.key --max-conns 20000 -l 127.0.0.1 $PORT <&3 >/dev/null 2>host.log & T=(--ca certs/ca.pem);;
 ncat-plain) ncat --chat --max-conns 20000 -l 127.0.0.1 $PORT <&3 >/dev/null 2>host.log & T=(--plain --connect-concurrency 4);;
esac
H=$!
sleep 1
$B/loadgen --addr 127.0.0.1:$PORT "${T[@]}" --server-pid $H --json "$@" > lg.txt 2>&1 &
L=$!
# wait for the talk phase: loadgen prints "connected" on stderr when joins are done
for i in $(seq 600); do grep -q 'members connected' lg.txt && break; sleep 0.1; done
sleep 5
perf record -q -o perf.data -e cpu-clock -F 4000 -g -p $H -- sleep 10 2>/dev/null
wait $L
kill $H; wait $H 2>/dev/null
tail -1 lg.txt | jq -c '{label, cpu_us_per_delivery, p50:.latency_ms.p50, p99:.latency_ms.p99, lost:.deliveries_lost, order_violations}'
perf report -i perf.data --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12 > dso.txt
perf report -i perf.data --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 > sym.txt
echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> dso.txt
cat dso.txt
