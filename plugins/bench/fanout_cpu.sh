#!/usr/bin/env bash
# fanout_cpu.sh: CPU cost of relaying one RTMP stream to N outputs on one local nginx-rtmp, with
# mlsrtmpfanout against tee + queue + rtmp2sink chunk-size=4096 (the best tee layout measured in
# GSTREAMER-NOTES). Both relays are gst-launch-1.0 processes that take the stream from the same
# nginx with rtmp2src (FLV passthrough, no demux), so the difference is the fan-out alone.
#
#   plugins/bench/fanout_cpu.sh [N=16] [WINDOW_SECONDS=20] [BUILD_DIR=build]
#   DESIGNS="source-only mlsrtmpfanout" plugins/bench/fanout_cpu.sh 256   # skip tee (N threads)
#
# The source is made once with ffmpeg (20 s, H.264 High 720p30 ~3 Mbps + AAC, cached in
# ${XDG_CACHE_HOME:-~/.cache}/mls-bench) and published looped with -c copy (costs ~nothing).
# Reported per relay, over the window after 6 s of warm-up: CPU-s per output-second (utime+stime
# from /proc/PID/stat; the source-only row is rtmp2src ! fakesink, divided by N as well, so it can
# be subtracted from both designs to get the cost of the fan-out itself), context switches per output-second (all threads, /proc/PID/task/*/status),
# threads, RSS, and the bitrate nginx received per output (every output must carry the source).
# With STRACE=1, each relay is then traced for 10 s more (strace -c on every thread) and its
# syscalls per output-second are printed, in total and the writes among them (tracing slows the
# relay down; the CPU column comes from the untraced window).
# KEEP=1 keeps the working directory (nginx and relay logs) instead of removing it.
# A benchmark, not a test: it prints a table and exits non-zero if an output starved.
set -euo pipefail

