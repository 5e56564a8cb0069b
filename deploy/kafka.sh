#!/usr/bin/env bash
# Local Apache Kafka broker (single combined KRaft node) for development and
# tests, run from Maven Central jars: no Docker, no release tarball.
#
#   deploy/kafka.sh install   resolve the broker jars into $REFEREE_DATA_DIR/cache (once)
#   deploy/kafka.sh start     install if needed, format storage once, start in the background
#   deploy/kafka.sh wait      block until the broker serves metadata (KAFKA_WAIT_TIMEOUT, 120 s)
#   deploy/kafka.sh stop      SIGTERM, up to 30 s for a clean shutdown, then SIGKILL
#   deploy/kafka.sh status    "running"/"stopped"; exit 0 if running, 3 if not
#   deploy/kafka.sh secure    REFEREE_KAFKA_AUTH=scram (the default): create the SCRAM users and ACLs (after wait)
#
# Settings (see env.sh): KAFKA_VERSION, KAFKA_PORT, KAFKA_CONTROLLER_PORT,
# REFEREE_DATA_DIR; also KAFKA_HEAP_OPTS (default "-Xms256m -Xmx512m") and
# REFEREE_MAVEN_REPO (a Maven local repository; default: Maven's own, ~/.m2).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_WAIT_TIMEOUT="${KAFKA_WAIT_TIMEOUT:-120}"

KAFKA_INSTALL_DIR="$REFEREE_CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIB_DIR="$KAFKA_INSTALL_DIR/lib"
KAFKA_MARKER="$KAFKA_INSTALL_DIR/install.complete"
KAFKA_POM_TEMPLATE="$REFEREE_DEPLOY_DIR/kafka/pom.xml"
KAFKA_CONFIG_TEMPLATE="$REFEREE_DEPLOY_DIR/kafka/server.properties.tmpl"
if [[ "$REFEREE_KAFKA_AUTH" == "scram" ]]; then
    KAFKA_CONFIG_TEMPLATE="$REFEREE_DEPLOY_DIR/kafka/server-scram.properties.tmpl"
elif [[ "$REFEREE_KAFKA_AUTH" != "none" ]]; then
    die "REFEREE_KAFKA_AUTH must be none or scram, not '$REFEREE_KAFKA_AUTH'"
fi
KAFKA_ACCESS_TOOL="$REFEREE_DEPLOY_DIR/kafka/KafkaAccess.java"
KAFKA_LOG4J_CONFIG="$REFEREE_DEPLOY_DIR/kafka/log4j2.yaml"
KAFKA_READY_PROBE="$REFEREE_DEPLOY_DIR/kafka/ready.py"

KAFKA_STATE_DIR="$REFEREE_DATA_DIR/kafka"
KAFKA_LOG_DIRS="$KAFKA_STATE_DIR/data"
KAFKA_CONFIG="$KAFKA_STATE_DIR/server.properties"
KAFKA_FORMAT_INFO="$KAFKA_STATE_DIR/format.info"
KAFKA_ADMIN_CONFIG="$KAFKA_STATE_DIR/admin.properties"
KAFKA_ACCESS_PLAN="$KAFKA_STATE_DIR/access.plan"
KAFKA_PID_FILE="$REFEREE_RUN_DIR/kafka.pid"
KAFKA_LOCK_FILE="$REFEREE_RUN_DIR/kafka.lock"
KAFKA_LOG="$REFEREE_LOG_DIR/kafka.log"
KAFKA_OUT="$REFEREE_LOG_DIR/kafka.out"
KAFKA_INSTALL_LOG="$REFEREE_LOG_DIR/kafka-install.log"
KAFKA_FORMAT_LOG="$REFEREE_LOG_DIR/kafka-format.log"

# Jars that bind SLF4J to a logging backend: exactly one may be on the classpath.
SLF4J_BINDING_GLOBS=(log4j-slf4j-impl-* log4j-slf4j2-impl-* slf4j-log4j12-* slf4j-reload4j-*
    logback-classic-* slf4j-simple-* slf4j-nop-* slf4j-jdk14-* slf4j-jcl-*)

