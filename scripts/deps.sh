#!/bin/sh
# Install the Debian packages moxy needs to build, run and test.
# Idempotent; prints nothing when everything is already present.
#   sh scripts/deps.sh         what build, run and test need
#   sh scripts/deps.sh bench   the same plus the benchmark tools (scripts/bench)
set -e

PKGS="build-essential pkg-config
libev-dev libluajit2-5.1-dev libnghttp2-dev libssl-dev
libhiredis-dev libpcre2-dev libc-ares-dev lua-cjson check
perl libtest-base-perl libtext-diff-perl liburi-perl
libio-socket-ssl-perl redis-server curl openssl"

if [ "${1:-}" = bench ]; then
    PKGS="$PKGS wrk nghttp2-client nginx libnginx-mod-http-lua
libnginx-mod-http-ndk lua-resty-core valgrind"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
