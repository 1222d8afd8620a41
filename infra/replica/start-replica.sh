#!/bin/sh
# Starts a streaming read replica (hot standby) of a PostgreSQL primary on this machine: pg_basebackup -R -X stream
# from the primary into <root>/data, then the server on a given loopback port. Run it again with the same --root
# to start the same replica again (an existing data directory is reused). As root, PostgreSQL runs as the
# postgres account. What tests/TestSupport/StreamingReplica.cs does for the tests.
#
#   infra/replica/start-replica.sh --primary-port 5432 --root /var/tmp/replica1 --port 5433 \
#       [--primary-host 127.0.0.1] [--primary-root DIR | --password-file FILE] [--slot NAME]
#   infra/replica/start-replica.sh --stop --root /var/tmp/replica1
#
# The superuser password of the primary is read from --password-file, else <primary-root>/superuser.password
# (the embedded launcher's layout; the silo's embedded default keeps it in `.data/postgres/`), else $PGPASSWORD;
# it is copied to <root>/superuser.password (mode 0600). With --slot the primary keeps WAL for the replica in a
# physical replication slot of that name (drop it with pg_drop_replication_slot when the replica is retired).
# The replica listens on 127.0.0.1 only and on no Unix socket; its log is <root>/postgres.log.
# Register it with the platform as a replica of the primary's databases: the same connection strings with
# Port=<port> (POST /admin/databases "replicas", or a dedicated tenant's placement "replicas").
set -eu

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

primary_host=127.0.0.1
primary_port=
primary_root=
password_file=
root=
port=
slot=
stop=false
timeout=60

while [ $# -gt 0 ]; do
    case "$1" in
        --primary-host) primary_host=$2; shift 2 ;;
        --primary-port) primary_port=$2; shift 2 ;;
        --primary-root) primary_root=$2; shift 2 ;;
        --password-file) password_file=$2; shift 2 ;;
        --root) root=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --slot) slot=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --stop) stop=true; shift ;;
        -h|--help) usage ;;
        *) echo "start-replica: unknown argument '$1'" >&2; usage ;;
    esac
done

