#!/usr/bin/env bash
# Same-hour A/B of lockd builds in peerbench's harness (plaintext):
#   PB=<a writable copy of peerbench> deploy/bench/peerbench-ab.sh ROUNDS NAME=CHECKOUT [NAME=CHECKOUT...]
# Each CHECKOUT must be built (./mvnw -B -DskipTests package). For each round and each variant, in
# the order given: a fresh five-replica cell (start-lockd.sh), an unmeasured 20 s priming run with
# 8 clients, then 10 s (after 3 s of warm-up) of each workload: 1 client, 8 clients each on its own
# lock, 8 clients on one lock, 64 clients; one line per run with the load average; the cell's
# elections; stop-lockd.sh. The machine is shared: run it only while nothing else runs.
set -euo pipefail
: "${PB:?set PB to a writable copy of peerbench}"
(($# >= 2)) || { sed -n 2,3p "$0" >&2; exit 2; }
rounds=$1; shift
variants=("$@")
cd "$PB"
export LOCKD_JAVA_OPTS="${LOCKD_JAVA_OPTS:--Xms256m -Xmx512m -XX:MetaspaceSize=64m -XX:+UseSerialGC}"
for r in $(seq 1 "$rounds"); do
  for v in "${variants[@]}"; do
    name=${v%%=*}
    export LOCKD_SRC=${v#*=}
    rm -rf harness/target/lockd-classes # the harness compiles against each checkout's client
    if ! ./start-lockd.sh >"/tmp/peerbench-ab-start-$name.log" 2>&1; then
      echo "$name r$r: the cell did not start (see /tmp/peerbench-ab-start-$name.log)"
      continue
    fi
    ./bench.sh --system lockd --clients 8 --locks 8 --seconds 20 --warmup 2 >/dev/null 2>&1
    for spec in "1 1" "8 8" "8 1" "64 64"; do
      read -r clients locks <<<"$spec"
      result=$(./bench.sh --system lockd --clients "$clients" --locks "$locks" --seconds 10 --warmup 3 2>&1 |
        grep -A2 RESULT | grep -v warmup | tr '\n' ' ' |
        sed -E 's/RESULT system=lockd //; s/ ops=[0-9]+//; s/mean=[^ ]+ //; s/violations=0 stuck=0//; s/CPU window=[0-9]+s //; s/\(servers: .*//')
      echo "$name r$r $result load=$(cut -d' ' -f1-3 /proc/loadavg)"
    done
    echo "$name r$r elections: $(grep -h 'CANDIDATE -> LEADER' "${PB_TMP:-/tmp/peerbench}"/lockd-*.log | wc -l)"
    ./stop-lockd.sh >/dev/null 2>&1
  done
done
