#!/usr/bin/env bash
# A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, for a Docker
# engine reached over tcp:// with TLS in the tests. Idempotent: existing files are kept.
#   engine-tls-certs.sh DIR   ->  DIR/{ca,cert,key}.pem (client, as DOCKER_CERT_PATH wants them)
#                                 DIR/server/{ca,cert,key}.pem (for dockerd --tlsverify)
set -euo pipefail
DIR=${1:?usage: engine-tls-certs.sh DIR}
[ -f "$DIR/key.pem" ] && [ -f "$DIR/server/key.pem" ] && exit 0
mkdir -p "$DIR/server"
cd "$DIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=postfix-matrix test CA" -keyout ca-key.pem -out ca.pem 2>/dev/null
sign() { # name cn extensions
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 -extfile "$1.ext" -out "$1-cert.pem" 2>/dev/null
}
sign server 127.0.0.1 "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
sign client postfix-matrix "extendedKeyUsage=clientAuth"
cp ca.pem server/ca.pem && mv server-cert.pem server/cert.pem && mv server-key.pem server/key.pem
mv client-cert.pem cert.pem && mv client-key.pem key.pem
rm -f ./*.csr ./*.ext ca.srl
chmod 600 key.pem server/key.pem ca-key.pem