N=${1:-16}
WINDOW=${2:-20}
BUILD=$(realpath "${3:-build}")
WARMUP=6
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mls-bench
SRC=$CACHE/source-720p30-3M.flv
WORK=$(mktemp -d /tmp/mls-fanout-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ctxsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
threads() { ls /proc/"$1"/task | wc -l; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
stream_bytes_in() {  # bytes_in of the live/outN streams (total, count) and of the source
  curl -s "http://127.0.0.1:$HTTP/stat" | python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read()); total = 0; count = 0; src = 0
for s in root.iter("stream"):
    name = s.findtext("name") or ""
    if name.startswith("out"): total += int(s.findtext("bytes_in") or 0); count += 1
    if name == "src": src = int(s.findtext("bytes_in") or 0)
print(total, count, src)'
}

mkdir -p "$CACHE"
if [ ! -s "$SRC" ]; then
  echo "making the source once: $SRC"
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 20 \
    -c:v libx264 -preset veryfast -profile:v high -b:v 3M -maxrate 3M -bufsize 6M -g 60 \
    -c:a aac -b:a 128k -f flv "$SRC"
fi

PORT=$(free_port)
HTTP=$(free_port)
mkdir -p "$WORK/tmp"
cat > "$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx.pid; error_log $WORK/nginx.log warn;
events { worker_connections 1024; }
rtmp { server { listen 127.0.0.1:$PORT; chunk_size 4096;
  application live { live on; record off; } } }
http { access_log off; client_body_temp_path $WORK/tmp/b; proxy_temp_path $WORK/tmp/p;
  fastcgi_temp_path $WORK/tmp/f; uwsgi_temp_path $WORK/tmp/u; scgi_temp_path $WORK/tmp/s;
  server { listen 127.0.0.1:$HTTP; location /stat { rtmp_stat all; } } }
CONF
nginx -p "$WORK" -c "$WORK/nginx.conf" & PIDS+=($!)
for _ in $(seq 50); do curl -s "http://127.0.0.1:$HTTP/stat" >/dev/null && break; sleep 0.1; done
ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy -f flv \
  "rtmp://127.0.0.1:$PORT/live/src" > "$WORK/publisher.log" 2>&1 & PIDS+=($!)
sleep 2

SOURCE=(rtmp2src "location=rtmp://127.0.0.1:$PORT/live/src")
fanout_args() {
  local dests=""
  for i in $(seq 1 "$N"); do dests+="out$i=rtmp://127.0.0.1:$PORT/live/out$i "; done
  ARGS=("${SOURCE[@]}" ! mlsrtmpfanout "destinations=${dests% }")
}
source_args() {  # the relay's input alone: what both designs pay before fanning out
  ARGS=("${SOURCE[@]}" ! fakesink sync=false)
}
tee_args() {
  ARGS=("${SOURCE[@]}" ! tee name=t)
  for i in $(seq 1 "$N"); do
    ARGS+=(t. ! queue ! rtmp2sink sync=false chunk-size=4096
           "location=rtmp://127.0.0.1:$PORT/live/out$i")
  done
}

HZ=$(getconf CLK_TCK)
STATUS=0
printf '%-16s %4s %12s %12s %8s %8s %12s %12s\n' design N "CPU-s/out-s" "ctxsw/out-s" \
  threads "RSS MiB" "kbps/output" "kbps source"
calc() { awk "BEGIN { print $* }"; }
for design in ${DESIGNS:-source-only mlsrtmpfanout tee+rtmp2sink}; do
  case $design in
    source-only) source_args ;;
    mlsrtmpfanout) fanout_args ;;
    *) tee_args ;;
  esac
  GST_PLUGIN_PATH=$BUILD/plugins gst-launch-1.0 -q "${ARGS[@]}" > "$WORK/$design.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  sleep "$WARMUP"
  t0=$(ticks "$pid"); c0=$(ctxsw "$pid"); read -r b0 _ s0 < <(stream_bytes_in)
  sleep "$WINDOW"
  t1=$(ticks "$pid"); c1=$(ctxsw "$pid"); read -r b1 n1 s1 < <(stream_bytes_in)
  th=$(threads "$pid"); rss=$(rss_kib "$pid")
  if [ "${STRACE:-0}" = 1 ]; then
    tids=(); for t in /proc/"$pid"/task/*; do tids+=(-p "${t##*/}"); done
    timeout -s INT 10 strace -c -q -o "$WORK/$design.strace" "${tids[@]}" 2>/dev/null || true
    # strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall.
    awk -v n="$N" -v design="$design" '$NF == "total" {
      printf "  %s: %.1f syscalls per output-second (strace)\n", design, $4 / 10 / n }' \
      "$WORK/$design.strace"
    grep -E " (write|writev|sendmsg|sendto|recvmsg|read|poll|ppoll|futex|eventfd2?)$" \
      "$WORK/$design.strace" | awk -v n="$N" '{ printf "    %-10s %8.1f per output-second\n", $NF, $4 / 10 / n }'
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  cpu=$(calc "($t1 - $t0) / $HZ / ($WINDOW * $N)")
  cs=$(calc "($c1 - $c0) / ($WINDOW * $N)")
  kbps=$(calc "($b1 - $b0) * 8 / 1000 / $WINDOW / $N")
  src_kbps=$(calc "($s1 - $s0) * 8 / 1000 / $WINDOW")
  printf '%-16s %4d %12.5f %12.1f %8d %8.1f %12.0f %12.0f\n' "$design" "$N" "$cpu" "$cs" "$th" \
    "$(calc "$rss / 1024")" "$kbps" "$src_kbps"
  # Every output must carry the source (an average below 90 % of it means one starved).
  [ "$design" = source-only ] && { sleep 2; continue; }
  if [ "$n1" -lt "$N" ] || [ "$(calc "($kbps < 0.9 * $src_kbps) ? 1 : 0")" = 1 ]; then
    printf '  %s: an output starved (%d streams at nginx, %.0f kbps each, source %.0f)\n' \
      "$design" "$n1" "$kbps" "$src_kbps" >&2
    STATUS=1
  fi
  sleep 2  # nginx lets the publishers go
done
exit $STATUS
