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
.venv/bin/pytest "$@"
