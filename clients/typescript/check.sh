#!/usr/bin/env bash
# Type-check the generated contract (src/contract.ts) and the example that uses it, with the pinned TypeScript.
# node_modules/ is installed from the lock file on first use (npm registry); nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/tsc ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node_modules/.bin/tsc --noEmit -p . "$@"
