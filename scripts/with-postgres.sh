#!/usr/bin/env bash
# Runs CMD ARGS... beside a throwaway PostgreSQL server of its own, then stops it and deletes it.
#
#   scripts/with-postgres.sh swift test --skip-build
#
# The server lives in a fresh temporary directory: its data, its log and its Unix socket. It listens on
# no TCP port (nothing to clash with), trusts local connections, and is stopped (`-m immediate`) and
# removed when CMD ends, fails or is interrupted. CMD gets:
#   SMILEY_TEST_POSTGRES_SOCKET   the directory holding the socket (`.s.PGSQL.5432`)
#   SMILEY_TEST_POSTGRES_USER     the server's superuser
# Debian's postgresql package is installed first if missing. initdb refuses root: as root the server
# runs as Debian's `postgres` user, owner of the temporary directory.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

"$(dirname "$0")/install-deps.sh" postgresql

bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "$0: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (is the postgresql package installed?)" >&2
    exit 1
fi

as_server=()
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "$0: running as root, but there is no 'postgres' user to run the server as (the postgresql package creates it)" >&2
        exit 1
    fi
    as_server=(runuser -u postgres --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/smiley-pg.XXXXXX")"
data="$dir/data"
user="smiley_test"

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    if [ -f "$data/postmaster.pid" ]; then
        "${as_server[@]}" "$bin/pg_ctl" -D "$data" stop -m immediate -w >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
child=""
# A signal ends CMD too (it runs in the background so that the signal is handled at once), then cleans up.
on_signal() {
    if [ -n "$child" ]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

if [ ${#as_server[@]} -gt 0 ]; then
    chown postgres: "$dir"
fi

"${as_server[@]}" "$bin/initdb" -D "$data" -U "$user" --auth=trust --no-sync --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    echo "$0: initdb failed" >&2
    exit 1
}
# No TCP at all; the socket in the temporary directory; enough connections for parallel tests.
"${as_server[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=500" start >/dev/null || {
    cat "$dir/server.log" >&2 || true
    echo "$0: the PostgreSQL server did not start" >&2
    exit 1
}

export SMILEY_TEST_POSTGRES_SOCKET="$dir" SMILEY_TEST_POSTGRES_USER="$user"
"$@" <&0 &
child=$!
status=0
wait "$child" || status=$?
child=""
exit "$status"
