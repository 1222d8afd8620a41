#!/usr/bin/env bash
# Start-up time of the embedded default: from process start to the first 200 from /readyz.
# Runs the built silo N times on a fresh ./.data and N times reusing it; prints each and the medians.
# Usage: bench/startup-time.sh [runs=5]   (from the repository root)
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
chmod 755 "$work"   # the postgres account must reach ./.data below it
trap 'rm -rf "$work"' EXIT
dotnet build "$root/src/Silo" -c Release -v q -nologo >/dev/null
silo="$root/src/Silo/bin/Release/net10.0/OrleansTenants.Silo"
port=5799

measure() {
  local start end
  start=$(date +%s%N)
  (cd "$work" && exec "$silo" --urls "http://127.0.0.1:$port" >"$work/silo.log" 2>&1) &
  local pid=$!
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/silo.log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s%N)
  kill -TERM "$pid"
  wait "$pid" || true
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

fresh=(); reused=()
for _ in $(seq "$runs"); do rm -rf "$work/.data"; fresh+=("$(measure)"); done
for _ in $(seq "$runs"); do reused+=("$(measure)"); done
echo "fresh ./.data  (ms): ${fresh[*]}  median $(printf '%s\n' "${fresh[@]}" | median)"
echo "reused ./.data (ms): ${reused[*]}  median $(printf '%s\n' "${reused[@]}" | median)"
