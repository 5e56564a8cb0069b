# shellcheck shell=bash
# shellcheck disable=SC2034 # the *_DIR variables are used by the scripts that source this file
# Shared settings for the deploy/ scripts. Source it; it prints nothing.
# Every value can be overridden from the environment, e.g.
#   REFEREE_DATA_DIR=/tmp/referee-b KAFKA_PORT=19092 deploy/infra.sh up

# Repository root: the parent of the folder holding this file.
REFEREE_HOME="${REFEREE_HOME:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}"
# One folder for everything the scripts download or the running system writes:
#   cache/ downloads (Kafka jars)   kafka/ temporal/ postgres/ state
#   logs/  log files                run/   pid files
REFEREE_DATA_DIR="${REFEREE_DATA_DIR:-$REFEREE_HOME/.referee}"
case "$REFEREE_DATA_DIR" in
    /*) ;;
    *) REFEREE_DATA_DIR="$PWD/$REFEREE_DATA_DIR" ;;
esac

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
PG_PORT="${PG_PORT:-55432}"
PG_USER="${PG_USER:-referee}"
PG_PASSWORD="${PG_PASSWORD:-referee}"

# Kafka authentication: "scram" (SASL/SCRAM-SHA-512 and ACLs, one principal per service, external system and
# the test harness; passwords in $REFEREE_DATA_DIR/secrets/kafka/), or "none" (PLAINTEXT: the opt-out, for a
# broker of your own). Unset, it is what this data folder's broker was formatted with (a folder formatted before
# SCRAM was the default is PLAINTEXT), and scram for a new one. See docs/security.md.
formatted_kafka_auth() {
    local info="$REFEREE_DATA_DIR/kafka/format.info" auth=""
    if [[ -f "$info" ]]; then
        auth="$(sed -n 's/^auth=//p' "$info")"
        printf '%s\n' "${auth:-none}"
    elif [[ -f "$REFEREE_DATA_DIR/kafka/data/meta.properties" ]]; then
        printf 'none\n'
    else
        printf 'scram\n'
    fi
}
REFEREE_KAFKA_AUTH="${REFEREE_KAFKA_AUTH:-$(formatted_kafka_auth)}"

export REFEREE_HOME REFEREE_DATA_DIR KAFKA_VERSION KAFKA_PORT KAFKA_CONTROLLER_PORT \
    TEMPORAL_PORT TEMPORAL_UI_PORT PG_PORT PG_USER PG_PASSWORD REFEREE_KAFKA_AUTH

REFEREE_CACHE_DIR="$REFEREE_DATA_DIR/cache"
REFEREE_LOG_DIR="$REFEREE_DATA_DIR/logs"
REFEREE_RUN_DIR="$REFEREE_DATA_DIR/run"
REFEREE_DEPLOY_DIR="$REFEREE_HOME/deploy"
KAFKA_SECRETS_DIR="$REFEREE_DATA_DIR/secrets/kafka"

# --- helpers for the deploy scripts (die exits: not for an interactive shell) --

# die MESSAGE...: print to stderr and exit 1.
die() {
    printf '%s: error: %s\n' "${0##*/}" "$*" >&2
    exit 1
}

# note MESSAGE...: progress or hints on stderr (stdout stays parseable).
note() {
    printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# ensure_dirs: create the data folder layout.
ensure_dirs() {
    mkdir -p "$REFEREE_CACHE_DIR" "$REFEREE_LOG_DIR" "$REFEREE_RUN_DIR"
}

# port_open PORT [HOST]: true if something accepts TCP connections there.
port_open() {
    local port="$1" host="${2:-127.0.0.1}"
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# pid_alive PID: true if the process exists and is not a zombie (an
# unreaped child of an init that does not reap counts as dead).
pid_alive() {
    local stat=""
    [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null || return 1
    stat="$(cat "/proc/$1/stat" 2>/dev/null || true)"
    stat="${stat##*) }"
    [[ "${stat:0:1}" != "Z" && "${stat:0:1}" != "X" ]]
}

# read_pid FILE: print the pid stored in FILE (nothing if missing/garbage).
read_pid() {
    local pid=""
    if [[ -f "$1" ]]; then
        read -r pid <"$1" || true
    fi
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
        printf '%s\n' "$pid"
    fi
}

# pid_matches PID PATTERN: true if the process is alive and its command line
# contains PATTERN (guards against a stale pid file whose pid was reused).
pid_matches() {
    local pid="$1" pattern="$2" cmdline
    pid_alive "$pid" || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 0
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *"$pattern"* ]]
}

# render_template TEMPLATE OUTPUT VAR...: copy TEMPLATE to OUTPUT replacing
# every @VAR@ with the value of $VAR (pure bash, safe for any characters).
render_template() {
    local template="$1" output="$2" content name
    shift 2
    content="$(<"$template")"
    for name in "$@"; do
        content="${content//"@${name}@"/"${!name}"}"
    done
    printf '%s\n' "$content" >"$output.tmp"
    mv -f "$output.tmp" "$output"
}

# stop_pid NAME PID TIMEOUT: SIGTERM, wait up to TIMEOUT seconds, then SIGKILL.
stop_pid() {
    local name="$1" pid="$2" timeout="$3" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < timeout * 10; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    note "$name (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    die "$name (pid $pid) survived SIGKILL"
}

# show_log_tail FILE [LINES]: last lines of a log on stderr, for failures.
show_log_tail() {
    local file="$1" lines="${2:-30}"
    if [[ -s "$file" ]]; then
        printf -- '--- last %s lines of %s ---\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" >&2
        printf -- '---\n' >&2
    fi
}

# kafka_password PRINCIPAL: print the principal's SCRAM password, creating it (0600) the first time.
kafka_password() {
    local file="$KAFKA_SECRETS_DIR/$1"
    if [[ ! -s "$file" ]]; then
        mkdir -p "$KAFKA_SECRETS_DIR"
        chmod 700 "$KAFKA_SECRETS_DIR" "$(dirname -- "$KAFKA_SECRETS_DIR")"
        (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$file")
    fi
    cat "$file"
}

# kafka_client_env PRINCIPAL: the REFEREE_KAFKA_* settings a client of that principal needs (one per line, for
# `env`); nothing when the broker takes no authentication.
kafka_client_env() {
    [[ "$REFEREE_KAFKA_AUTH" == "scram" ]] || return 0
    printf '%s\n' "REFEREE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT" "REFEREE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512" \
        "REFEREE_KAFKA_SASL_USERNAME=$1" "REFEREE_KAFKA_SASL_PASSWORD=$(kafka_password "$1")"
}
