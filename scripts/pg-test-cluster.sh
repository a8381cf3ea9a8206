#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests.
#
#   scripts/pg-test-cluster.sh start DIR [OWNER_PID]
#       initdb into DIR/data, start the server on 127.0.0.1 at a random free port (no Unix
#       socket, trust authentication), create the database "redress", and print its URL:
#       postgresql://redress@127.0.0.1:PORT/redress
#       With OWNER_PID, a watcher stops the cluster (and removes DIR) once that process has
#       gone, so a test run that crashes leaves no server behind.
#   scripts/pg-test-cluster.sh standby DIR PRIMARY_URL [OWNER_PID]
#       A streaming-replication standby of the cluster at PRIMARY_URL (one this script
#       started): pg_basebackup into DIR/data, started as a hot standby at another random port;
#       prints the URL of the same database on it.
#   scripts/pg-test-cluster.sh stop DIR
#       pg_ctl stop -m fast, then remove DIR.
#
# initdb and the server refuse to run as root: run as root, the cluster runs as the user
# "nobody", and DIR is handed to it. Needs only Debian's postgresql-15 (scripts/install-deps.sh).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_SUPERUSER=redress

usage() {
  echo "usage: $0 start DIR [OWNER_PID] | standby DIR PRIMARY_URL [OWNER_PID] | stop DIR" >&2
  exit 2
}

[ $# -ge 2 ] || usage
cmd="$1"
dir="$2"
owner_pid="${3:-}"
primary_url=""
if [ "$cmd" = standby ]; then
  [ $# -ge 3 ] || usage
  primary_url="$3"
  owner_pid="${4:-}"
fi

# Runs a command as the cluster's user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

# Makes DIR (and the directory of the cluster's files, recorded in DIR/datadir); sets $data.
prepare_dir() {
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -e "$dir/datadir" ]; then
    echo "pg-test-cluster: $dir holds a cluster already" >&2
    exit 1
  fi
  data="$dir/data"
  if [ "$(id -u)" -eq 0 ]; then
    chown nobody: "$dir"
    chmod 700 "$dir"
    # DIR may sit under a directory only root can enter (mktemp -d): then the cluster's files
    # go to a directory of their own under /tmp, recorded in DIR/datadir and removed by stop.
    if ! runuser -u nobody -- test -w "$dir"; then
      data="$(mktemp -d /tmp/redress-pg.XXXXXX)/data"
      chown nobody: "$(dirname "$data")"
    fi
  fi
  echo "$data" >"$dir/datadir"
}

# Starts the cluster in $data at a random free port; sets $port.
start_server() {
  port=""
  for _ in 1 2 3 4 5 6 7 8; do
    local candidate=$((20000 + RANDOM % 40000))
    if as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$(dirname "$data")/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -c port=$candidate -c unix_socket_directories=''" \
         start </dev/null >"$dir/pg_ctl.log" 2>&1; then
      port=$candidate
      break
    fi
    if ! grep -q "could not bind\|Address already in use" "$(dirname "$data")/server.log" \
         2>/dev/null; then
      break
    fi
  done
  if [ -z "$port" ]; then
    echo "pg-test-cluster: the server did not start:" >&2
    cat "$dir/pg_ctl.log" "$(dirname "$data")/server.log" >&2 2>/dev/null || true
    exit 1
  fi
}

# With OWNER_PID, stops the cluster once that process has gone.
watch_owner() {
  if [ -n "$owner_pid" ]; then
    # Detached, with no inherited descriptors, so a caller reading our output sees its end.
    setsid bash -c '
      while kill -0 "$1" 2>/dev/null && [ -f "$2/datadir" ]; do sleep 1; done
      [ -f "$2/datadir" ] && exec "$3" stop "$2"' watcher "$owner_pid" "$dir" "$0" \
      </dev/null >/dev/null 2>&1 &
  fi
}

standby() {
  # postgresql://USER@HOST:PORT/DB
  local rest="${primary_url#*://}"
  local user="${rest%%@*}"
  local hostport="${rest#*@}"
  hostport="${hostport%%/*}"
  local db="${rest##*/}"
  prepare_dir
  if ! as_owner "$PG_BIN/pg_basebackup" -h "${hostport%%:*}" -p "${hostport##*:}" -U "$user" \
       -D "$data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1; then
    echo "pg-test-cluster: pg_basebackup failed:" >&2
    cat "$dir/basebackup.log" >&2
    exit 1
  fi
  rm -f "$data/postmaster.pid" "$data/postmaster.opts"
  start_server
  watch_owner
  echo "postgresql://$user@127.0.0.1:$port/$db"
}

start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg-test-cluster: $PG_BIN/initdb not found: install postgresql-15" \
         "(scripts/install-deps.sh)" >&2
    exit 1
  fi
  prepare_dir
  if ! as_owner "$PG_BIN/initdb" -D "$data" -U "$PG_SUPERUSER" -A trust -E UTF8 \
       --no-locale --no-instructions >"$dir/initdb.log" 2>&1; then
    echo "pg-test-cluster: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
  fi
  start_server
  if ! "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" redress \
       >"$dir/createdb.log" 2>&1; then
    echo "pg-test-cluster: createdb failed:" >&2
    cat "$dir/createdb.log" >&2
    as_owner "$PG_BIN/pg_ctl" -D "$data" stop -m fast >/dev/null 2>&1 || true
    exit 1
  fi
  watch_owner
  echo "postgresql://$PG_SUPERUSER@127.0.0.1:$port/redress"
}

stop() {
  [ -d "$dir" ] || exit 0
  local data
  data="$(cat "$dir/datadir" 2>/dev/null || echo "$dir/data")"
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$data" stop -m fast -w -t 60 >/dev/null 2>&1 || true
  fi
  if [ "$(dirname "$data")" != "$dir" ]; then
    case "$data" in
      /tmp/redress-pg.*/data) rm -rf "$(dirname "$data")" ;;
    esac
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  standby) standby ;;
  stop) stop ;;
  *) usage ;;
esac