usage() {
    printf 'usage: %s install|start|stop|status|wait|secure\n' "${0##*/}" >&2
    exit 2
}

# Serialise install/start/stop of this data folder (fd 9; closed for the broker).
lock() {
    ensure_dirs
    exec 9>"$KAFKA_LOCK_FILE"
    flock -w 600 9 || die "another kafka.sh holds $KAFKA_LOCK_FILE"
}

broker_pid() {
    local pid
    pid="$(read_pid "$KAFKA_PID_FILE")"
    if [[ -n "$pid" ]] && pid_matches "$pid" "kafka.Kafka"; then
        printf '%s\n' "$pid"
    fi
}

# What identifies a complete install: the version and the pom template.
marker_content() {
    printf 'kafka=%s pom=%s\n' "$KAFKA_VERSION" "$(sha256sum <"$KAFKA_POM_TEMPLATE" | cut -d' ' -f1)"
}

installed() {
    [[ -f "$KAFKA_MARKER" && -f "$KAFKA_LIB_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]] &&
        [[ "$(<"$KAFKA_MARKER")" == "$(marker_content)" ]]
}

# jar_version DIR ARTIFACT: version of DIR/ARTIFACT-<version>.jar (empty if absent).
jar_version() {
    local jar
    for jar in "$1/$2"-[0-9]*.jar; do
        if [[ -f "$jar" ]]; then
            jar="${jar##*/}"
            jar="${jar#"$2"-}"
            printf '%s\n' "${jar%.jar}"
            return 0
        fi
    done
}

run_mvn() {
    local args=(-q -B -Dstyle.color=never -f "$KAFKA_INSTALL_DIR/pom.xml")
    if [[ -n "${REFEREE_MAVEN_REPO:-}" ]]; then
        args+=("-Dmaven.repo.local=$REFEREE_MAVEN_REPO")
    fi
    if ! mvn "${args[@]}" dependency:copy-dependencies -DincludeScope=runtime "$@" \
        >>"$KAFKA_INSTALL_LOG" 2>&1; then
        show_log_tail "$KAFKA_INSTALL_LOG" 30
        die "Maven could not resolve Kafka $KAFKA_VERSION (full log: $KAFKA_INSTALL_LOG)"
    fi
}

do_install() {
    installed && return 0
    command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
    command -v java >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"

    note "fetching Kafka $KAFKA_VERSION jars into $KAFKA_LIB_DIR (first time only)"
    rm -rf "$KAFKA_INSTALL_DIR"
    mkdir -p "$KAFKA_INSTALL_DIR"
    : >"$KAFKA_INSTALL_LOG"
    render_template "$KAFKA_POM_TEMPLATE" "$KAFKA_INSTALL_DIR/pom.xml" KAFKA_VERSION

    # Pass 1: what does kafka_2.13 bring by itself?
    local probe="$KAFKA_INSTALL_DIR/probe"
    run_mvn "-DoutputDirectory=$probe"
    local log4j_version slf4j_version binding
    log4j_version="$(jar_version "$probe" log4j-core)"
    slf4j_version="$(jar_version "$probe" slf4j-api)"
    [[ -n "$log4j_version" ]] || die "Kafka $KAFKA_VERSION brings no log4j-core: cannot choose an SLF4J binding"
    case "$slf4j_version" in
        2.*) binding=log4j-slf4j2-impl ;;
        *)
            # SLF4J 1.7.x (Kafka 4.1/4.2): the 1.x binding, api pinned.
            binding=log4j-slf4j-impl
            slf4j_version=1.7.36
            ;;
    esac
    rm -rf "$probe"

    # Pass 2: the same plus exactly one binding matching log4j-core.
    run_mvn "-DoutputDirectory=$KAFKA_LIB_DIR" "-Dslf4j.binding=$binding" \
        "-Dlog4j.version=$log4j_version" "-Dslf4j.version=$slf4j_version"

    # Verify the result by looking at the jars themselves.
    [[ -f "$KAFKA_LIB_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]] ||
        die "kafka_2.13-$KAFKA_VERSION.jar missing from $KAFKA_LIB_DIR"
    local found=() glob jar apis cores
    shopt -s nullglob
    for glob in "${SLF4J_BINDING_GLOBS[@]}"; do
        for jar in "$KAFKA_LIB_DIR"/$glob; do
            found+=("${jar##*/}")
        done
    done
    apis=("$KAFKA_LIB_DIR"/slf4j-api-*.jar)
    cores=("$KAFKA_LIB_DIR"/log4j-core-*.jar)
    shopt -u nullglob
    [[ ${#found[@]} -eq 1 && "${found[0]}" == "$binding-$log4j_version.jar" ]] ||
        die "expected exactly one SLF4J binding $binding-$log4j_version.jar, found: ${found[*]:-none}"
    [[ ${#apis[@]} -eq 1 ]] || die "expected one slf4j-api jar, found: ${apis[*]##*/}"
    [[ ${#cores[@]} -eq 1 ]] || die "expected one log4j-core jar, found: ${cores[*]##*/}"

    marker_content >"$KAFKA_MARKER"
}

cmd_install() {
    lock
    do_install
}

# format_storage: give the log directory a cluster id, once. With --standalone
# the controller's address is written into the metadata log at this point.
format_storage() {
    if [[ -f "$KAFKA_LOG_DIRS/meta.properties" ]]; then
        local formatted_port=""
        if [[ -f "$KAFKA_FORMAT_INFO" ]]; then
            formatted_port="$(sed -n 's/^controller_port=//p' "$KAFKA_FORMAT_INFO")"
        fi
        if [[ -z "$formatted_port" ]]; then
            printf 'controller_port=%s\n' "$KAFKA_CONTROLLER_PORT" >>"$KAFKA_FORMAT_INFO"
        fi
        local formatted_auth
        formatted_auth="$(sed -n 's/^auth=//p' "$KAFKA_FORMAT_INFO")"
        if [[ "${formatted_auth:-none}" != "$REFEREE_KAFKA_AUTH" ]]; then
            die "Kafka storage in $KAFKA_LOG_DIRS was formatted with REFEREE_KAFKA_AUTH=${formatted_auth:-none}," \
                "but REFEREE_KAFKA_AUTH=$REFEREE_KAFKA_AUTH. The admin's SCRAM credentials are written at format" \
                "time, so use a fresh data folder (REFEREE_DATA_DIR) or wipe the Kafka data (ALL TOPICS AND" \
                "MESSAGES ARE LOST): ${0} stop && rm -rf '$KAFKA_STATE_DIR'"
        fi
        if [[ -n "$formatted_port" && "$formatted_port" != "$KAFKA_CONTROLLER_PORT" ]]; then
            die "Kafka storage in $KAFKA_LOG_DIRS was formatted for controller port $formatted_port," \
                "but KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT. KRaft stores the controller's address" \
                "at format time, so either run with KAFKA_CONTROLLER_PORT=$formatted_port, or wipe the" \
                "Kafka data (ALL TOPICS AND MESSAGES ARE LOST): ${0} stop && rm -rf '$KAFKA_STATE_DIR'"
        fi
        return 0
    fi
    local cluster_id java_cmd=(java -Xmx256m -cp "$KAFKA_LIB_DIR/*")
    : >"$KAFKA_FORMAT_LOG"
    cluster_id="$("${java_cmd[@]}" kafka.tools.StorageTool random-uuid 2>>"$KAFKA_FORMAT_LOG")" ||
        { show_log_tail "$KAFKA_FORMAT_LOG"; die "kafka.tools.StorageTool random-uuid failed"; }
    cluster_id="$(tail -n 1 <<<"$cluster_id")"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "unexpected cluster id from StorageTool: '$cluster_id'"
    mkdir -p "$KAFKA_LOG_DIRS"
    local scram=()
    if [[ "$REFEREE_KAFKA_AUTH" == "scram" ]]; then
        # KIP-900: the admin exists from the first start (the broker's own listener logs in as it).
        scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(kafka_password admin)]")
    fi
    "${java_cmd[@]}" kafka.tools.StorageTool format --standalone --ignore-formatted \
        -t "$cluster_id" -c "$KAFKA_CONFIG" "${scram[@]}" >>"$KAFKA_FORMAT_LOG" 2>&1 ||
        { show_log_tail "$KAFKA_FORMAT_LOG"; die "formatting Kafka storage in $KAFKA_LOG_DIRS failed"; }
    printf 'cluster_id=%s\ncontroller_port=%s\nauth=%s\n' "$cluster_id" "$KAFKA_CONTROLLER_PORT" \
        "$REFEREE_KAFKA_AUTH" >"$KAFKA_FORMAT_INFO"
}

cmd_start() {
    lock
    local pid
    pid="$(broker_pid)"
    if [[ -n "$pid" ]]; then
        if port_open "$KAFKA_PORT"; then
            printf 'already running kafka (pid %s, 127.0.0.1:%s)\n' "$pid" "$KAFKA_PORT"
        else
            printf 'already running kafka (pid %s, still starting; 127.0.0.1:%s not open yet)\n' "$pid" "$KAFKA_PORT"
        fi
        return 0
    fi
    rm -f "$KAFKA_PID_FILE"
    local port
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        port_open "$port" && die "127.0.0.1:$port is already in use by another process" \
            "(not the broker of $REFEREE_DATA_DIR); stop it or choose KAFKA_PORT/KAFKA_CONTROLLER_PORT"
    done

    do_install
    mkdir -p "$KAFKA_STATE_DIR"
    local KAFKA_ADMIN_PASSWORD=""
    if [[ "$REFEREE_KAFKA_AUTH" == "scram" ]]; then
        KAFKA_ADMIN_PASSWORD="$(kafka_password admin)"
    fi
    (umask 077 && render_template "$KAFKA_CONFIG_TEMPLATE" "$KAFKA_CONFIG" \
        KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_LOG_DIRS KAFKA_ADMIN_PASSWORD)
    format_storage

    local heap_opts
    read -r -a heap_opts <<<"$KAFKA_HEAP_OPTS"
    printf '\n=== %s starting kafka %s ===\n' "$(date -Is)" "$KAFKA_VERSION" >>"$KAFKA_OUT"
    nohup java "${heap_opts[@]}" \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -Dlog4j2.shutdownHookEnabled=false \
        "-Dkafka.logs.dir=$REFEREE_LOG_DIR" "-Dlog4j2.configurationFile=$KAFKA_LOG4J_CONFIG" \
        -cp "$KAFKA_LIB_DIR/*" kafka.Kafka "$KAFKA_CONFIG" \
        </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$KAFKA_PID_FILE"
    printf 'started kafka (pid %s, 127.0.0.1:%s)\n' "$pid" "$KAFKA_PORT"
}

cmd_stop() {
    lock
    local pid
    pid="$(broker_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$KAFKA_PID_FILE"
        printf 'already stopped kafka\n'
        return 0
    fi
    stop_pid kafka "$pid" 30
    rm -f "$KAFKA_PID_FILE"
    printf 'stopped kafka\n'
}

cmd_status() {
    local pid
    pid="$(broker_pid)"
    if [[ -n "$pid" ]] && port_open "$KAFKA_PORT"; then
        printf 'kafka: running (pid %s, 127.0.0.1:%s)\n' "$pid" "$KAFKA_PORT"
        return 0
    elif [[ -n "$pid" ]]; then
        printf 'kafka: starting (pid %s, 127.0.0.1:%s not open yet)\n' "$pid" "$KAFKA_PORT"
    elif port_open "$KAFKA_PORT"; then
        printf 'kafka: stopped (but 127.0.0.1:%s is in use by another process)\n' "$KAFKA_PORT"
    else
        printf 'kafka: stopped (127.0.0.1:%s)\n' "$KAFKA_PORT"
    fi
    return 3
}

# broker_ready: a metadata round trip via aiokafka when the project's virtualenv
# has it; otherwise the broker's own "started" log line.
broker_ready() {
    local python="$REFEREE_HOME/.venv/bin/python"
    if [[ -x "$python" ]] && "$python" -c 'import aiokafka' 2>/dev/null; then
        env $(kafka_client_env admin) "$python" "$KAFKA_READY_PROBE" "127.0.0.1:$KAFKA_PORT" >/dev/null 2>&1
    else
        grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null
    fi
}

# show_failure_logs: this run's broker log (if it got that far) and the JVM's
# own output since the last start (errors before logging starts end up there).
show_failure_logs() {
    if [[ -f "$KAFKA_LOG" && (! -f "$KAFKA_PID_FILE" || "$KAFKA_LOG" -nt "$KAFKA_PID_FILE") ]]; then
        show_log_tail "$KAFKA_LOG" 30
    fi
    local out
    out="$(awk '/^=== .* starting kafka /{n=0} {block[n++]=$0} END{for(i=1;i<n;i++) print block[i]}' \
        "$KAFKA_OUT" 2>/dev/null || true)"
    if [[ -n "${out//[[:space:]]/}" ]]; then
        printf -- '--- %s (this start) ---\n%s\n---\n' "$KAFKA_OUT" "$(tail -n 20 <<<"$out")" >&2
    fi
}

cmd_wait() {
    local deadline=$((SECONDS + KAFKA_WAIT_TIMEOUT)) pid
    while ((SECONDS < deadline)); do
        pid="$(broker_pid)"
        if [[ -z "$pid" ]]; then
            show_failure_logs
            die "kafka is not running (did it exit during start-up? logs: $KAFKA_LOG, $KAFKA_OUT)"
        fi
        if port_open "$KAFKA_PORT" && broker_ready; then
            return 0
        fi
        sleep 0.5
    done
    show_failure_logs
    die "kafka did not become ready on 127.0.0.1:$KAFKA_PORT within ${KAFKA_WAIT_TIMEOUT}s (logs: $KAFKA_LOG, $KAFKA_OUT)"
}

# cmd_secure: the SCRAM users of every service and external system and their ACLs, from the topic
# registry (`referee infra kafka-access plan`), applied as admin through the Admin API.
cmd_secure() {
    [[ "$REFEREE_KAFKA_AUTH" == "scram" ]] || die "secure needs REFEREE_KAFKA_AUTH=scram"
    local python="$REFEREE_HOME/.venv/bin/python"
    [[ -x "$python" ]] || die "the project's virtualenv is missing: run make setup"
    (umask 077 && printf '%s\n' "bootstrap.servers=127.0.0.1:$KAFKA_PORT" "security.protocol=SASL_PLAINTEXT" \
        "sasl.mechanism=SCRAM-SHA-512" \
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(kafka_password admin)\";" \
        >"$KAFKA_ADMIN_CONFIG")
    # A development broker serves the test suite too: its stacks (topics it-*) get their ACLs and the harness
    # its principal (`tests`); production plans are made without --test-stacks.
    REFEREE_DATA_DIR="$REFEREE_DATA_DIR" REFEREE_TOPIC_PREFIX="" "$REFEREE_HOME/.venv/bin/referee" infra kafka-access \
        plan --test-stacks >"$KAFKA_ACCESS_PLAN" || die "could not write the Kafka access plan"
    java -Xmx256m -cp "$KAFKA_LIB_DIR/*" "$KAFKA_ACCESS_TOOL" "$KAFKA_ADMIN_CONFIG" "$KAFKA_ACCESS_PLAN" ||
        die "applying $KAFKA_ACCESS_PLAN to the broker failed"
}

[[ $# -eq 1 ]] || usage
case "$1" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    wait) cmd_wait ;;
    secure) cmd_secure ;;
    *) usage ;;
esac
