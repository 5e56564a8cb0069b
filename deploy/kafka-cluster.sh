#!/usr/bin/env bash
# A three-broker KRaft cluster on this machine: three combined broker+controller processes, replication
# factor 3, min.insync.replicas 2. For the chaos suite and for trying replication; `deploy/kafka.sh` stays
# the single broker of development and tests.
#
#   deploy/kafka-cluster.sh up              start the nodes that are not running, wait until all serve
#   deploy/kafka-cluster.sh down            stop every node (SIGTERM, then SIGKILL after 30 s)
#   deploy/kafka-cluster.sh status          one line per node; exit 0 if all three run, 3 if not
#   deploy/kafka-cluster.sh bootstrap       print the bootstrap servers (for REFEREE_KAFKA_BOOTSTRAP)
#   deploy/kafka-cluster.sh start|stop|kill|wait NODE    one node (1, 2 or 3); kill is SIGKILL
#
# Settings: KAFKA_CLUSTER_PORTS (default "19192 19194 19196", the client ports of nodes 1..3),
# KAFKA_CLUSTER_CONTROLLER_PORTS (default "19193 19195 19197"), REFEREE_DATA_DIR (state in
# kafka-cluster/, logs in logs/kafka-node-<id>.*), KAFKA_HEAP_OPTS (default "-Xms128m -Xmx384m" per node).
# The jars are the ones deploy/kafka.sh installs. Services use the cluster with
#   REFEREE_KAFKA_BOOTSTRAP="$(deploy/kafka-cluster.sh bootstrap)" REFEREE_KAFKA_REPLICATION_FACTOR=3
# (the replication factor applies when `referee infra topics create` creates the topics).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

