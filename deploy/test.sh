#!/usr/bin/env bash
# The whole test suite: lint and types, then unit, workflow and integration tests against the real
# Kafka, Temporal and PostgreSQL. Starts what the tests need and stops only what it started.
# Extra arguments go to pytest (e.g. deploy/test.sh -k dedup).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"
cd "$REFEREE_HOME"
ensure_dirs

started="$REFEREE_RUN_DIR/started-by-tests"
cleanup() { "$REFEREE_DEPLOY_DIR/infra.sh" down --from-file "$started"; }
trap cleanup EXIT

echo "== lint and types"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

echo "== browser for the console tests"
"$REFEREE_DEPLOY_DIR/browser.sh"

echo "== infrastructure"
"$REFEREE_DEPLOY_DIR/infra.sh" up --started-file "$started"

echo "== tests"
export REFEREE_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
export REFEREE_TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
export REFEREE_TEST_POSTGRES="postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT"
# Two workers by default (REFEREE_TEST_WORKERS): one process runs a whole stack of services on one core,
# so a second process uses the second core and the waits of one overlap the work of the other. A file's
# tests stay in one worker (--dist loadfile): a module's stack is started once. The slowest tests are
# listed at the end, to see where the time goes.
.venv/bin/pytest -n "${REFEREE_TEST_WORKERS:-2}" --dist loadfile --durations=25 "$@"
