#!/bin/sh
# Installs what anju needs to build, test and run on Debian 12, only what is
# missing, then the npm packages of the web console and of the test harness
# from their lock files.  Browser tests drive Debian's Chromium (never a
# browser downloaded by a test tool); the CJK fonts make its screenshots legible.
# Runs as root (apt-get); as another user it says what to install instead.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential pkg-config clang libclang-rt-14-dev clang-format
libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev libssl-dev
libsodium-dev libarchive-dev libxlsxwriter-dev libcmocka-dev postgresql postgresql-client
wrk nodejs ca-certificates procps curl chromium fonts-noto-cjk
libcairo2-dev libpango1.0-dev libqrencode-dev poppler-utils zbar-tools
libcurl4-openssl-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
# Any Node.js 18 or newer will do (Debian's, or one already on the machine).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | sed 's/ nodejs//')
elif ! echo "$missing" | grep -q nodejs; then
	missing="$missing npm"
else
	missing="$missing npm"
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing Debian packages:$missing" >&2
		echo "setup: run as root: apt-get install$missing" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The web console and the API and browser test harness: exact versions from
# each committed lock, installed again when the lock changed.
for dir in web tests/api tests/browser; do
	[ -f "$dir/package-lock.json" ] || continue
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		echo "setup: npm ci in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
done
echo "setup: ok"
