#!/usr/bin/env bash
# A local PostgreSQL cluster for the DuckLake backend (kzlogframe/lake.py): for trying it on one
# machine, and for the tests. Uses Debian's postgresql package (scripts/setup.sh installs it).
#
#   bash scripts/pg_local.sh [start [DIR [PORT]]]   create (first time) and start the cluster in DIR
#                                                   (default data/postgres) on 127.0.0.1:PORT (55432),
#                                                   with a database `kzlogframe`; prints the setting
#   bash scripts/pg_local.sh stop [DIR]             stop it
#
# The cluster trusts every connection from this machine (no password): for trying, not for a team.
# PG_FAST=1 trades durability for speed (no fsync) and allows more connections: the tests' clusters.
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` account.
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-start}
dir=$(realpath -m "${2:-data/postgres}")
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed: run bash scripts/setup.sh (or apt-get install postgresql)" >&2
  exit 1
fi
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
options="-p $port -k $dir -c listen_addresses=127.0.0.1"
if [ "${PG_FAST:-}" = 1 ]; then  # the tests: many short-lived stores, one process
  options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
fi

case "$action" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
      "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U kzlogframe -E UTF8 --no-locale \
        --no-instructions >"$dir/initdb.log"
    fi
    if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s -o "$options" start
    fi
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U kzlogframe -d postgres -tAc \
         "SELECT 1 FROM pg_database WHERE datname = 'kzlogframe'" | grep -q 1; then
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U kzlogframe kzlogframe
    fi
    echo "export KZLOGFRAME_DB=postgresql://kzlogframe@127.0.0.1:$port/kzlogframe"
    ;;
  stop)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -w -s -m fast stop
    ;;
  *)
    echo "usage: bash scripts/pg_local.sh [start [DIR [PORT]] | stop [DIR]]" >&2
    exit 2
    ;;
esac
