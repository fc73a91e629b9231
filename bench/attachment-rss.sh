#!/usr/bin/env bash
# How much the server's memory grows while a large attachment uploads and
# downloads (issue: attachments stream, they are never held whole in memory).
#
#   bench/attachment-rss.sh            # 90 MiB, release build
#   SIZE_MIB=500 PORTICO_BIN=target/debug/portico bench/attachment-rss.sh
#                                      # (the limit is raised to fit)
#
# Starts a fresh server on loopback with its own data folder, signs in
# through the first-run setup, uploads a random file with curl (multipart,
# as a browser does), downloads it back, compares the bytes, and prints the
# resident set (VmRSS) before and the peak (VmHWM) after each transfer, from
# /proc. Growth well under the file's size means the bytes streamed.
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib="${SIZE_MIB:-90}"
bin="${PORTICO_BIN:-target/release/portico}"
if [ ! -x "$bin" ]; then
  echo "== building $bin (cargo build --release -p portico)"
  cargo build --release -p portico
fi

work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# The server refuses unknown PORTICO_* variables, so PORTICO_BIN stays here.
env -u PORTICO_BIN PORTICO_LOG=warn PORTICO_PUBLIC_BASE_URL="$base" \
  PORTICO_ATTACHMENTS_MAX_MIB="$(( size_mib > 100 ? size_mib : 100 ))" \
  "$bin" serve --listen "127.0.0.1:$port" --data "$work/data" >"$work/server.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q 'setup?token=' "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
token="$(grep -oE 'setup\?token=[^[:space:]]+' "$work/server.out" | head -n 1 | cut -d= -f2)"
[ -n "$token" ] || { echo "the server printed no setup link" >&2; cat "$work/server.out" >&2; exit 1; }

jar="$work/cookies"
password='bench password 1234'
curl -sf -c "$jar" -o /dev/null --data-urlencode "token=$token" -d display_name=Bench \
  -d email=bench@example.com --data-urlencode "password=$password" \
  --data-urlencode "password_confirmation=$password" "$base/setup"
json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
space="$(curl -sf -b "$jar" -H 'content-type: application/json' \
  -d '{"key":"BENCH","name":"Bench"}' "$base/wiki/api/v2/spaces" | json_field '["id"]')"
page="$(curl -sf -b "$jar" -H 'content-type: application/json' \
  -d "{\"spaceId\":\"$space\",\"status\":\"current\",\"title\":\"Files\",\"body\":{\"representation\":\"storage\",\"value\":\"<p>files</p>\"}}" \
  "$base/wiki/api/v2/pages" | json_field '["id"]')"

head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/big.bin"
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$pid/status"; }

rss_idle="$(kib VmRSS)"
peak_idle="$(kib VmHWM)"
start=$(date +%s.%N)
attachment="$(curl -sf -b "$jar" -H 'X-Atlassian-Token: no-check' -F "file=@$work/big.bin" \
  "$base/wiki/api/v2/pages/$page/attachments" | json_field '["results"][0]["id"]')"
upload_s="$(since "$start")"
peak_upload="$(kib VmHWM)"
start=$(date +%s.%N)
curl -sf -b "$jar" -o "$work/back.bin" "$base/wiki/api/v2/attachments/$attachment/download"
download_s="$(since "$start")"
peak_download="$(kib VmHWM)"
cmp -s "$work/big.bin" "$work/back.bin" || { echo "the downloaded bytes differ" >&2; exit 1; }

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "file:                          $size_mib MiB (random bytes), binary $bin"
echo "RSS before the upload:         $(mib "$rss_idle") MiB (peak so far $(mib "$peak_idle") MiB)"
echo "peak RSS after the upload:     $(mib "$peak_upload") MiB  (+$(mib $((peak_upload - rss_idle))) MiB, upload took $upload_s s)"
echo "peak RSS after the download:   $(mib "$peak_download") MiB  (+$(mib $((peak_download - rss_idle))) MiB, download took $download_s s)"
echo "the downloaded file is identical to the uploaded one"
