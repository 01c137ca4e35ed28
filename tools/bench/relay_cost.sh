#!/usr/bin/env bash
# relay_cost.sh — what one passthrough RTMP output costs mlsd.
#
# Publishes a cached 60 s H.264 High 720p30 ~3 Mb/s + AAC file, looped with `-c copy` (the
# publisher costs next to nothing), to a local nginx-rtmp; mlsd pulls it once and relays it to N
# outputs on the same nginx. After a warm-up it samples mlsd's CPU time (utime+stime from
# /proc/PID/stat), RSS, PSS and thread count over a fixed window, and checks with ffprobe that
# the last output really carries video.
#
# Usage: tools/bench/relay_cost.sh [N ...]        (default: 1 4 16)
# Env:   WINDOW=30 WARMUP=10 MLSD=build/src/mlsd SENDER=fanout|rtmp2sink (mlsd's --rtmp-sender)
# Prints one Markdown table row per N.
set -euo pipefail
cd "$(dirname "$0")/../.."
MLSD=${MLSD:-build/src/mlsd}
SENDER=${SENDER:-fanout}
WINDOW=${WINDOW:-30}
WARMUP=${WARMUP:-10}
COUNTS=("$@"); [ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 4 16)
WORK=$(mktemp -d /tmp/mls-bench.XXXXXX)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mls-bench
mkdir -p "$CACHE"
SRC="$CACHE/source-720p30-3M.mp4"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ ! -s "$SRC" ]; then
  ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 60 -c:v libx264 -profile:v high \
    -preset veryfast -b:v 3M -maxrate 3M -bufsize 6M -g 60 -c:a aac -b:a 128k "$SRC.tmp.mp4"
  mv "$SRC.tmp.mp4" "$SRC"
fi

RTMP_PORT=$(free_port); API_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/logs/error.log;
events {}
rtmp { server { listen 127.0.0.1:$RTMP_PORT; chunk_size 4096; application live { live on; record off; } } }
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" & pids+=($!)
sleep 0.5
ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$SRC" -c copy -f flv \
  "rtmp://127.0.0.1:$RTMP_PORT/live/src" & pids+=($!)

stat_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk=$(getconf CLK_TCK)

echo "| outputs | CPU-s per output-second | mlsd CPU % | RSS MiB | PSS MiB | threads | threads per output |"
echo "|---|---|---|---|---|---|---|"
for n in "${COUNTS[@]}"; do
  "$MLSD" --no-demo --listen "127.0.0.1:$API_PORT" --rtsp-listen 127.0.0.1:0 \
    --state-dir "$WORK/state-$n" --rtmp-sender "$SENDER" --log-level warning > "$WORK/mlsd-$n.log" 2>&1 &
  mpid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$API_PORT/api/v1/system" >/dev/null && break; sleep 0.1; done
  base_threads=$(ls /proc/$mpid/task | wc -l)
  outs=""
  for i in $(seq "$n"); do outs+="${outs:+,}{\"name\":\"o$i\",\"url\":\"rtmp://127.0.0.1:$RTMP_PORT/live/o$i\"}"; done
  curl -sf -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$API_PORT/api/v1/inputs" \
    -d "{\"name\":\"src\",\"url\":\"rtmp://127.0.0.1:$RTMP_PORT/live/src\",\"outputs\":[$outs]}" >/dev/null
  sleep "$WARMUP"
  c0=$(stat_cpu $mpid); t0=$(date +%s.%N)
  sleep "$WINDOW"
  c1=$(stat_cpu $mpid); t1=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$mpid/status)
  pss=$(awk '/^Pss:/ {s+=$2} END {print s}' /proc/$mpid/smaps_rollup)
  threads=$(ls /proc/$mpid/task | wc -l)
  live=$(curl -sf "http://127.0.0.1:$API_PORT/api/v1/inputs/src/outputs" | python3 -c \
    'import json,sys; print(sum(o["state"]=="live" for o in json.load(sys.stdin)["outputs"]))')
  probe=$(timeout 15 ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 \
    "rtmp://127.0.0.1:$RTMP_PORT/live/o$n" || true)
  python3 - "$n" "$c0" "$c1" "$t0" "$t1" "$clk" "$rss" "$pss" "$threads" "$base_threads" "$live" "$probe" <<'PY'
import sys
n, c0, c1, t0, t1, clk, rss, pss, th, th0, live, probe = sys.argv[1:]
n = int(n); cpu = (float(c1) - float(c0)) / float(clk); wall = float(t1) - float(t0)
ok = "" if int(live) == n and probe == "h264" else f" (FAILED: {live}/{n} live, probe={probe!r})"
print(f"| {n} | {cpu / wall / n:.5f} | {100 * cpu / wall:.1f} | {int(rss) / 1024:.1f} | "
      f"{int(pss) / 1024:.1f} | {th} | {(int(th) - int(th0)) / n:.1f}{ok} |")
PY
  kill -TERM $mpid; wait $mpid 2>/dev/null || true
done
