#!/usr/bin/env bash
# make demo: Kafka and Temporal (persistent), the project's topics, the five services on SQLite,
# then the brief's three cases. Everything keeps running afterwards; `make down` stops it.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"
cd "$REFEREE_HOME"
export REFEREE_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT" REFEREE_TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
# A development machine: the services generate a token secret of this install in
# $REFEREE_DATA_DIR/secrets/auth-secret (never the one in the repository); the CLI reads it from there.
export REFEREE_LOCAL_MODE="${REFEREE_LOCAL_MODE:-true}" REFEREE_DATA_DIR
# Every message signed by its producer and verified by every consumer (docs/security.md).
export REFEREE_MESSAGE_TRUST="${REFEREE_MESSAGE_TRUST:-true}"
# Only partners in the registry may register (the demo puts its partners there first).
export REFEREE_PARTNER_REGISTRY_REQUIRED="${REFEREE_PARTNER_REGISTRY_REQUIRED:-true}"

# Deals only for the lock holder of a lead settlement saw locked; rulings only for open disputes (docs/security.md).
export REFEREE_CROSS_CHECKS="${REFEREE_CROSS_CHECKS:-true}"

echo "== infrastructure (Kafka, Temporal)"
"$REFEREE_DEPLOY_DIR/infra.sh" up kafka temporal
if [[ "$REFEREE_KAFKA_AUTH" == "scram" ]]; then
    echo "== Kafka principals and ACLs (passwords in $REFEREE_DATA_DIR/secrets/kafka)"
    "$REFEREE_DEPLOY_DIR/kafka.sh" secure
    # The CLI steps below (topics, the demo's outside systems) act as the admin; each service as itself.
    # shellcheck disable=SC2046 # one NAME=value per word
    export $(kafka_client_env admin)
fi
echo "== topics"
.venv/bin/referee infra topics create
echo "== producer keys (generated once into $REFEREE_DATA_DIR/trust, never committed)"
.venv/bin/referee trust init
echo "== services and the console"
REFEREE_DEMO_USERS=true REFEREE_NOTIFICATIONS_FROM_KAFKA=true "$REFEREE_DEPLOY_DIR/services.sh" start
echo "== the brief's three cases"
.venv/bin/referee demo run
echo "== the console: http://127.0.0.1:${CONSOLE_PORT:-8006}  (every demo user's password: referee)"
echo "   partners: hangzhou shaoxing li wang zhang east · reviewer · arbiter · finance · manager · admin"
