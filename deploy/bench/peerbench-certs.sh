#!/usr/bin/env bash
# deploy/bench/peerbench-certs.sh DIR: a throwaway CA, replica certificates for the cell "peerbench" (1..5,
# naming lockd://peerbench/replica/N) and client certificates for alice and admin, valid 3 days.
set -euo pipefail
dir=$1; rm -rf "$dir"; mkdir -p "$dir"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca-key.pem" 2>/dev/null
openssl req -x509 -new -key "$dir/ca-key.pem" -subj "/CN=pb CA" -days 3 -sha256 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem" 2>/dev/null
issue() { local name=$1 cn=$2 ext=$3
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name-key.pem" 2>/dev/null
  openssl req -new -key "$dir/$name-key.pem" -subj "/CN=$cn" -out "$dir/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial -days 3 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
}
common="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment"
for n in 1 2 3 4 5; do issue replica-$n "lockd replica $n" "$common
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=URI:lockd://peerbench/replica/$n,IP:127.0.0.1,DNS:localhost"; done
for c in alice admin; do issue $c $c "$common
extendedKeyUsage=clientAuth"; done
