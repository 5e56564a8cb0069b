#!/usr/bin/env bash
# The steps of the production image, runnable without a container engine (the Dockerfile runs exactly
# this script, and the test suite runs it into a scratch folder):
#
#   deploy/image/build.sh TARGET
#
# Copies what the services need (packages, migrations, rules, the lock file) into TARGET and installs
# the runtime dependencies there with uv from uv.lock, without the dev group: no Temporal dev server,
# no time-skipping test server, no test or lint tools.
set -euo pipefail

SRC="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${1:?usage: build.sh TARGET}"
PYTHON="${PYTHON:-python3}"
PARTS=(pyproject.toml uv.lock README.md shared services cli rules)

mkdir -p "$TARGET"
TARGET="$(cd -- "$TARGET" && pwd)"
(cd "$SRC" && tar --exclude='__pycache__' --exclude='*.pyc' --exclude='.mypy_cache' -cf - "${PARTS[@]}") |
    (cd "$TARGET" && tar -xf -)

"$PYTHON" -m uv --version >/dev/null 2>&1 || "$PYTHON" -m pip install --quiet uv
cd "$TARGET"
"$PYTHON" -m uv sync --frozen --no-dev --quiet
echo "built into $TARGET: $("$TARGET/.venv/bin/python" --version), $(ls "$TARGET/.venv/lib/"*/site-packages | wc -l) packages"