[ -n "$root" ] || { echo "start-replica: --root is required" >&2; usage; }
case "$root" in /*) ;; *) root=$(pwd)/$root ;; esac
data=$root/data

# PostgreSQL refuses to run as root: as root its programs run as the postgres account.
if [ "$(id -u)" = 0 ]; then account=postgres; else account=; fi
as_account() { if [ -n "$account" ]; then runuser -u "$account" -- "$@"; else "$@"; fi; }

# The server's programs (PATH, pg_config --bindir, /usr/lib/postgresql/<highest>/bin), and its client programs
# next to them, or next to what they link to (a PATH with symlinks to the server programs only).
find_bin() {
    for candidate in $(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/postgres)") \
        "$(pg_config --bindir 2>/dev/null || true)" \
        $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$candidate/postgres" ] && [ -x "$candidate/pg_ctl" ]; then
            echo "$candidate"
            return
        fi
    done
    echo "start-replica: no PostgreSQL server programs found (on Debian: apt-get install -y postgresql)" >&2
    exit 1
}
bin=$(find_bin)
real_bin=$(dirname "$(readlink -f "$bin/postgres")")
tool() {
    for directory in "$bin" "$real_bin"; do
        if [ -x "$directory/$1" ]; then echo "$directory/$1"; return; fi
    done
    command -v "$1" || { echo "start-replica: $1 not found next to $bin or on the PATH" >&2; exit 1; }
}
pg_ctl=$(tool pg_ctl)

if [ "$stop" = true ]; then
    as_account "$pg_ctl" stop -D "$data" -m fast -w
    exit 0
fi

[ -n "$primary_port" ] || { echo "start-replica: --primary-port is required" >&2; usage; }
[ -n "$port" ] || { echo "start-replica: --port is required" >&2; usage; }
psql=$(tool psql)

if [ -z "$password_file" ] && [ -n "$primary_root" ]; then password_file=$primary_root/superuser.password; fi
if [ -n "$password_file" ]; then
    PGPASSWORD=$(cat "$password_file")
fi
[ -n "${PGPASSWORD:-}" ] || { echo "start-replica: no password: give --password-file, --primary-root or PGPASSWORD" >&2; exit 1; }
export PGPASSWORD
export PGCONNECT_TIMEOUT=5

on_primary() { as_account "$psql" -X -A -t -q -h "$primary_host" -p "$primary_port" -U postgres -d postgres -c "$1"; }
on_replica() { as_account "$psql" -X -A -t -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$1"; }

mkdir -p "$root"
# The server account must get through the root to reach data/, and through every ancestor too.
if [ -n "$account" ]; then
    chmod o+x "$root"
    if ! runuser -u "$account" -- test -x "$root"; then
        echo "start-replica: the $account account cannot reach $root: make its ancestor directories searchable (chmod o+x)" >&2
        exit 1
    fi
fi

if [ -f "$data/PG_VERSION" ]; then
    echo "start-replica: reusing the replica in $data"
else
    if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
        echo "start-replica: $data is neither empty nor a cluster" >&2
        exit 1
    fi
    mkdir -p -m 0700 "$data"
    [ -z "$account" ] || chown "$account:" "$data"
    echo "start-replica: cloning $primary_host:$primary_port into $data"
    set -- -h "$primary_host" -p "$primary_port" -U postgres -D "$data" -R -X stream --checkpoint=fast
    [ -z "$slot" ] || set -- "$@" --create-slot --slot "$slot"
    as_account "$(tool pg_basebackup)" "$@"
    if [ -n "$password_file" ]; then
        cp "$password_file" "$root/superuser.password"
    else
        (umask 077 && printf '%s' "$PGPASSWORD" >"$root/superuser.password")
    fi
    chmod 0600 "$root/superuser.password"
fi

# A hot standby needs at least the primary's values of these (the embedded primary sets some on its command line).
settings=$(on_primary "SELECT string_agg('-c ' || name || '=' || setting, ' ') FROM pg_settings WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction', 'wal_level', 'max_replication_slots')")

touch "$root/postgres.log"
[ -z "$account" ] || chown "$account:" "$root/postgres.log"
# shellcheck disable=SC2086 # $settings is a list of options.
as_account "$pg_ctl" start -D "$data" -l "$root/postgres.log" -w -t "$timeout" \
    -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c hot_standby=on $settings"

# Streaming: in recovery, and replayed what the primary had written when we asked. The target is the end of a
# message written in a transaction that commits synchronously: its commit flushes everything up to it, whatever
# the primary's synchronous_commit (the insert position alone may end in WAL that no one flushes for a while).
target=$(as_account "$psql" -X -A -t -q -h "$primary_host" -p "$primary_port" -U postgres -d postgres \
    -c "BEGIN" -c "SET LOCAL synchronous_commit = on" \
    -c "SELECT FROM pg_logical_emit_message(true, 'start-replica', 'catch-up')" \
    -c "SELECT pg_current_wal_insert_lsn()" -c "COMMIT")
deadline=$(($(date +%s) + timeout))
until [ "$(on_replica "SELECT pg_is_in_recovery() AND coalesce(pg_last_wal_replay_lsn() >= '$target'::pg_lsn, false)" 2>/dev/null || true)" = t ]; do
    if [ "$(date +%s)" -gt "$deadline" ]; then
        echo "start-replica: the replica on port $port did not catch up with $target within ${timeout}s; see $root/postgres.log" >&2
        exit 1
    fi
    sleep 0.2
done

echo "start-replica: streaming replica of $primary_host:$primary_port on 127.0.0.1:$port (data $data)"
echo "start-replica: stop it with: $0 --stop --root $root"
