#!/usr/bin/env bash
# `make run`: starts the service on 127.0.0.1:8080 with its data in ./var. On the first run it
# creates an admin user and prints its one-time password.
set -euo pipefail
BIN=${1:-build/redress}
DATA=${REDRESS_DATA:-var}
LISTEN=${REDRESS_LISTEN:-127.0.0.1:8080}

mkdir -p "$DATA"
users=$("$BIN" user list --data "$DATA" | tail -n +2 | wc -l)
if [ "$users" -eq 0 ]; then
  echo "First run: creating the admin user."
  "$BIN" user add --data "$DATA" --name admin --role admin --generate-password
  echo "Sign in as 'admin' with that password and change it (POST /api/v1/me/password)."
fi
echo "Starting redress on http://$LISTEN (data in $DATA; Ctrl-C stops it)."
exec "$BIN" serve --data "$DATA" --listen "$LISTEN"
