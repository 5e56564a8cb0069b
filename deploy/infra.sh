#!/usr/bin/env bash
# Start, stop and inspect the local infrastructure: Kafka, Temporal, PostgreSQL.
#
#   deploy/infra.sh up     [kafka] [temporal] [postgres] [--started-file FILE]
#   deploy/infra.sh down   [kafka] [temporal] [postgres]
#   deploy/infra.sh down   --from-file FILE
#   deploy/infra.sh status [kafka] [temporal] [postgres]
#
# No component named means all three. `up` starts what is not running, waits
# until every named component is ready and prints one line per component:
# "started NAME" or "already running NAME". With --started-file it writes the
# names of the components it started itself (one a line) to FILE, so that a
# test run can later stop only those: `down --from-file FILE`. If a component
# fails to start, `up` stops the ones it started in this call and exits 1.
# `status` exits 0 if all named components run, 3 if not.
# Settings: see env.sh (REFEREE_DATA_DIR, ports, ...), passed to the scripts.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

ALL_COMPONENTS=(kafka temporal postgres)

usage() {
    cat >&2 <<EOF
usage: ${0##*/} up     [kafka] [temporal] [postgres] [--started-file FILE]
       ${0##*/} down   [kafka] [temporal] [postgres]
       ${0##*/} down   --from-file FILE
       ${0##*/} status [kafka] [temporal] [postgres]
EOF
    exit 2
}

script_of() {
    printf '%s/%s.sh\n' "$REFEREE_DEPLOY_DIR" "$1"
}

# select_components NAME...: validate, deduplicate and put into canonical order
# (kafka, temporal, postgres) into the global array COMPONENTS; none = all.
select_components() {
    local name known wanted=" $* "
    for name in "$@"; do
        case "$name" in
            kafka | temporal | postgres) ;;
            *) die "unknown component '$name' (expected: ${ALL_COMPONENTS[*]})" ;;
        esac
    done
    COMPONENTS=()
    for known in "${ALL_COMPONENTS[@]}"; do
        if [[ $# -eq 0 || "$wanted" == *" $known "* ]]; then
            COMPONENTS+=("$known")
        fi
    done
}

STARTED=()
STARTED_FILE=""

# rollback: stop what this call started, after a failure.
rollback() {
    local name i
    ((${#STARTED[@]})) || return 0
    note "stopping what this call started: ${STARTED[*]}"
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
        name="${STARTED[i]}"
        "$(script_of "$name")" stop >/dev/null || note "could not stop $name"
    done
    if [[ -n "$STARTED_FILE" ]]; then
        : >"$STARTED_FILE"
    fi
}

cmd_up() {
    local args=() name out
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --started-file)
                [[ $# -ge 2 && -n "$2" ]] || usage
                STARTED_FILE="$2"
                shift 2
                ;;
            --started-file=*)
                STARTED_FILE="${1#*=}"
                shift
                ;;
            -*) usage ;;
            *)
                args+=("$1")
                shift
                ;;
        esac
    done
    select_components "${args[@]}"
    if [[ -n "$STARTED_FILE" ]]; then
        mkdir -p "$(dirname -- "$STARTED_FILE")"
        : >"$STARTED_FILE"
    fi

    # Launch everything first (Kafka and Temporal start in the background, so
    # their start-up overlaps), then wait for each in turn.
    declare -A state=()
    for name in "${COMPONENTS[@]}"; do
        if ! out="$("$(script_of "$name")" start)"; then
            rollback
            die "could not start $name"
        fi
        case "$out" in
            "started "*)
                state[$name]=started
                STARTED+=("$name")
                if [[ -n "$STARTED_FILE" ]]; then
                    printf '%s\n' "$name" >>"$STARTED_FILE"
                fi
                ;;
            "already running "*) state[$name]="already running" ;;
            *)
                rollback
                die "unexpected output from $name.sh start: $out"
                ;;
        esac
    done
    for name in "${COMPONENTS[@]}"; do
        if ! "$(script_of "$name")" wait; then
            rollback
            die "$name did not become ready"
        fi
        # A broker this call started gets its principals and ACLs before anyone uses it (idempotent).
        if [[ "$name" == kafka && "${state[$name]}" == started && "$REFEREE_KAFKA_AUTH" == scram ]] &&
            ! "$(script_of kafka)" secure >&2; then
            rollback
            die "could not create Kafka's principals and ACLs"
        fi
        printf '%s %s\n' "${state[$name]}" "$name"
    done
}

# stop_components NAME...: stop in reverse start order; report every failure.
stop_components() {
    local failed=() i name
    for ((i = $# ; i >= 1; i--)); do
        name="${!i}"
        "$(script_of "$name")" stop || failed+=("$name")
    done
    ((${#failed[@]} == 0)) || die "could not stop: ${failed[*]}"
}

cmd_down() {
    local file="" names=() name
    if [[ $# -ge 1 && ("$1" == --from-file || "$1" == --from-file=*) ]]; then
        if [[ "$1" == --from-file=* ]]; then
            file="${1#*=}"
            shift
        else
            [[ $# -ge 2 && -n "$2" ]] || usage
            file="$2"
            shift 2
        fi
        [[ $# -eq 0 ]] || usage
        if [[ ! -f "$file" ]]; then
            note "$file does not exist: nothing to stop"
            return 0
        fi
        while IFS= read -r name || [[ -n "$name" ]]; do
            name="${name//[[:space:]]/}"
            if [[ -n "$name" ]]; then
                names+=("$name")
            fi
        done <"$file"
        ((${#names[@]})) || return 0
    else
        for name in "$@"; do
            [[ "$name" != -* ]] || usage
        done
        names=("$@")
    fi
    select_components "${names[@]}"
    stop_components "${COMPONENTS[@]}"
}

cmd_status() {
    local name rc=0
    for name in "$@"; do
        [[ "$name" != -* ]] || usage
    done
    select_components "$@"
    for name in "${COMPONENTS[@]}"; do
        "$(script_of "$name")" status || rc=3
    done
    return "$rc"
}

[[ $# -ge 1 ]] || usage
command="$1"
shift
case "$command" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    *) usage ;;
esac
