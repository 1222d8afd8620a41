#!/usr/bin/env bash
# Adds generated tenants to a running embedded default (run from its directory), for trying `tenants move-all` on
# more than the demo: gen-001 ... gen-N in single mode (database main), of five industries, each with 5-44 accounts
# and as many notes written through the tenant API.
#   dotnet run --project src/Silo &          # the embedded default
#   bash bench/move-all-demo.sh 200
set -euo pipefail
count=${1:-200}
url=${OT_URL:-http://localhost:5000}
admin=$(cat .data/admin-api-key)
industries=(Retail Software Healthcare Energy Manufacturing)

for n in $(seq 1 "$count"); do
  id=$(printf 'gen-%03d' "$n")
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"id\":\"$id\",\"name\":\"Generated $n\",\"industry\":\"${industries[n % 5]}\",\"placement\":{\"mode\":\"single\"}}" "$url/admin/tenants")
  case $status in
    201) ;;
    409) continue ;; # there from an earlier run of this script
    *) echo "creating $id: HTTP $status" >&2; exit 1 ;;
  esac
  key=$(curl -fsS -X POST -H "Authorization: Bearer $admin" "$url/admin/tenants/$id/api-keys" | sed -E 's/.*"key":"([^"]+)".*/\1/')
  # One curl for the tenant's rows: its requests share a connection (the last "next" dropped: nothing follows it).
  for r in $(seq 1 $((5 + n % 40))); do
    for resource in accounts notes; do
      field=$([ "$resource" = accounts ] && echo name || echo body)
      printf 'url = "%s/api/tenants/%s/%s"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata = "{\\"%s\\":\\"%s %d\\"}"\noutput = "/dev/null"\nnext\n' \
        "$url" "$id" "$resource" "$key" "$field" "$resource" "$r"
    done
  done | sed '$d' | curl -fsS -K -
  [ $((n % 50)) -eq 0 ] && echo "$n tenants"
done
echo "Added $count tenants in single mode."
