#!/usr/bin/env bash
# shutdown.sh — how long SIGTERM takes to drain a loaded mlsd and exit (issue 4's target: ≤ 1 s
# with 16 live relays, 4 recordings and 3 RTSP clients).
#
# One looped 720p30 ~3 Mb/s H.264 + AAC source published with `-c copy` to a local nginx-rtmp;
# mlsd pulls it as 16 inputs (16 connections), each relayed passthrough to its own RTMP output on
# the same nginx, 4 of them recorded, 3 of them played by an RTSP client (ffmpeg over TCP). Once
# everything is live it sends SIGTERM and measures, from outside, the time until the process
# has exited; it also reads mlsd's own "shutdown complete" line and checks that no recording
# segment was left open (.open marker) and that the exit audit found no leak.
#
# Usage: tools/bench/shutdown.sh [RUNS]   (default 3)   Env: MLSD=build/src/mlsd MLSD_ARGS=…
# (see lib.sh). tools/bench/run runs it once as part of the whole benchmark.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${1:-3}
bench_init shutdown
bench_source
nginx_start origin
publish_source origin
RTMP_PORT=${NGX_RTMP[origin]}

count_live() {
  api "http://127.0.0.1:$1/api/v1/inputs" | python3 -c '
import json, sys
inputs = json.load(sys.stdin)["inputs"]
n = sum(i["state"] == "live" for i in inputs)
o = sum(o["state"] == "live" for i in inputs for o in i["outputs"])
r = sum(i["recording"]["state"] == "live" for i in inputs)
c = sum(i["rtsp_clients"] for i in inputs)
print(n, o, r, c)'
}

echo "| run | all live after | SIGTERM → exit (outside) | mlsd's \"shutdown complete\" | segments left open | audit |"
echo "|---|---|---|---|---|---|"
for run in $(seq "$RUNS"); do
  RTSP_PORT=$(free_port)
  state="$WORK/state-$run"
  RTSP_LISTEN=127.0.0.1:$RTSP_PORT LOG_LEVEL=info mlsd_start "$run"
  mpid=$MLSD_PID
  t_start=$(date +%s.%N)
  for i in $(seq 16); do
    record=false; [ "$i" -le 4 ] && record=true
    api -X POST "http://127.0.0.1:$API_PORT/api/v1/inputs" -d "{\"name\":\"in$i\",
      \"url\":\"rtmp://127.0.0.1:$RTMP_PORT/live/src\",\"record\":$record,
      \"outputs\":[{\"name\":\"out\",\"url\":\"rtmp://127.0.0.1:$RTMP_PORT/live/o$i\"}]}" >/dev/null
  done
  for _ in $(seq 300); do
    read -r n o r c < <(count_live "$API_PORT")
    [ "$n" = 16 ] && [ "$o" = 16 ] && [ "$r" = 4 ] && break
    sleep 0.1
  done
  clients=()
  for i in 5 6 7; do
    ffmpeg -hide_banner -loglevel error -rtsp_transport tcp -i "rtsp://127.0.0.1:$RTSP_PORT/in$i" \
      -f null - > /dev/null 2>&1 & clients+=($!)
  done
  for _ in $(seq 100); do
    read -r n o r c < <(count_live "$API_PORT")
    [ "$c" -ge 3 ] && break
    sleep 0.1
  done
  live_after=$(python3 -c "import time; print(f'{time.time() - $t_start:.1f} s')")
  sleep 3  # some media in every segment
  read -r n o r c < <(count_live "$API_PORT")
  t0=$(date +%s.%N)
  kill -TERM "$mpid"
  code=0; wait "$mpid" || code=$?
  forget_pid "$mpid"
  t1=$(date +%s.%N)
  for p in "${clients[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  own=$(grep -o 'shutdown complete in [0-9.]* s' "$WORK/mlsd-$run.log" | grep -o '[0-9.]* s' || echo '?')
  open=$(find "$state/recordings" -name '.*.open' | wc -l)
  audit=$(grep -q 'No thread leaks detected' "$WORK/mlsd-$run.log" && grep -q 'No fd leaks detected' "$WORK/mlsd-$run.log" && echo "no leaks, exit $code" || echo "LEAKS or exit $code")
  python3 -c "print(f'| $run ($n inputs, $o outputs, $r recordings, $c RTSP clients live) | $live_after | {($t1 - $t0):.2f} s | $own | $open | $audit |')"
done
