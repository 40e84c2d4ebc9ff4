#!/usr/bin/env bash
# A lockd cell of five replicas on 127.0.0.1, for trying lockd out, tests and benchmarks.
# Run `deploy/local/cell.sh help` for the commands. Processes are only ever signalled by the
# process id recorded when they were started (and only after checking that the id still belongs
# to that replica), never by name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/lockd/target/lockd.jar"
DATA="${LOCKD_CELL_DIR:-$ROOT/deploy/local/run}"
STOP_WAIT_SECONDS=15
START_WAIT_SECONDS=60

usage() {
  cat <<'USAGE'
Usage: deploy/local/cell.sh COMMAND [options]

Commands:
  start [--data DIR] [--base-port PORT|auto] [--replicas N] [--tls] [--build] [-- LOCKD_FLAGS...]
        Builds lockd if needed, starts the cell, waits for a leader and prints the client
        endpoints. Replica i listens for clients on PORT+i and for peers on PORT+10+i
        (default PORT 7100: clients 7101-7105, peers 7111-7115; `auto` picks free ports).
        Flags after `--` go to every replica (e.g. -- --grace-ms 5000).
        --tls: mutual TLS on every port, with a throwaway CA made by openssl in DIR/tls
        (replica certificates, and client certificates for admin, alice and bob); prints the
        lockctl options and environment to use. Without it every port is plaintext.
  stop      SIGTERM every replica, wait up to 15 s, then SIGKILL what is left.
  status    Each replica's process state, then the cell's status as a replica reports it.
  kill N    SIGKILL replica N (a crash).
  restart N Stop replica N if it runs (SIGTERM, bounded wait, SIGKILL), start it again with its
            data, and wait (at most 60 s) until it accepts clients.
  endpoints Print the client endpoints (comma-separated, for clients and tools).
  logs N    Follow replica N's log.
  add       Starts one more replica under the next unused id, on new ports and an empty data
            directory: adds it to the configuration as a learner (lockctl member add), starts it
            with lockd --join, waits (at most 120 s) until it caught up and promotes it
            (lockctl member promote). docs/operations.md, "Replace a dead replica".
  retire N  Removes replica N from the configuration (lockctl member remove; at least three
            voters must remain), then stops its process. Its id is never used again.

Options:
  --data DIR   The cell's folder (default: deploy/local/run, or $LOCKD_CELL_DIR). Each replica
               keeps its state in DIR/rN/data, its log in DIR/rN/lockd.log, its pid in DIR/rN/pid.
Environment:
  LOCKD_JAVA_OPTS  JVM options for the replicas (default: -Xms256m -Xmx512m -XX:MetaspaceSize=64m -XX:+UseSerialGC)
  LOCKD_LOG_LEVEL  the replicas' log level (default INFO)

Examples:
  deploy/local/cell.sh start
  deploy/local/cell.sh start --tls
  deploy/local/cell.sh start --data /tmp/cell --base-port auto -- --grace-ms 5000
  deploy/local/cell.sh kill 3 && deploy/local/cell.sh restart 3
  deploy/local/cell.sh add && deploy/local/cell.sh retire 3
  deploy/local/cell.sh stop
USAGE
}

die() { echo "cell.sh: $*" >&2; exit 1; }

# ---- per-replica helpers ------------------------------------------------------------------------

