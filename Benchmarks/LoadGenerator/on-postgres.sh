#!/usr/bin/env bash
# Runs the load generator against hubs on PostgreSQL, each run on a fresh database of the server that
# scripts/with-postgres.sh started (its socket and user come from SMILEY_TEST_POSTGRES_*):
#
#   scripts/with-postgres.sh Benchmarks/LoadGenerator/on-postgres.sh BIN_DIRECTORY [LoadGenerator options]
#
# e.g. `... .build/release --devices 1000 --seconds 60 --hubs 2`. It prints the presses the database holds
# afterwards, so a run whose requests were answered but not stored would show.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BIN_DIRECTORY [LoadGenerator options]" >&2
    exit 2
fi
bin=$1
shift
socket=${SMILEY_TEST_POSTGRES_SOCKET:?run under scripts/with-postgres.sh}
user=${SMILEY_TEST_POSTGRES_USER:?run under scripts/with-postgres.sh}
database="load_$(date +%s)_$$"
createdb -h "$socket" -U "$user" "$database"
"$bin/LoadGenerator" --hub "$bin/smiley-hub" --database "postgres://$user@/$database?host=$socket" "$@"
echo "presses held: $(psql -h "$socket" -U "$user" -d "$database" -XAt -c "SELECT COUNT(*) FROM press")"
