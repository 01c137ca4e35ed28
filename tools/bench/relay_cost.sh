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
# Env:   WINDOW=30 WARMUP=10 MLSD=build/src/mlsd MLSD_ARGS=… (see lib.sh)
# tools/bench/run measures the same side by side with ffmpeg and nginx-rtmp push.
# Prints one Markdown table row per N.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WINDOW=${WINDOW:-30}
WARMUP=${WARMUP:-10}
COUNTS=("$@"); [ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 4 16)
bench_init relay-cost
bench_source
nginx_start origin
publish_source origin
RTMP_PORT=${NGX_RTMP[origin]}

echo "| outputs | CPU-s per output-second | mlsd CPU % | RSS MiB | PSS MiB | threads | threads per output |"
echo "|---|---|---|---|---|---|---|"
for n in "${COUNTS[@]}"; do
  mlsd_start "$n"
  mpid=$MLSD_PID
  base_threads=$(proc_threads $mpid)
  outs=""
  for i in $(seq "$n"); do outs+="${outs:+,}{\"name\":\"o$i\",\"url\":\"rtmp://127.0.0.1:$RTMP_PORT/live/o$i\"}"; done
  api -X POST "$API/api/v1/inputs" \
    -d "{\"name\":\"src\",\"url\":\"rtmp://127.0.0.1:$RTMP_PORT/live/src\",\"outputs\":[$outs]}" >/dev/null
  sleep "$WARMUP"
  c0=$(proc_ticks $mpid); t0=$(date +%s.%N)
  sleep "$WINDOW"
  c1=$(proc_ticks $mpid); t1=$(date +%s.%N)
  rss=$(proc_rss_kib $mpid); pss=$(proc_pss_kib $mpid); threads=$(proc_threads $mpid)
  live=$(api "$API/api/v1/inputs/src/outputs" | python3 -c \
    'import json,sys; print(sum(o["state"]=="live" for o in json.load(sys.stdin)["outputs"]))')
  probe=$(timeout 15 ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 \
    "rtmp://127.0.0.1:$RTMP_PORT/live/o$n" || true)
  python3 - "$n" "$c0" "$c1" "$t0" "$t1" "$CLK" "$rss" "$pss" "$threads" "$base_threads" "$live" "$probe" <<'PY'
import sys
n, c0, c1, t0, t1, clk, rss, pss, th, th0, live, probe = sys.argv[1:]
n = int(n); cpu = (float(c1) - float(c0)) / float(clk); wall = float(t1) - float(t0)
ok = "" if int(live) == n and probe == "h264" else f" (FAILED: {live}/{n} live, probe={probe!r})"
print(f"| {n} | {cpu / wall / n:.5f} | {100 * cpu / wall:.1f} | {int(rss) / 1024:.1f} | "
      f"{int(pss) / 1024:.1f} | {th} | {(int(th) - int(th0)) / n:.1f}{ok} |")
PY
  stop_pid $mpid
done