pid_of() { # prints the recorded pid of replica $1 if that process is alive and is that replica
  local n=$1 file="$DATA/r$1/pid" pid
  [[ -f "$file" ]] || return 1
  pid=$(<"$file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  # The recorded id must still be this replica, not a recycled pid.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--data-dir $DATA/r$n/data " || return 1
  echo "$pid"
}

wait_gone() { # waits up to $2 seconds for pid $1 to end; returns 1 if it is still there
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    (( SECONDS < deadline )) || return 1
    sleep 0.1
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Replica n's ports: clients BASE+n and peers BASE+10+n for the first nine, then pairs from
# BASE+20 on (replicas added later: cell.sh add).
client_port() { if (($1 <= 9)); then echo $((BASE_PORT + $1)); else echo $((BASE_PORT + 20 + 2 * ($1 - 10))); fi; }
peer_port() { if (($1 <= 9)); then echo $((BASE_PORT + 10 + $1)); else echo $((BASE_PORT + 21 + 2 * ($1 - 10))); fi; }
member_spec() { echo "$1=127.0.0.1:$(peer_port "$1"),127.0.0.1:$(client_port "$1")"; }

# The cell's replicas now: IDS in cell.env (written by add and retire), else 1..REPLICAS.
ids() { if [[ -n "${IDS:-}" ]]; then echo "$IDS"; else seq -s ' ' 1 "$REPLICAS"; fi; }

load_env() {
  [[ -f "$DATA/cell.env" ]] || die "no cell in $DATA (start one with: deploy/local/cell.sh start)"
  # shellcheck disable=SC1091
  source "$DATA/cell.env"
  [[ -f "$DATA/members.env" ]] && source "$DATA/members.env"
  return 0
}

start_replica() { # starts replica $1 from the recorded settings ($2: --join for a new one)
  local n=$1 dir="$DATA/r$1" join=${2:-}
  mkdir -p "$dir/data"
  local -a java_opts
  read -r -a java_opts <<<"${LOCKD_JAVA_OPTS:--Xms256m -Xmx512m -XX:MetaspaceSize=64m -XX:+UseSerialGC}"
  local -a extra=()
  [[ -n "${EXTRA_FLAGS:-}" ]] && read -r -a extra <<<"$EXTRA_FLAGS"
  # A plaintext cell has only anonymous callers: let them administer it (session list/kill,
  # backups). With TLS, the administrator is the generated certificate whose CN is "admin".
  local -a admin=(--allow-anonymous-admin)
  if [[ "${TLS:-0}" == 1 ]]; then
    extra+=(--tls-cert "$DATA/tls/replica-$n.pem" --tls-key "$DATA/tls/replica-$n-key.pem"
      --tls-ca "$DATA/tls/ca.pem")
    admin=(--admin admin)
  fi
  echo "---- $(date -Is) starting replica $n" >>"$dir/lockd.log"
  local members="$MEMBERS"
  [[ -f "$dir/members" ]] && members=$(<"$dir/members")
  local -a joining=()
  [[ "$join" == --join ]] && joining=(--join)
  nohup java "${java_opts[@]}" -XX:+ExitOnOutOfMemoryError -jar "$JAR" "${joining[@]}" \
    --cell "$CELL" --id "$n" --member "$members" --data-dir "$dir/data" "${admin[@]}" "${extra[@]}" \
    >>"$dir/lockd.log" 2>&1 </dev/null &
  local pid=$! i
  echo "$pid" >"$dir/pid"
  # Until the forked shell has exec'd java, the pid's command line is this script's, and pid_of
  # would call a replica that is starting "not running". Wait (at most 5 s) for the exec.
  for ((i = 0; i < 50; i++)); do
    pid_of "$n" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

stop_replica() { # SIGTERM, bounded wait, SIGKILL; $1 replica
  local n=$1 pid
  pid=$(pid_of "$n") || { rm -f "$DATA/r$n/pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_WAIT_SECONDS"; then
    echo "replica $n (pid $pid) did not stop within ${STOP_WAIT_SECONDS}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || die "replica $n (pid $pid) survived SIGKILL"
  fi
  rm -f "$DATA/r$n/pid"
}

endpoints() {
  local out="" n
  for n in $(ids); do out+="${out:+,}127.0.0.1:$(client_port "$n")"; done
  echo "$out"
}

needs_build() {
  [[ -f "$JAR" && -d "$ROOT/lockd/target/lib" ]] || return 0
  [[ -n "$(find "$ROOT/lockd/src/main" "$ROOT/protos/src/main" "$ROOT/lockd/pom.xml" \
    "$ROOT/protos/pom.xml" "$ROOT/pom.xml" -newer "$JAR" -type f -print -quit)" ]]
}

pick_base_port() {
  local base tries
  for ((tries = 0; tries < 50; tries++)); do
    base=$((20000 + (RANDOM % 400) * 100))
    ports_free "$base" "$1" && { echo "$base"; return; }
  done
  die "found no free port range"
}

ports_free() { # base replicas
  local n
  for ((n = 1; n <= $2; n++)); do
    port_in_use $(($1 + n)) && return 1
    port_in_use $(($1 + 10 + n)) && return 1
  done
  return 0
}

# ---- TLS: a throwaway CA and certificates --------------------------------------------------------

issue_cert() { # name subject-CN extensions: a key and a certificate signed by the cell's CA
  local dir="$DATA/tls" name=$1 cn=$2 ext=$3
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name-key.pem" \
    2>/dev/null || return 1
  openssl req -new -key "$dir/$name-key.pem" -subj "/O=lockd local cell/CN=$cn" \
    -out "$dir/$name.csr" 2>/dev/null || return 1
  printf '%s\n' "$ext" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days 30 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" \
    2>/dev/null || return 1
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

make_tls() { # $1 replicas: CA, replica certificates (docs/security.md, "Identities"), clients
  command -v openssl >/dev/null || die "--tls needs openssl on the PATH"
  local dir="$DATA/tls" n name
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca-key.pem" \
    2>/dev/null || die "openssl could not make the CA's key"
  openssl req -x509 -new -key "$dir/ca-key.pem" -subj "/O=lockd local cell/CN=lockd local CA" \
    -days 30 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem" 2>/dev/null \
    || die "openssl could not make the CA"
  for ((n = 1; n <= $1; n++)); do
    issue_replica_cert "$n"
  done
  for name in admin alice bob; do
    issue_cert "$name" "$name" "$CERT_COMMON
extendedKeyUsage=clientAuth" || die "openssl could not make $name's certificate"
  done
  chmod 600 "$dir"/*-key.pem
}

CERT_COMMON="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment"

issue_replica_cert() { # $1 replica id: its certificate names it (docs/security.md, "Identities")
  issue_cert "replica-$1" "lockd replica $1" "$CERT_COMMON
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=URI:lockd://local/replica/$1,IP:127.0.0.1,DNS:localhost" \
    || die "openssl could not make replica $1's certificate"
  chmod 600 "$DATA/tls/replica-$1-key.pem"
}

print_tls_usage() {
  local dir="$DATA/tls"
  echo "TLS: every port requires a certificate from the cell's CA ($dir/ca.pem)."
  echo "lockctl as admin (alice.pem and bob.pem are two ordinary clients):"
  echo "  export LOCKD_ENDPOINTS=$(endpoints)"
  echo "  export LOCKCTL_CACERT=$dir/ca.pem"
  echo "  export LOCKCTL_CERT=$dir/admin.pem LOCKCTL_KEY=$dir/admin-key.pem"
  echo "  lockctl/lockctl status"
  echo "or per command:"
  echo "  lockctl/lockctl status --cacert $dir/ca.pem --cert $dir/admin.pem --key $dir/admin-key.pem"
}

# ---- commands -----------------------------------------------------------------------------------

cmd_start() {
  local base=7100 replicas=5 build=0 tls=0
  local -a extra=()
  while (($#)); do
    case "$1" in
      --data) DATA=$(realpath -m "$2"); shift 2 ;;
      --base-port) base=$2; shift 2 ;;
      --replicas) replicas=$2; shift 2 ;;
      --build) build=1; shift ;;
      --tls) tls=1; shift ;;
      --) shift; extra=("$@"); break ;;
      *) die "start: unknown option '$1' (see: cell.sh help)" ;;
    esac
  done
  [[ "$replicas" =~ ^[1-9]$ ]] || die "--replicas must be 1-9, was '$replicas'"
  if [[ -f "$DATA/cell.env" ]]; then
    load_env
    local n
    for n in $(ids); do
      pid_of "$n" >/dev/null && die "replica $n of the cell in $DATA is running; stop it first"
    done
    IDS=
  fi
  if [[ "$base" == auto ]]; then
    base=$(pick_base_port "$replicas")
  else
    [[ "$base" =~ ^[0-9]+$ ]] && ((base >= 1024 && base + 10 + replicas <= 65535)) \
      || die "--base-port must be a number in [1024, 65520] or 'auto', was '$base'"
    ports_free "$base" "$replicas" || die "a port in $((base + 1))-$((base + 10 + replicas)) is \
in use; pick another range with --base-port PORT or --base-port auto"
  fi
  if ((build)) || needs_build; then
    echo "building lockd (./mvnw -q -DskipTests -pl lockd -am package)..."
    (cd "$ROOT" && ./mvnw -B -q -DskipTests -pl lockd -am package) || die "build failed"
  fi
  mkdir -p "$DATA"
  if ((tls)); then
    make_tls "$replicas"
  fi
  local members="" n
  for ((n = 1; n <= replicas; n++)); do
    members+="${members:+ }$n=127.0.0.1:$((base + 10 + n)),127.0.0.1:$((base + n))"
  done
  rm -f "$DATA/members.env" "$DATA"/r*/members
  cat >"$DATA/cell.env" <<ENV
CELL=local
REPLICAS=$replicas
BASE_PORT=$base
MEMBERS="$members"
EXTRA_FLAGS="${extra[*]:-}"
TLS=$tls
ENV
  load_env
  for ((n = 1; n <= REPLICAS; n++)); do start_replica "$n"; done
  echo "started $REPLICAS replicas; waiting for a leader (at most ${START_WAIT_SECONDS}s)..."
  local deadline=$((SECONDS + START_WAIT_SECONDS)) leader=""
  while [[ -z "$leader" ]]; do
    for ((n = 1; n <= REPLICAS; n++)); do
      if ! pid_of "$n" >/dev/null; then
        tail -n 20 "$DATA/r$n/lockd.log" >&2
        die "replica $n exited during start (log: $DATA/r$n/lockd.log)"
      fi
      grep -q "serving clients as leader" "$DATA/r$n/lockd.log" 2>/dev/null && leader=$n
    done
    [[ -n "$leader" ]] && break
    ((SECONDS < deadline)) || die "no leader within ${START_WAIT_SECONDS}s; see $DATA/r*/lockd.log"
    sleep 0.2
  done
  print_replicas
  echo "leader: replica $leader"
  echo "client endpoints: $(endpoints)"
  if [[ "${TLS:-0}" == 1 ]]; then print_tls_usage; fi
}

print_replicas() {
  local n pid state
  for n in $(ids); do
    if pid=$(pid_of "$n"); then state="running (pid $pid)"; else state="stopped"; fi
    printf 'replica %d: clients 127.0.0.1:%d  peers 127.0.0.1:%d  %-22s log %s\n' "$n" \
      "$(client_port "$n")" "$(peer_port "$n")" "$state" "$DATA/r$n/lockd.log"
  done
}

cmd_stop() {
  load_env
  local n pid
  local -a pids=()
  for n in $(ids); do
    if pid=$(pid_of "$n"); then kill -TERM "$pid" 2>/dev/null || true; pids+=("$n:$pid"); fi
  done
  for entry in "${pids[@]}"; do
    n=${entry%%:*}; pid=${entry##*:}
    if ! wait_gone "$pid" "$STOP_WAIT_SECONDS"; then
      echo "replica $n (pid $pid) did not stop within ${STOP_WAIT_SECONDS}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || echo "replica $n (pid $pid) survived SIGKILL" >&2
    fi
    rm -f "$DATA/r$n/pid"
  done
  echo "stopped ${#pids[@]} replica(s) of the cell in $DATA"
}

cmd_status() {
  load_env
  print_replicas
  local n
  for n in $(ids); do
    if pid_of "$n" >/dev/null; then
      local -a tls_flags=()
      if [[ "${TLS:-0}" == 1 ]]; then
        tls_flags=(--cacert "$DATA/tls/ca.pem" --cert "$DATA/tls/admin.pem"
          --key "$DATA/tls/admin-key.pem")
      fi
      java -jar "$JAR" status "${tls_flags[@]}" "127.0.0.1:$(client_port "$n")" && return 0
    fi
  done
  echo "no replica answered"
  return 1
}

replica_arg() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && [[ " $(ids) " == *" $1 "* ]] \
    || die "expected one of the cell's replicas ($(ids)), got '${1:-}'"
}

cmd_kill() {
  load_env
  replica_arg "${1:-}"
  local pid
  pid=$(pid_of "$1") || die "replica $1 is not running"
  kill -KILL "$pid"
  wait_gone "$pid" 5 || die "replica $1 (pid $pid) survived SIGKILL"
  rm -f "$DATA/r$1/pid"
  echo "killed replica $1 (pid $pid)"
}

cmd_restart() {
  load_env
  replica_arg "${1:-}"
  stop_replica "$1"
  start_replica "$1"
  local port deadline=$((SECONDS + START_WAIT_SECONDS))
  port=$(client_port "$1")
  until port_in_use "$port"; do
    pid_of "$1" >/dev/null || { tail -n 20 "$DATA/r$1/lockd.log" >&2; die "replica $1 exited"; }
    ((SECONDS < deadline)) || die "replica $1 does not listen on $port after ${START_WAIT_SECONDS}s"
    sleep 0.1
  done
  echo "restarted replica $1 (pid $(<"$DATA/r$1/pid")), clients on 127.0.0.1:$port"
}

# ---- membership: add and retire (docs/operations.md) --------------------------------------------

lockctl_cmd() { # runs the source tree's lockctl against this cell, as its administrator
  local -a tls_flags=()
  if [[ "${TLS:-0}" == 1 ]]; then
    tls_flags=(--cacert "$DATA/tls/ca.pem" --cert "$DATA/tls/admin.pem"
      --key "$DATA/tls/admin-key.pem")
  fi
  LOCKD_ENDPOINTS=$(endpoints) "$ROOT/lockctl/lockctl" "$@" "${tls_flags[@]}"
}

save_ids() { # $1: the ids now; $2: the next unused id
  printf 'IDS="%s"\nNEXT_ID=%s\n' "$1" "$2" >"$DATA/members.env.tmp"
  mv "$DATA/members.env.tmp" "$DATA/members.env"
  IDS=$1
  NEXT_ID=$2
}

cmd_add() {
  load_env
  local n=${NEXT_ID:-$((REPLICAS + 1))} m members=""
  ((n <= 49)) || die "add: no more ids (this script numbers replicas up to 49)"
  port_in_use "$(client_port "$n")" && die "add: port $(client_port "$n") is in use"
  port_in_use "$(peer_port "$n")" && die "add: port $(peer_port "$n") is in use"
  for m in $(ids); do members+="${members:+ }$(member_spec "$m")"; done
  members+=" $(member_spec "$n")"
  if [[ "${TLS:-0}" == 1 ]]; then
    [[ -f "$DATA/tls/ca-key.pem" ]] || die "add: the cell's CA key ($DATA/tls/ca-key.pem) is gone"
    issue_replica_cert "$n" # signed by the cell's throwaway CA, like the first replicas'
  fi
  echo "adding replica $n (clients 127.0.0.1:$(client_port "$n"), peers 127.0.0.1:$(peer_port "$n")) as a learner"
  lockctl_cmd member add "$n" "127.0.0.1:$(peer_port "$n")" "127.0.0.1:$(client_port "$n")" --wait 60s \
    || die "add: the cell refused replica $n"
  save_ids "$(ids) $n" $((n + 1))
  rm -rf "$DATA/r$n"
  mkdir -p "$DATA/r$n"
  echo "$members" >"$DATA/r$n/members"
  start_replica "$n" --join
  pid_of "$n" >/dev/null || { tail -n 20 "$DATA/r$n/lockd.log" >&2; die "replica $n exited"; }
  echo "started replica $n with --join (pid $(<"$DATA/r$n/pid")); promoting it once it caught up..."
  lockctl_cmd member promote "$n" --wait 120s || die "add: replica $n was not promoted (log: $DATA/r$n/lockd.log)"
  lockctl_cmd member list
}

cmd_retire() {
  load_env
  replica_arg "${1:-}"
  local n=$1 rest="" m
  lockctl_cmd member remove "$n" --wait 60s || die "retire: the cell refused to remove replica $n"
  for m in $(ids); do [[ "$m" == "$n" ]] || rest+="${rest:+ }$m"; done
  save_ids "$rest" "${NEXT_ID:-$((REPLICAS + 1))}"
  # Its removal takes effect 64 slots after it was chosen (the leader fills them at once); the
  # process is stopped after that, so that it never counts as a missing voter.
  sleep 1
  stop_replica "$n"
  echo "retired replica $n: removed from the configuration and stopped (its data: $DATA/r$n)"
  lockctl_cmd member list
}

# ---- main ---------------------------------------------------------------------------------------

command=${1:-help}
(($#)) && shift
# --data may also come before or after the command's other arguments.
args=()
while (($#)); do
  if [[ "$1" == --data && "$command" != start ]]; then DATA=$(realpath -m "$2"); shift 2
  elif [[ "$1" == -- ]]; then args+=("$@"); break
  else args+=("$1"); shift; fi
done
DATA=$(realpath -m "$DATA")
case "$command" in
  start) cmd_start "${args[@]}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) cmd_kill "${args[@]}" ;;
  restart) cmd_restart "${args[@]}" ;;
  endpoints) load_env; endpoints ;;
  add) cmd_add ;;
  retire) cmd_retire "${args[@]}" ;;
  logs) load_env; replica_arg "${args[0]:-}"; exec tail -F "$DATA/r${args[0]}/lockd.log" ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
