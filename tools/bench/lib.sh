# lib.sh — shared parts of the tools/bench scripts (sourced, not run): the working directory and
# the cleanup trap, the cached source file, free ports, a private nginx-rtmp with its /stat page,
# the looped `-c copy` publisher, mlsd, /proc readings and the bench-only packages.
#
#   source "$(dirname "$0")/lib.sh"; bench_init NAME
#
# Everything runs on 127.0.0.1 on free ports; every process started through bench_bg (or the
# helpers below) is killed by pid at exit, and the working directory is removed (KEEP=1 keeps it).
# Env: MLSD (default build/src/mlsd), MLSD_ARGS (extra mlsd arguments, word-split, e.g.
# "--rtmp-sender=rtmp2sink"), BENCH_CACHE (default build/bench-cache, or $MLS_BUILD_ROOT/bench-cache
# under meson test).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$BENCH_ROOT"
MLSD=${MLSD:-build/src/mlsd}
read -r -a MLSD_EXTRA <<< "${MLSD_ARGS:-}"
BENCH_CACHE=${BENCH_CACHE:-${MLS_BUILD_ROOT:-$BENCH_ROOT/build}/bench-cache}
BENCH_PIDS=()
declare -A NGX_PID NGX_RTMP NGX_HTTP

bench_cleanup() {
  local p
  for p in "${BENCH_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "bench: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}

# bench_init NAME: a working directory /tmp/mls-NAME.XXXXXX, the EXIT trap, a higher fd limit.
bench_init() {
  WORK=$(mktemp -d "/tmp/mls-$1.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  CLK=$(getconf CLK_TCK)
}

# bench_bg CMD…: runs CMD in the background, remembers its pid for the cleanup, sets BG_PID.
bench_bg() { "$@" & BG_PID=$!; BENCH_PIDS+=("$BG_PID"); }

# forget_pid PID: a reaped process leaves the cleanup's list, so a reused pid is never signalled.
forget_pid() {
  local p kept=()
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]}")
}

# stop_pid PID: SIGTERM (SIGCONT first, in case it was stopped), reap, forget.
stop_pid() {
  kill -CONT "$1" 2>/dev/null || true; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ensure_packages PKG…: installs the missing ones (dpkg-query, then apt-get, as tools/dev.sh does).
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "bench: installing ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    "${missing[@]}" >&2
}

# bench_source: the H.264 High 720p30 ~3 Mb/s + AAC 128 kb/s file (SRC_SECONDS long, default
# 60), made once and cached; sets SRC.
bench_source() {
  SRC="$BENCH_CACHE/source-720p30-3M-${SRC_SECONDS:-60}s.mp4"
  mkdir -p "$BENCH_CACHE"
  [ -s "$SRC" ] && return 0
  echo "bench: making the source once: $SRC" >&2
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=1000:sample_rate=48000 -t "${SRC_SECONDS:-60}" \
    -c:v libx264 -profile:v high \
    -preset veryfast -b:v 3M -maxrate 3M -bufsize 6M -g 60 -c:a aac -b:a 128k "$SRC.tmp.mp4"
  mv "$SRC.tmp.mp4" "$SRC"
}

# nginx_start NAME [APP_EXTRA]: a private nginx-rtmp (single process, foreground) with
# application `live` (APP_EXTRA appended inside it, e.g. push lines) and `rtmp_stat all` at
# http://127.0.0.1:${NGX_HTTP[NAME]}/stat. Sets NGX_PID[NAME], NGX_RTMP[NAME], NGX_HTTP[NAME].
nginx_start() {
  local name=$1 extra=${2:-} dir="$WORK/nginx-$1" rtmp http
  rtmp=$(free_port); http=$(free_port)
  mkdir -p "$dir/logs" "$dir/tmp"
  cat > "$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1; worker_rlimit_nofile 16384;
pid $dir/nginx.pid; error_log $dir/logs/error.log warn;
events { worker_connections 8192; }
rtmp { server { listen 127.0.0.1:$rtmp; chunk_size 4096;
  application live { live on; record off; $extra } } }
http { access_log off; client_body_temp_path $dir/tmp/b; proxy_temp_path $dir/tmp/p;
  fastcgi_temp_path $dir/tmp/f; uwsgi_temp_path $dir/tmp/u; scgi_temp_path $dir/tmp/s;
  server { listen 127.0.0.1:$http; location /stat { rtmp_stat all; } } }
CONF
  bench_bg nginx -p "$dir" -c "$dir/nginx.conf"
  NGX_PID[$name]=$BG_PID; NGX_RTMP[$name]=$rtmp; NGX_HTTP[$name]=$http
  local _
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$http/stat" >/dev/null && return 0; sleep 0.1; done
  echo "bench: nginx $name did not start" >&2; cat "$dir/logs/error.log" >&2; return 1
}

# stream_live HTTP_PORT NAME: true when nginx's /stat shows NAME publishing.
stream_live() {
  curl -sf "http://127.0.0.1:$1/stat" | python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
sys.exit(0 if any(s.findtext("name") == sys.argv[1] and s.find("publishing") is not None
                  for s in root.iter("stream")) else 1)' "$2"
}

# publish_source NGINX_NAME [STREAM]: the cached source, looped with -c copy (costs ~nothing),
# to rtmp://…/live/STREAM (default src); waits until nginx shows it publishing. Sets PUB_PID.
publish_source() {
  local name=$1 stream=${2:-src} _
  bench_bg ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy \
    -f flv "rtmp://127.0.0.1:${NGX_RTMP[$name]}/live/$stream" > "$WORK/publisher-$name.log" 2>&1
  PUB_PID=$BG_PID
  for _ in $(seq 100); do stream_live "${NGX_HTTP[$name]}" "$stream" && return 0; sleep 0.1; done
  echo "bench: the publisher to $name did not go live" >&2; return 1
}

# mlsd_start TAG [ARGS…]: mlsd on a free API port (MLSD_ARGS added), log in $WORK/mlsd-TAG.log,
# state in $WORK/state-TAG, RTSP on ${RTSP_LISTEN:-127.0.0.1:0}, --log-level ${LOG_LEVEL:-warning};
# waits for /healthz. Sets MLSD_PID, API_PORT, API (http://127.0.0.1:PORT).
mlsd_start() {
  local tag=$1 _; shift
  API_PORT=$(free_port); API="http://127.0.0.1:$API_PORT"
  bench_bg "$MLSD" --no-demo --listen "127.0.0.1:$API_PORT" --rtsp-listen "${RTSP_LISTEN:-127.0.0.1:0}" \
    --state-dir "$WORK/state-$tag" --log-level "${LOG_LEVEL:-warning}" "${MLSD_EXTRA[@]}" "$@" \
    > "$WORK/mlsd-$tag.log" 2>&1
  MLSD_PID=$BG_PID
  for _ in $(seq 100); do
    curl -sf "$API/healthz" >/dev/null && return 0
    kill -0 "$MLSD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: mlsd did not start:" >&2; cat "$WORK/mlsd-$tag.log" >&2; return 1
}

api() { curl -sf -H 'Content-Type: application/json' "$@"; }

# /proc readings of one process (all its threads).
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
proc_threads() { ls "/proc/$1/task" | wc -l; }
proc_rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
proc_pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
proc_ctxsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
