#!/usr/bin/env bash
# The browser the console's tests drive: Debian's chromium and the CJK fonts its pages need, installed when
# missing (CI runs as root on a fresh machine; elsewhere it says what to install).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "browser.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    printf 'browser.sh: the console tests need %s; install them (e.g. sudo apt-get install %s)\n' \
        "${missing[*]}" "${missing[*]}" >&2
    exit 1
fi
