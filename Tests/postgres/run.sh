#!/usr/bin/env bash
# The replicas' shared state against a real PostgreSQL: starts a throwaway cluster on a loopback port,
# runs the SwitchboardStateTests suite (two gateways, one database; the database stopped mid-traffic),
# checks `switchboard usage --postgres-env` over what they recorded, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/postgres/cluster.sh
trap postgres_cluster_stop EXIT
postgres_cluster_start

SWITCHBOARD_TEST_POSTGRES_URL="$PG_URL" SWITCHBOARD_TEST_POSTGRES_CONTROL="$PG_CONTROL" \
    swift test --filter SwitchboardStateTests

# The report command over every replica's records: the suite left some behind.
swift build --product switchboard >/dev/null
report=$(SWITCHBOARD_DATABASE_URL="$PG_URL" "$(swift build --show-bin-path)/switchboard" usage \
    --postgres-env SWITCHBOARD_DATABASE_URL --since 1h --format csv)
echo "$report"
rows=$(echo "$report" | tail -n +2 | wc -l)
if [ "$rows" -lt 1 ]; then
    echo "switchboard usage --postgres-env reported no routes" >&2
    exit 1
fi
# The password never appears in what the command prints.
if echo "$report" | grep -q "switchboard-test-password"; then
    echo "the report printed the database password" >&2
    exit 1
fi
echo "Tests/postgres: passed"