read -r -a NODE_PORTS <<<"${KAFKA_CLUSTER_PORTS:-19192 19194 19196}"
read -r -a CONTROLLER_PORTS <<<"${KAFKA_CLUSTER_CONTROLLER_PORTS:-19193 19195 19197}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}"
KAFKA_WAIT_TIMEOUT="${KAFKA_WAIT_TIMEOUT:-300}"
((${#NODE_PORTS[@]} == 3 && ${#CONTROLLER_PORTS[@]} == 3)) ||
    die "KAFKA_CLUSTER_PORTS and KAFKA_CLUSTER_CONTROLLER_PORTS must name three ports each"

KAFKA_LIB_DIR="$REFEREE_CACHE_DIR/kafka-$KAFKA_VERSION/lib"
TEMPLATE="$REFEREE_DEPLOY_DIR/kafka/cluster-node.properties.tmpl"
LOG4J_CONFIG="$REFEREE_DEPLOY_DIR/kafka/log4j2.yaml"
READY_PROBE="$REFEREE_DEPLOY_DIR/kafka/ready.py"
CLUSTER_DIR="$REFEREE_DATA_DIR/kafka-cluster"
CLUSTER_ID_FILE="$CLUSTER_DIR/cluster.id"
LOCK_FILE="$REFEREE_RUN_DIR/kafka-cluster.lock"
NODES=(1 2 3)

usage() {
    printf 'usage: %s up|down|status|bootstrap | start|stop|kill|wait NODE\n' "${0##*/}" >&2
    exit 2
}

lock() {
    ensure_dirs
    exec 9>"$LOCK_FILE"
    flock -w 300 9 || die "another kafka-cluster.sh holds $LOCK_FILE"
}

check_node() { [[ "$1" =~ ^[123]$ ]] || die "node must be 1, 2 or 3, not '$1'"; }
port_of() { printf '%s\n' "${NODE_PORTS[$1 - 1]}"; }
node_dir() { printf '%s/node-%s\n' "$CLUSTER_DIR" "$1"; }
pid_file() { printf '%s/kafka-node-%s.pid\n' "$REFEREE_RUN_DIR" "$1"; }

node_pid() {
    local pid
    pid="$(read_pid "$(pid_file "$1")")"
    if [[ -n "$pid" ]] && pid_matches "$pid" "kafka.Kafka"; then
        printf '%s\n' "$pid"
    fi
}

bootstrap() {
    local node list=()
    for node in "${NODES[@]}"; do list+=("127.0.0.1:$(port_of "$node")"); done
    (IFS=,; printf '%s\n' "${list[*]}")
}

quorum_voters() {
    local node list=()
    for node in "${NODES[@]}"; do list+=("$node@127.0.0.1:${CONTROLLER_PORTS[node - 1]}"); done
    (IFS=,; printf '%s\n' "${list[*]}")
}

java_tool() { java -Xmx256m -cp "$KAFKA_LIB_DIR/*" "$@"; }

# cluster_id: one id for the three nodes, chosen when the first node is formatted.
cluster_id() {
    if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
        local id
        id="$(java_tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
        [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "unexpected cluster id from StorageTool: '$id'"
        mkdir -p "$CLUSTER_DIR"
        printf '%s\n' "$id" >"$CLUSTER_ID_FILE"
    fi
    cat "$CLUSTER_ID_FILE"
}

# prepare NODE: render its configuration and format its storage once (static quorum: no --standalone).
prepare() {
    local node="$1" dir config
    dir="$(node_dir "$node")"
    config="$dir/server.properties"
    mkdir -p "$dir"
    NODE_ID="$node" NODE_PORT="$(port_of "$node")" NODE_CONTROLLER_PORT="${CONTROLLER_PORTS[node - 1]}" \
        NODE_LOG_DIRS="$dir/data" QUORUM_VOTERS="$(quorum_voters)" \
        render_template "$TEMPLATE" "$config" NODE_ID NODE_PORT NODE_CONTROLLER_PORT NODE_LOG_DIRS QUORUM_VOTERS
    if [[ ! -f "$dir/data/meta.properties" ]]; then
        local log="$REFEREE_LOG_DIR/kafka-node-$node-format.log"
        java_tool kafka.tools.StorageTool format --ignore-formatted -t "$(cluster_id)" -c "$config" >"$log" 2>&1 ||
            { show_log_tail "$log"; die "formatting node $node's storage failed"; }
    fi
}

start_node() {
    local node="$1" pid port heap_opts
    pid="$(node_pid "$node")"
    if [[ -n "$pid" ]]; then
        printf 'already running kafka node %s (pid %s)\n' "$node" "$pid"
        return 0
    fi
    for port in "$(port_of "$node")" "${CONTROLLER_PORTS[node - 1]}"; do
        port_open "$port" && die "127.0.0.1:$port is already in use by another process"
    done
    prepare "$node"
    read -r -a heap_opts <<<"$KAFKA_HEAP_OPTS"
    local out="$REFEREE_LOG_DIR/kafka-node-$node.out"
    printf '\n=== %s starting kafka node %s ===\n' "$(date -Is)" "$node" >>"$out"
    # Each node logs into its own folder (the log4j configuration writes kafka.log under kafka.logs.dir).
    mkdir -p "$REFEREE_LOG_DIR/kafka-node-$node"
    nohup java "${heap_opts[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
        -Dlog4j2.shutdownHookEnabled=false "-Dkafka.logs.dir=$REFEREE_LOG_DIR/kafka-node-$node" \
        "-Dlog4j2.configurationFile=$LOG4J_CONFIG" -cp "$KAFKA_LIB_DIR/*" kafka.Kafka "$(node_dir "$node")/server.properties" \
        </dev/null >>"$out" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$(pid_file "$node")"
    printf 'started kafka node %s (pid %s, 127.0.0.1:%s)\n' "$node" "$pid" "$(port_of "$node")"
}

wait_node() {
    local node="$1" deadline=$((SECONDS + KAFKA_WAIT_TIMEOUT)) python="$REFEREE_HOME/.venv/bin/python"
    while ((SECONDS < deadline)); do
        [[ -n "$(node_pid "$node")" ]] || {
            show_log_tail "$REFEREE_LOG_DIR/kafka-node-$node.out"
            die "kafka node $node is not running"
        }
        if port_open "$(port_of "$node")" && "$python" "$READY_PROBE" "127.0.0.1:$(port_of "$node")" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    die "kafka node $node did not become ready within ${KAFKA_WAIT_TIMEOUT}s (logs: $REFEREE_LOG_DIR/kafka-node-$node/)"
}

stop_node() {
    local node="$1" pid
    pid="$(node_pid "$node")"
    if [[ -n "$pid" ]]; then
        stop_pid "kafka node $node" "$pid" 30
        printf 'stopped kafka node %s\n' "$node"
    fi
    rm -f "$(pid_file "$node")"
}

kill_node() {
    local node="$1" pid
    pid="$(node_pid "$node")"
    [[ -n "$pid" ]] || die "kafka node $node is not running"
    kill -KILL "$pid"
    while pid_alive "$pid"; do sleep 0.1; done
    rm -f "$(pid_file "$node")"
    printf 'killed kafka node %s (pid %s)\n' "$node" "$pid"
}

status() {
    local node pid rc=0
    for node in "${NODES[@]}"; do
        pid="$(node_pid "$node")"
        if [[ -n "$pid" ]] && port_open "$(port_of "$node")"; then
            printf 'kafka node %s: running (pid %s, 127.0.0.1:%s)\n' "$node" "$pid" "$(port_of "$node")"
        else
            printf 'kafka node %s: stopped (127.0.0.1:%s)\n' "$node" "$(port_of "$node")"
            rc=3
        fi
    done
    return "$rc"
}

[[ $# -ge 1 ]] || usage
command="$1"
shift
case "$command" in
    up)
        [[ $# -eq 0 ]] || usage
        "$REFEREE_DEPLOY_DIR/kafka.sh" install
        lock
        # Format every node before starting any: a started node gives up if the quorum does not form in time,
        # and formatting is a JVM start of its own (a minute on a busy machine).
        for node in "${NODES[@]}"; do [[ -n "$(node_pid "$node")" ]] || prepare "$node"; done
        for node in "${NODES[@]}"; do start_node "$node"; done
        # A node answers metadata only once the quorum has a leader: wait for all three after starting all.
        for node in "${NODES[@]}"; do wait_node "$node"; done
        ;;
    down)
        [[ $# -eq 0 ]] || usage
        lock
        for node in "${NODES[@]}"; do stop_node "$node"; done
        ;;
    status) status ;;
    bootstrap) bootstrap ;;
    start | stop | kill | wait)
        [[ $# -eq 1 ]] || usage
        check_node "$1"
        case "$command" in
            start) lock; start_node "$1" ;;
            stop) lock; stop_node "$1" ;;
            kill) kill_node "$1" ;;
            wait) wait_node "$1" ;;
        esac
        ;;
    *) usage ;;
esac
