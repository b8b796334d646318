#!/usr/bin/env bash
# The main job: upload a CSV to the bucket, run a container that reads it from /mnt/s3 and writes
# a summary back, then download the summary. Starts a lyceum server on this machine if none
# answers on LYCEUM_API_URL (default http://127.0.0.1:8790), on that URL's port, and stops it
# again at the end.
#
# IMAGE picks the container image (default lyceum-test/python:2, which scripts/setup-host.sh builds
# locally); PULL the pull policy (default never, so nothing is fetched from a registry).
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd -- "$here/../.." && pwd)"
lyceum() { "$repo/bin/lyceum" "$@"; }

image="${IMAGE:-lyceum-test/python:2}"
pull="${PULL:-never}"
url="${LYCEUM_API_URL:-http://127.0.0.1:8790}"
work="$(mktemp -d)"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf -- "$work"
}
trap cleanup EXIT

if ! curl -fsS "$url/health" >/dev/null 2>&1; then
  echo "Starting a lyceum server (log: $work/server.log)"
  port="${url##*:}"
  port="${port%%/*}"
  "$repo/bin/lyceum" server --port "$port" --s3-port "${LYCEUM_S3_PORT:-0}" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "$url/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "$url/health" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
  # A first start creates the default account and shows its API key once, in the server's log.
  if grep -q 'Created the default account' "$work/server.log"; then
    sed -n '/Created the default account/,/lyceum auth login/p' "$work/server.log"
  fi
fi

echo "1. Upload the input"
{
  echo "sensor,value"
  for i in $(seq 1 300); do echo "sensor-$((i % 3)),$((i * 7 % 101)).5"; done
} >"$work/measurements.csv"
lyceum storage load "$work/measurements.csv" --key data/measurements.csv
lyceum storage ls data/

echo "2. Run a container over it; the bucket is at /mnt/s3"
lyceum docker run "$image" --pull "$pull" -- python3 -c "$(cat "$here/summarize.py")"

echo "3. Download the result"
lyceum storage download results/summary.json -o "$work/summary.json"
cat "$work/summary.json"
