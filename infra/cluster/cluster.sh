#!/usr/bin/env bash
# A local OrleansTenants cluster: N silo processes (distinct ports) and optionally a standalone Api process
# against one catalog database.
#
#   infra/cluster/cluster.sh start [--silos 3] [--api] [--data-dir .data/cluster] [--catalog CONNSTRING]
#                                  [--base-port 0] [--set Orleans:Collection:CollectionAge=00:00:10 ...] [--durable]
#   infra/cluster/cluster.sh status [--data-dir DIR]
#   infra/cluster/cluster.sh stop   [--data-dir DIR]
#
# A catalog with a password is best given in $ConnectionStrings__Catalog: a --catalog argument shows in ps.
# Without --catalog (or $ConnectionStrings__Catalog) the launcher starts its own PostgreSQL under
# <data-dir>/postgres and stops it last. The admin key and the master keys are generated once into
# <data-dir> (mode 0600) and given to every node. `start` runs in the foreground: Ctrl-C, SIGTERM or
# `stop` (from another shell) stops the nodes (SIGTERM, then wait), then PostgreSQL; a launcher that is
# killed takes its nodes with it. Node logs: <data-dir>/logs/<node>.log (JSON lines).
#
# Builds in Release first (the launcher builds the silo and the Api with it). Set ARTIFACTS_PATH to build
# into that artifacts directory instead of the projects' bin/ folders; NO_BUILD=1 skips the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
args=()
if [[ -n "${ARTIFACTS_PATH:-}" ]]; then args=(--artifacts-path "$ARTIFACTS_PATH"); fi
if [[ "${1:-}" == "start" && -z "${NO_BUILD:-}" ]]; then
  dotnet build "$root/infra/cluster/ClusterLauncher.csproj" -c Release -nologo -v q "${args[@]}" >&2
fi
if [[ -n "${ARTIFACTS_PATH:-}" ]]; then
  launcher="$ARTIFACTS_PATH/bin/ClusterLauncher/release/OrleansTenants.ClusterLauncher.dll"
else
  launcher="$root/infra/cluster/bin/Release/net10.0/OrleansTenants.ClusterLauncher.dll"
fi
# exec: the launcher gets Ctrl-C and SIGTERM itself.
exec dotnet "$launcher" "$@"
