#!/bin/sh
# Starts and stops a private PostgreSQL 15 cluster for the storage and API
# test suites, so that they never touch a server someone else runs.
#
#   eval "$(sh tests/pg.sh start DIR)"   exports ANJU_TEST_PG_URL, ANJU_TEST_PG_DIR
#   sh tests/pg.sh stop DIR
#
# DIR is a temporary folder the caller owns (and removes).  The cluster
# trusts every local connection, listens on 127.0.0.1 only, on a free port
# in 20000-40000, keeps its socket inside DIR, and skips fsync: data here is
# thrown away.  Only the export lines go to standard output; everything else
# goes to standard error or DIR/*.log.  initdb refuses to run as root, so as
# root the server runs as the system user postgres (or anjutest, created
# when postgres does not exist).
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SUPERUSER=anju
DBNAME=anju_test
PORT_TRIES=10

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: eval \"\$(sh tests/pg.sh start DIR)\" | sh tests/pg.sh stop DIR"
}

# Runs a command as the user that owns the cluster ($RUNAS, empty: ourselves).
as_owner() {
	if [ -n "$RUNAS" ]; then
		runuser -u "$RUNAS" -- "$@"
	else
		"$@"
	fi
}

# A random port in 20000-40000, without bash's $RANDOM.
random_port() {
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % 20001))
}

# Dumps the end of the server log, so a failed start says why.
show_log() {
	if [ -f "$DIR/server.log" ]; then
		tail -n 20 "$DIR/server.log" >&2 || true
	fi
}

start() {
	[ -x "$PGBIN/initdb" ] || die "no PostgreSQL 15 server in $PGBIN (apt-get install postgresql-15)"
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	case $DIR in
	*"'"* | *' '*) die "$DIR: the path may not hold quotes or spaces" ;;
	esac
	[ ! -e "$DIR/data" ] || die "$DIR/data exists: stop that cluster and use a fresh folder"

	RUNAS=
	if [ "$(id -u)" -eq 0 ]; then
		if id postgres >/dev/null 2>&1; then
			RUNAS=postgres
		else
			if ! id anjutest >/dev/null 2>&1; then
				useradd --system --no-create-home --shell /usr/sbin/nologin anjutest >&2 ||
					die "cannot create the system user anjutest"
			fi
			RUNAS=anjutest
		fi
		chown "$RUNAS" "$DIR"
		as_owner test -w "$DIR" ||
			die "$DIR: user $RUNAS cannot reach it (is a parent folder private?)"
	fi
	# The server's own working directory must be one its user can enter.
	cd "$DIR"

	as_owner "$PGBIN/initdb" -D "$DIR/data" --auth=trust -U "$SUPERUSER" \
		--locale=C.UTF-8 --encoding=UTF8 --no-sync >"$DIR/initdb.log" 2>&1 || {
		tail -n 20 "$DIR/initdb.log" >&2
		die "initdb failed (log: $DIR/initdb.log)"
	}
	cat >>"$DIR/data/postgresql.conf" <<-EOF

	# tests/pg.sh: a private, disposable cluster.
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$DIR'
	fsync = off
	synchronous_commit = off
	full_page_writes = off
	max_connections = 100
	EOF

	# Another process may take a port between choosing and binding it:
	# a failed start just tries another, a bounded number of times.
	port=
	i=0
	while [ "$i" -lt "$PORT_TRIES" ]; do
		i=$((i + 1))
		p=$(random_port)
		if as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
			-o "-p $p" start >>"$DIR/pg_ctl.log" 2>&1; then
			port=$p
			break
		fi
		# A server that started but was not ready in time must not linger.
		as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop \
			>>"$DIR/pg_ctl.log" 2>&1 || true
	done
	if [ -z "$port" ]; then
		show_log
		die "the server did not start after $PORT_TRIES ports (log: $DIR/server.log)"
	fi
	echo "$port" >"$DIR/port"

	"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" "$DBNAME" >&2 || {
		as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >&2 || true
		die "createdb $DBNAME failed"
	}
	printf "export ANJU_TEST_PG_URL='postgresql://%s@127.0.0.1:%s/%s'\n" \
		"$SUPERUSER" "$port" "$DBNAME"
	printf "export ANJU_TEST_PG_DIR='%s'\n" "$DIR"
}

stop() {
	[ -d "$DIR/data" ] || die "$DIR: no cluster here"
	DIR=$(cd "$DIR" && pwd)
	RUNAS=
	if [ "$(id -u)" -eq 0 ]; then
		RUNAS=$(stat -c %U "$DIR/data")
		[ "$RUNAS" != root ] || RUNAS=
	fi
	cd "$DIR"
	# Already stopped is fine: the caller wants it stopped.
	if as_owner "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
		as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop \
			>>"$DIR/pg_ctl.log" 2>&1 ||
			as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop \
				>>"$DIR/pg_ctl.log" 2>&1 || {
			tail -n 20 "$DIR/pg_ctl.log" >&2
			die "could not stop the server in $DIR"
		}
	fi
}

[ $# -eq 2 ] || usage
DIR=$2
case $1 in
start) start ;;
stop) stop ;;
*) usage ;;
esac
