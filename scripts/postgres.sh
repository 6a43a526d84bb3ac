#!/usr/bin/env bash
# Start (installing first when missing) a local PostgreSQL cluster for the @pytest.mark.postgres
# tests and print the shell exports that point at it:
#
#   eval "$(scripts/postgres.sh start)"     # what scripts/test.sh runs
#   scripts/postgres.sh stop | status
#
# Uses Debian's cluster tools (pg_createcluster / pg_ctlcluster) so it works as root, where
# initdb refuses to run. Idempotent: a running cluster is reused at once. Only the exports go to
# stdout; progress goes to stderr.
set -euo pipefail

CLUSTER="pagesync"
DATABASE="pagesync_test"
log() { echo "postgres.sh: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_installed() {
    if command -v pg_createcluster >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        return
    fi
    log "installing PostgreSQL from Debian (apt-get install postgresql)"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
}

pg_version() {
    ls /usr/lib/postgresql | sort -V | tail -n 1
}

cluster_field() {  # column N of pg_lsclusters for our cluster (1 version, 3 port, 4 status)
    pg_lsclusters --no-header 2>/dev/null | awk -v v="$1" -v c="$CLUSTER" '$2 == c { print $v }' | head -n 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ensure_cluster() {
    local version port
    version="$(pg_version)"
    if [ -z "$(cluster_field 1)" ]; then
        port="$(free_port)"
        log "creating cluster $version/$CLUSTER on port $port"
        # Loopback only (the tests need nothing else); no fsync (throwaway test data).
        as_root pg_createcluster "$version" "$CLUSTER" --port "$port" \
            -o listen_addresses=localhost -o fsync=off -- \
            --auth-local=trust --auth-host=trust >&2
    fi
    if [ "$(cluster_field 4)" != "online" ]; then
        log "starting cluster $(cluster_field 1)/$CLUSTER"
        as_root pg_ctlcluster "$(cluster_field 1)" "$CLUSTER" start >&2
    fi
}

psql_admin() {
    as_root runuser -u postgres -- psql -X -q -h 127.0.0.1 -p "$(cluster_field 3)" -d postgres "$@"
}

ensure_database() {
    if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
        log "creating database $DATABASE"
        psql_admin -c "CREATE DATABASE $DATABASE" >&2
    fi
}

start() {
    ensure_installed
    ensure_cluster
    ensure_database
    local url="postgresql://postgres@127.0.0.1:$(cluster_field 3)/$DATABASE"
    echo "export PAGESYNC_TEST_POSTGRES_URL=$url"
}

case "${1:-start}" in
    start) start ;;
    stop)
        if [ -n "$(cluster_field 1)" ]; then as_root pg_ctlcluster "$(cluster_field 1)" "$CLUSTER" stop >&2; fi ;;
    status) pg_lsclusters >&2 ;;
    *) echo "usage: scripts/postgres.sh start|stop|status" >&2; exit 2 ;;
esac
