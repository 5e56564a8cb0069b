#!/usr/bin/env bash
# Private PostgreSQL cluster for development and tests, from Debian's packages,
# in $REFEREE_DATA_DIR/postgres/data (as root, when the postgres user cannot reach that folder: in
# /var/lib/referee-postgres/<hash of the data folder>/data), listening on 127.0.0.1:$PG_PORT only.
#
#   deploy/postgres.sh install        apt-get install postgresql if no server binaries are found
#   deploy/postgres.sh start          initdb once, start, ensure role $PG_USER (superuser, password)
#   deploy/postgres.sh wait           block until pg_isready (PG_WAIT_TIMEOUT, 60 s)
#   deploy/postgres.sh stop           pg_ctl stop -m fast
#   deploy/postgres.sh status         "running"/"stopped"; exit 0 if running, 3 if not
#   deploy/postgres.sh createdb NAME  create database NAME (owner $PG_USER) if missing
#   deploy/postgres.sh url NAME       print the SQLAlchemy asyncpg URL of database NAME
#
# Settings (see env.sh): PG_PORT, PG_USER, PG_PASSWORD, REFEREE_DATA_DIR;
# PG_BIN overrides the server binaries folder (default: newest
# /usr/lib/postgresql/<version>/bin, or the version the cluster was created with).
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres`
# system user of the Debian package and its programs run through runuser; as any
# other user the cluster belongs to that user.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

PG_WAIT_TIMEOUT="${PG_WAIT_TIMEOUT:-60}"
PG_STATE_DIR="$REFEREE_DATA_DIR/postgres"
PG_LOG="$REFEREE_LOG_DIR/postgres.log"
# As root the cluster runs as `postgres`, which cannot reach a data folder under a parent that is not
# searchable by others (a home of mode 700 or 750, `mktemp -d`). Then the cluster lives where it can
# always reach, under PG_FALLBACK_ROOT, in a folder keyed by this data folder's path (so two checkouts
# never share a cluster), with its log beside it. A cluster already in the data folder stays there.
PG_FALLBACK_ROOT="${PG_FALLBACK_ROOT:-/var/lib/referee-postgres}"
if ((EUID == 0)) && [[ ! -f "$PG_STATE_DIR/data/PG_VERSION" ]] && id -u postgres >/dev/null 2>&1; then
    mkdir -p "$REFEREE_DATA_DIR"
    if ! runuser -u postgres -- test -x "$REFEREE_DATA_DIR" 2>/dev/null; then
        PG_STATE_DIR="$PG_FALLBACK_ROOT/$(printf '%s' "$REFEREE_DATA_DIR" | sha256sum | cut -c1-16)"
        PG_LOG="$PG_STATE_DIR/postgres.log"
    fi
fi
PGDATA_DIR="$PG_STATE_DIR/data"
PG_LOCK_FILE="$REFEREE_RUN_DIR/postgres.lock"

usage() {
    printf 'usage: %s install|start|stop|status|wait|createdb NAME|url NAME\n' "${0##*/}" >&2
    exit 2
}

lock() {
    ensure_dirs
    exec 9>"$PG_LOCK_FILE"
    flock -w 600 9 || die "another postgres.sh holds $PG_LOCK_FILE"
}

# find_bindir: print the folder with initdb/pg_ctl, or nothing.
find_bindir() {
    if [[ -n "${PG_BIN:-}" ]]; then
        printf '%s\n' "$PG_BIN"
        return 0
    fi
    local created="" dir best=""
    if [[ -f "$PGDATA_DIR/PG_VERSION" ]]; then
        created="$(<"$PGDATA_DIR/PG_VERSION")"
        if [[ -x "/usr/lib/postgresql/$created/bin/pg_ctl" ]]; then
            printf '%s\n' "/usr/lib/postgresql/$created/bin"
        fi
        return 0
    fi
    while IFS= read -r dir; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            best="$dir"
        fi
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
    if [[ -n "$best" ]]; then
        printf '%s\n' "$best"
    fi
}

bindir() {
    local dir
    dir="$(find_bindir)"
    if [[ -z "$dir" && -f "$PGDATA_DIR/PG_VERSION" ]]; then
        die "$PGDATA_DIR was created by PostgreSQL $(<"$PGDATA_DIR/PG_VERSION"), whose binaries" \
            "are not installed (apt-get install postgresql-$(<"$PGDATA_DIR/PG_VERSION")), or wipe" \
            "the cluster (ALL DATA IS LOST): rm -rf '$PGDATA_DIR'"
    fi
    [[ -n "$dir" ]] || die "no PostgreSQL server found under /usr/lib/postgresql/*/bin: run '$0 install'"
    [[ -x "$dir/pg_ctl" ]] || die "$dir/pg_ctl not found (PG_BIN=${PG_BIN:-})"
    printf '%s\n' "$dir"
}

# OS user owning the cluster: see the header.
cluster_owner() {
    if ((EUID != 0)); then
        id -un
    elif [[ -d "$PGDATA_DIR" ]]; then
        stat -c %U "$PGDATA_DIR"
    else
        printf 'postgres\n'
    fi
}

# as_owner CMD...: run CMD as the cluster's owner (from / so that a private
# working directory does not get in the way), without the lock's fd 9: the
# server that pg_ctl leaves running must not hold the lock.
as_owner() {
    if ((EUID == 0)); then
        local owner
        owner="$(cluster_owner)"
        [[ "$owner" != root ]] || die "$PGDATA_DIR belongs to root; PostgreSQL cannot run as root." \
            "Wipe it (rm -rf '$PGDATA_DIR') so that it is recreated for the postgres user"
        (cd / && runuser -u "$owner" -- "$@" 9>&-)
    else
        (cd / && "$@" 9>&-)
    fi
}

running() {
    local dir
    [[ -f "$PGDATA_DIR/PG_VERSION" ]] || return 1
    dir="$(find_bindir)"
    [[ -n "$dir" ]] || return 1
    as_owner "$dir/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1
}

postmaster_pid() {
    local pid=""
    if [[ -f "$PGDATA_DIR/postmaster.pid" ]]; then
        read -r pid <"$PGDATA_DIR/postmaster.pid" || true
    fi
    printf '%s\n' "$pid"
}

# admin_psql ARGS...: psql as the bootstrap superuser over the cluster's private
# unix socket (peer authentication), SQL on stdin.
admin_psql() {
    local dir
    dir="$(bindir)"
    as_owner "$dir/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDATA_DIR" -p "$PG_PORT" -d postgres "$@"
}

# referee_psql ARGS...: psql as $PG_USER with its password over TCP, SQL on stdin.
referee_psql() {
    local dir
    dir="$(bindir)"
    PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 "$dir/psql" -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"
}

do_install() {
    [[ -n "$(find_bindir)" ]] && return 0
    [[ -f "$PGDATA_DIR/PG_VERSION" ]] && bindir >/dev/null # explains a version mismatch
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "PostgreSQL is not installed and sudo is not available:" \
            "ask an administrator to run: apt-get install postgresql"
        sudo=(sudo)
    fi
    note "installing PostgreSQL from Debian packages (apt-get install postgresql)"
    local log="$REFEREE_LOG_DIR/postgres-install.log"
    if ! { "${sudo[@]}" apt-get update &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >"$log" 2>&1; then
        show_log_tail "$log" 30
        die "apt-get install postgresql failed (full log: $log)"
    fi
    [[ -n "$(find_bindir)" ]] || die "postgresql installed, but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
}

cmd_install() {
    lock
    do_install
}

# conf_quote VALUE: a single-quoted postgresql.conf string.
conf_quote() {
    printf "'%s'" "${1//\'/\'\'}"
}

init_cluster() {
    local dir="$1" owner
    owner="$(cluster_owner)"
    mkdir -p "$PG_STATE_DIR"
    if [[ "$PG_STATE_DIR" != "$REFEREE_DATA_DIR"/* ]]; then
        chmod 755 "$PG_FALLBACK_ROOT" "$PG_STATE_DIR"
        printf '%s\n' "$REFEREE_DATA_DIR" >"$PG_STATE_DIR/data-dir" # whose cluster this is
        ln -sfn "$PG_STATE_DIR" "$REFEREE_DATA_DIR/postgres-cluster"
    fi
    if ((EUID == 0)); then
        id -u "$owner" >/dev/null 2>&1 ||
            die "system user '$owner' not found (the Debian postgresql package creates it)"
        install -d -o "$owner" -g "$(id -gn "$owner")" -m 700 "$PGDATA_DIR"
        runuser -u "$owner" -- test -w "$PGDATA_DIR" 2>/dev/null ||
            die "user '$owner' cannot reach $PGDATA_DIR (a parent folder is not searchable by" \
                "others); choose another REFEREE_DATA_DIR, e.g. REFEREE_DATA_DIR=/tmp/referee"
    else
        install -d -m 700 "$PGDATA_DIR"
    fi
    local initdb_log="$REFEREE_LOG_DIR/postgres-initdb.log"
    if ! as_owner "$dir/initdb" -D "$PGDATA_DIR" --encoding=UTF8 --no-locale --no-sync \
        --auth-local=peer --auth-host=scram-sha-256 >"$initdb_log" 2>&1; then
        show_log_tail "$initdb_log" 30
        die "initdb failed (full log: $initdb_log)"
    fi
    printf "\ninclude_if_exists = 'referee.conf'\n" | as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
}

write_conf() {
    local conf
    conf="$(
        cat <<EOF
# Written by deploy/postgres.sh at every start: change the script, not this file.
# A throwaway dev/test cluster: durability is traded for speed (fsync,
# synchronous_commit and full_page_writes are off), so a machine crash can lose
# or corrupt its data. Never use these settings for data that matters.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = $(conf_quote "$PGDATA_DIR")
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    )"
    printf '%s\n' "$conf" | as_owner tee "$PGDATA_DIR/referee.conf" >/dev/null
}

ensure_role() {
    admin_psql -v "user=$PG_USER" -v "password=$PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN SUPERUSER PASSWORD %L', :'user', :'password') \gexec
SQL
}

cmd_start() {
    lock
    do_install
    local dir
    dir="$(bindir)"
    if running; then
        printf 'already running postgres (pid %s, 127.0.0.1:%s)\n' "$(postmaster_pid)" "$PG_PORT"
        return 0
    fi
    port_open "$PG_PORT" && die "127.0.0.1:$PG_PORT is already in use by another process" \
        "(not the cluster in $PGDATA_DIR); stop it or choose another PG_PORT"
    local socket="$PGDATA_DIR/.s.PGSQL.$PG_PORT"
    ((${#socket} <= 107)) || die "socket path $socket is too long for a unix socket" \
        "(${#socket} > 107 characters); choose a shorter REFEREE_DATA_DIR"

    [[ -f "$PGDATA_DIR/PG_VERSION" ]] || init_cluster "$dir"
    write_conf
    touch "$PG_LOG"
    if ((EUID == 0)); then
        chown "$(cluster_owner)" "$PG_LOG"
    fi
    if ! as_owner "$dir/pg_ctl" start -D "$PGDATA_DIR" -l "$PG_LOG" -w -t "$PG_WAIT_TIMEOUT" -s \
        >/dev/null 2>&1; then
        show_log_tail "$PG_LOG" 30
        die "PostgreSQL did not start (log: $PG_LOG)"
    fi
    ensure_role || die "could not create or update role $PG_USER"
    printf 'started postgres (pid %s, 127.0.0.1:%s)\n' "$(postmaster_pid)" "$PG_PORT"
}

cmd_stop() {
    lock
    if ! running; then
        printf 'already stopped postgres\n'
        return 0
    fi
    local dir
    dir="$(bindir)"
    as_owner "$dir/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 60 -s ||
        die "pg_ctl stop failed (log: $PG_LOG)"
    printf 'stopped postgres\n'
}

cmd_status() {
    if running && port_open "$PG_PORT"; then
        printf 'postgres: running (pid %s, 127.0.0.1:%s)\n' "$(postmaster_pid)" "$PG_PORT"
        return 0
    elif running; then
        printf 'postgres: running (pid %s) but not on 127.0.0.1:%s: restart it to apply PG_PORT\n' \
            "$(postmaster_pid)" "$PG_PORT"
    elif port_open "$PG_PORT"; then
        printf 'postgres: stopped (but 127.0.0.1:%s is in use by another process)\n' "$PG_PORT"
    else
        printf 'postgres: stopped (127.0.0.1:%s)\n' "$PG_PORT"
    fi
    return 3
}

cmd_wait() {
    local dir deadline=$((SECONDS + PG_WAIT_TIMEOUT))
    dir="$(bindir)"
    while ((SECONDS < deadline)); do
        if ! running; then
            show_log_tail "$PG_LOG" 30
            die "postgres is not running (log: $PG_LOG)"
        fi
        if "$dir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then
            return 0
        fi
        sleep 0.5
    done
    show_log_tail "$PG_LOG" 30
    die "postgres did not accept connections on 127.0.0.1:$PG_PORT within ${PG_WAIT_TIMEOUT}s"
}

cmd_createdb() {
    local name="$1"
    [[ -n "$name" ]] || usage
    running || die "postgres is not running: run '$0 start' first"
    referee_psql -v "db=$name" -v "owner=$PG_USER" <<'SQL' || die "could not create database $name"
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
}

# urlencode VALUE: percent-encode everything but RFC 3986 unreserved characters.
urlencode() {
    local LC_ALL=C value="$1" out="" c i
    for ((i = 0; i < ${#value}; i++)); do
        c="${value:i:1}"
        case "$c" in
            [A-Za-z0-9._~-]) out+="$c" ;;
            *) out+="$(printf '%%%02X' "'$c")" ;;
        esac
    done
    printf '%s' "$out"
}

cmd_url() {
    local name="$1"
    [[ -n "$name" ]] || usage
    printf 'postgresql+asyncpg://%s:%s@127.0.0.1:%s/%s\n' \
        "$(urlencode "$PG_USER")" "$(urlencode "$PG_PASSWORD")" "$PG_PORT" "$(urlencode "$name")"
}

[[ $# -ge 1 ]] || usage
case "$1" in
    install | start | stop | status | wait)
        [[ $# -eq 1 ]] || usage
        "cmd_$1"
        ;;
    createdb | url)
        [[ $# -eq 2 ]] || usage
        "cmd_$1" "$2"
        ;;
    *) usage ;;
esac
