#!/usr/bin/env bash
# Start, stop and inspect the five Referee services as background processes.
#
#   deploy/services.sh start|stop|status [service...]     (default: every service)
#
# Each service runs as `python -m referee_<name>` from the project's .venv, logs JSON lines to
# $REFEREE_DATA_DIR/logs/<name>.log and keeps its SQLite database in $REFEREE_DATA_DIR/services/.
# `start` waits until every started service answers GET /health with 200.
# The services and their ports come from the one list in shared/referee_shared/services.py
# (registration 8001 ... settlement 8005); <NAME>_PORT in the environment overrides a port, e.g.
# REGISTRATION_PORT=9001; the console, on CONSOLE_PORT (8006), calls the others' ports.
# Any REFEREE_* variable is passed through.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

PYTHON="$REFEREE_HOME/.venv/bin/python"
SERVICE_WAIT_TIMEOUT="${SERVICE_WAIT_TIMEOUT:-60}"
[[ -x "$PYTHON" ]] || die "no $PYTHON: run 'make setup' (uv sync) first"

ALL_SERVICES=()
declare -A PORTS=()
while read -r name port; do
    ALL_SERVICES+=("$name")
    PORTS[$name]="$port"
done < <("$PYTHON" -m referee_shared.services)
# The console is a client of the five, not one of them (no Temporal; Kafka only for its notification centre,
# as its own principal): it is started after them.
ALL_SERVICES+=(console)
PORTS[console]="${CONSOLE_PORT:-8006}"

port_of() {
    [[ -n "${PORTS[$1]:-}" ]] || die "unknown service '$1' (one of: ${ALL_SERVICES[*]})"
    printf '%s\n' "${PORTS[$1]}"
}

pid_file() { printf '%s/%s.pid\n' "$REFEREE_RUN_DIR" "$1"; }

healthy() {
    if command -v curl >/dev/null 2>&1; then  # a probe every half second: curl, not a Python start each time
        curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/health" 2>/dev/null
        return
    fi
    "$PYTHON" - "$1" <<'PY' 2>/dev/null
import sys, httpx
sys.exit(0 if httpx.get(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=2).status_code == 200 else 1)
PY
}

start_one() {
    local name="$1" port pid log
    port="$(port_of "$name")"
    pid="$(read_pid "$(pid_file "$name")")"
    if [[ -n "$pid" ]] && pid_matches "$pid" "referee_$name"; then
        printf 'already running %s (pid %s, http://127.0.0.1:%s)\n' "$name" "$pid" "$port"
        return 0
    fi
    port_open "$port" && die "port $port for $name is in use by another process"
    log="$REFEREE_LOG_DIR/$name.log"
    mkdir -p "$REFEREE_DATA_DIR/services"
    REFEREE_SERVICE_NAME="$name" REFEREE_HTTP_PORT="$port" REFEREE_DATA_DIR="$REFEREE_DATA_DIR" \
        REFEREE_KAFKA_BOOTSTRAP="${REFEREE_KAFKA_BOOTSTRAP:-127.0.0.1:$KAFKA_PORT}" \
        REFEREE_TEMPORAL_ADDRESS="${REFEREE_TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}" \
        REFEREE_REGISTRATION_URL="http://127.0.0.1:$(port_of registration)" \
        REFEREE_DEDUP_URL="http://127.0.0.1:$(port_of dedup)" \
        REFEREE_QUALIFICATION_URL="http://127.0.0.1:$(port_of qualification)" \
        REFEREE_ARBITRATION_URL="http://127.0.0.1:$(port_of arbitration)" \
        REFEREE_SETTLEMENT_URL="http://127.0.0.1:$(port_of settlement)" \
        nohup env $(kafka_client_env "$name") "$PYTHON" -m "referee_$name" >>"$log" 2>&1 &
    printf '%s\n' "$!" >"$(pid_file "$name")"
    printf 'started %s (pid %s, http://127.0.0.1:%s)\n' "$name" "$!" "$port"
}

wait_one() {
    local name="$1" port pid i
    port="$(port_of "$name")"
    pid="$(read_pid "$(pid_file "$name")")"
    for ((i = 0; i < SERVICE_WAIT_TIMEOUT * 2; i++)); do
        healthy "$port" && return 0
        if [[ -z "$pid" ]] || ! pid_alive "$pid"; then
            show_log_tail "$REFEREE_LOG_DIR/$name.log"
            die "$name exited during start-up"
        fi
        sleep 0.5
    done
    show_log_tail "$REFEREE_LOG_DIR/$name.log"
    die "$name did not become healthy within ${SERVICE_WAIT_TIMEOUT}s"
}

stop_one() {
    local name="$1" pid
    pid="$(read_pid "$(pid_file "$name")")"
    if [[ -n "$pid" ]] && pid_matches "$pid" "referee_$name"; then
        stop_pid "$name" "$pid" 30
        printf 'stopped %s\n' "$name"
    fi
    rm -f "$(pid_file "$name")"
}

status_one() {
    local name="$1" pid
    pid="$(read_pid "$(pid_file "$name")")"
    if [[ -n "$pid" ]] && pid_matches "$pid" "referee_$name"; then
        printf '%-14s running (pid %s, http://127.0.0.1:%s/docs)\n' "$name" "$pid" "$(port_of "$name")"
        return 0
    fi
    printf '%-14s stopped\n' "$name"
    return 3
}

main() {
    local command="${1:-}" status=0 name
    shift || true
    local services=("$@")
    [[ ${#services[@]} -gt 0 ]] || services=("${ALL_SERVICES[@]}")
    ensure_dirs
    case "$command" in
        start)
            for name in "${services[@]}"; do start_one "$name"; done
            for name in "${services[@]}"; do wait_one "$name"; done
            ;;
        stop) for name in "${services[@]}"; do stop_one "$name"; done ;;
        status) for name in "${services[@]}"; do status_one "$name" || status=3; done ;;
        *) printf 'usage: %s start|stop|status [service...]\n' "${0##*/}" >&2; exit 2 ;;
    esac
    return "$status"
}

main "$@"
