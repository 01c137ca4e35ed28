#!/usr/bin/env python3
"""report.py — turns a tools/bench/run results directory into report.md (Markdown, ready to
paste into docs/benchmarks.md) and chart.png (gnuplot, CPU per output against N, log-log).

  report.py DIR --command CMD --mlsd PATH --window S --warmup S [--chart] > DIR/report.md
  report.py DIR --check      exit 1 unless every row in DIR/rows.jsonl is well formed, has
                             nonzero numbers and all its outputs verified (the smoke test)

Reads DIR/rows.jsonl (measure.py row), and when present loadavg-start.txt, profile.json,
latency.json, wrk.txt, sse.json, isolation.jsonl, isolation-stalled.txt and shutdown.md.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys

DESIGNS = [("mls", "mls"), ("ffmpeg", "ffmpeg per output"), ("nginx-push", "nginx-rtmp push")]


def sh(cmd):
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20)
        return (r.stdout + r.stderr).strip()
    except Exception as e:  # noqa: BLE001
        return f"({e})"


def load_rows(d):
    path = os.path.join(d, "rows.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def read(d, name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        text = f.read()
    if name.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError:
            return None
    if name.endswith(".jsonl"):
        return [json.loads(x) for x in text.splitlines() if x.strip()]
    return text


def fmt(x, digits=5):
    return "—" if x is None else f"{x:.{digits}f}"


def cpu_cell(r):
    if r is None:
        return "not run"
    if "error" in r:
        return f"**FAILED** ({r['error']})"
    cell = fmt(r["cpu_per_output_s"])
    if not r["ok"]:
        cell += f" **FAILED** ({r['outputs_ok']}/{r['n']} outputs ok)"
    return cell


def ratio(a, b):
    if a is None or b is None or "error" in a or "error" in b or b["cpu_per_output_s"] <= 0:
        return "—"
    s = f"{a['cpu_per_output_s'] / b['cpu_per_output_s']:.2f}"
    return s if a["ok"] and b["ok"] else s + " (a run failed)"


def machine(d):
    start = read(d, "loadavg-start.txt")
    load = (f"load average (1, 5, 15 min) at the start {start.strip()}, at the end "
            if start else "load average (1, 5, 15 min) at the end ")
    load += " ".join(f"{x:.2f}" for x in os.getloadavg())
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    model = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    distro = sh(". /etc/os-release; echo $PRETTY_NAME")
    return (f"{sh('nproc')} CPUs ({model}), {mem} RAM, kernel {platform.release()}, {distro}; "
            f"{load}")


def versions(mlsd):
    return [
        sh(f"{mlsd} --version").splitlines()[0],
        sh("gst-launch-1.0 --version").splitlines()[0],
        sh("nginx -v"),
        sh("ffmpeg -version").splitlines()[0],
        "mls commit " + sh("git rev-parse --short HEAD") +
        (" (with uncommitted changes)" if sh("git status --porcelain --untracked-files=no") else ""),
    ]


def chart(d, rows):
    rows = [r for r in rows if "error" not in r]
    data = os.path.join(d, "chart.dat")
    ns = sorted({r["n"] for r in rows})
    by = {(r["design"], r["n"]): r for r in rows}
    with open(data, "w") as f:
        f.write("# N " + " ".join(k for k, _ in DESIGNS) + "\n")
        for n in ns:
            vals = []
            for k, _ in DESIGNS:
                r = by.get((k, n))
                vals.append("NaN" if r is None or r["cpu_per_output_s"] <= 0
                            else f"{r['cpu_per_output_s']:.6g}")
            f.write(f"{n} " + " ".join(vals) + "\n")
    failed = os.path.join(d, "chart-failed.dat")
    with open(failed, "w") as f:
        for r in rows:
            if not r["ok"] and r["cpu_per_output_s"] > 0:
                f.write(f"{r['n']} {r['cpu_per_output_s']:.6g}\n")
    png = os.path.join(d, "chart.png")
    plots = [f"'{data}' using 1:{i + 2} with linespoints lw 2 pt 7 title '{title}'"
             for i, (_, title) in enumerate(DESIGNS)]
    if os.path.getsize(failed):
        plots.append(f"'{failed}' using 1:2 with points pt 2 ps 2.5 lc rgb 'red' "
                     "title 'run failed (an output starved)'")
    script = f"""set terminal pngcairo size 900,600 font ',11'
set output '{png}'
set logscale xy
set xlabel 'RTMP outputs (N)'
set ylabel 'CPU-seconds per output-second'
set title 'Relaying one 3 Mb/s 720p30 stream to N RTMP outputs'
set grid
set key top right
set xtics ({', '.join(str(n) for n in ns)})
plot {', '.join(plots)}
"""
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    return png if r.returncode == 0 else None


def report(args):
    d = args.dir
    rows = load_rows(d)
    by = {(r["design"], r["n"]): r for r in rows}
    ns = sorted({r["n"] for r in rows})
    out = []
    w = out.append
    w(f"Command (from the repository root, after `ninja -C build`): `{args.command}` "
      f"(window {args.window} s after {args.warmup} s of warm-up).\n")
    w(f"Machine: {machine(d)}.\n")
    w("Versions: " + "; ".join(versions(args.mlsd)) + ".\n")
    w("CPU-seconds per output-second (lower is better; ratios above 1 mean mls costs more):\n")
    w("| N | mls | ffmpeg per output | nginx-rtmp push | mls / ffmpeg | mls / nginx |")
    w("|---|---|---|---|---|---|")
    for n in ns:
        m, f, p = by.get(("mls", n)), by.get(("ffmpeg", n)), by.get(("nginx-push", n))
        w(f"| {n} | {cpu_cell(m)} | {cpu_cell(f)} | {cpu_cell(p)} | {ratio(m, f)} | {ratio(m, p)} |")
    w("")
    w("Per design and N: the design's CPU (% of one core; nginx push: the pushing origin minus the "
      "plain origin in the same window, both with the same publisher), the extra CPU it causes on the origin and the "
      "destination nginx (over their baseline), memory and threads of the relay (summed over "
      "ffmpeg's processes), context switches per output-second (voluntary + involuntary, all "
      "threads), and the bitrate at the destination (every output must carry ≥ 80 % of the "
      "source's):\n")
    w("| design | N | CPU % | origin +CPU % | dest. +CPU % | RSS MiB | PSS MiB | threads "
      "(processes) | ctx sw / output-s (vol + invol) | outputs ok | kb/s min / mean (source) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in ns:
        for k, title in DESIGNS:
            r = by.get((k, n))
            if r is None:
                continue
            if "error" in r:
                w(f"| {title} | {n} | **FAILED**: {r['error']} |" + " |" * 8)
                continue
            ok = f"{r['outputs_ok']}/{n}" + ("" if r["ok"] else " **FAILED**")
            w(f"| {title} | {n} | {r['cpu_percent']:.1f} | {fmt(r['origin_extra_cpu_percent'], 1)} "
              f"| {fmt(r['dest_extra_cpu_percent'], 1)} | {r['rss_mib']:.1f} | {r['pss_mib']:.1f} "
              f"| {r['threads']} ({r['processes']}) | {r['vol_ctxsw_per_output_s']:.1f} + "
              f"{r['invol_ctxsw_per_output_s']:.1f} | {ok} | {r['min_output_kbps']:.0f} / "
              f"{r['mean_output_kbps']:.0f} ({r['source_kbps']:.0f}) |")
    w("")
    if args.chart and rows:
        png = chart(d, rows)
        w(f"Chart: `{png}` (CPU per output-second against N, log-log)." if png else
          "Chart: gnuplot failed.")
        w("")

    prof = read(d, "profile.json")
    if prof:
        w(f"Syscalls of mlsd at N={prof['n']} over {prof['seconds']:g} s ({prof['tool']}): "
          f"{prof['total']} in total, **{prof['per_output_s']:.1f} per output-second**"
          + (f"; context switches {prof['context_switches']}, **{prof['ctxsw_per_output_s']:.1f} "
             "per output-second**" if prof.get("context_switches") is not None else "") + ".\n")
        w("| syscall | count | per output-second |")
        w("|---|---|---|")
        for name, count, per in prof["by_type"][:14]:
            w(f"| {name} | {count} | {per:.1f} |")
        w("")

    lat = read(d, "latency.json")
    if lat:
        if "median_ms" in lat:
            w(f"Output start: `POST /api/v1/inputs/src/outputs` to the first H.264 keyframe "
              f"received by an RTMP player already waiting on the destination stream "
              f"(tools/bench/rtmp_latency.py; one monotonic clock, sub-millisecond resolution), "
              f"{len(lat['ms'])} of {lat['trials']} trials: **median {lat['median_ms']:.0f} ms, "
              f"p95 {lat['p95_ms']:.0f} ms** (min {lat['min_ms']:.0f}, max {lat['max_ms']:.0f}).")
        if lat["failures"]:
            w(f"Failed trials: {'; '.join(lat['failures'][:5])}.")
        w("")

    wrk = read(d, "wrk.txt")
    if wrk:
        rps = re.search(r"Requests/sec:\s*([\d.]+)", wrk)
        p50 = re.search(r"^\s+50%\s+(\S+)", wrk, re.M)
        p99 = re.search(r"^\s+99%\s+(\S+)", wrk, re.M)
        errs = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", wrk)
        w(f"API throughput: `wrk -t2 -c50 -d10s --latency` on `GET /api/v1/inputs` (one live "
          f"input, no outputs; wrk on the same 2 cores): **{rps.group(1) if rps else '?'} "
          f"requests/s**, latency p50 {p50.group(1) if p50 else '?'}, p99 "
          f"{p99.group(1) if p99 else '?'}" + (f"; {errs.group(0)}" if errs else "") + ".\n")

    sse = read(d, "sse.json")
    if sse:
        w(f"SSE fan-out (tools/bench/sse_clients.py): {sse['connected']} of {sse['clients']} "
          f"clients connected to `/api/v1/events` in {sse['connect_s']} s; 10 inputs created and "
          f"deleted over the API; **{sse['complete']} of {sse['clients']} clients received all "
          f"{sse['events_per_client']} events** ({sse['delivered']} of {sse['expected']} "
          f"delivered), the last one {sse['last_call_to_last_client_ms']} ms after the last API "
          f"call; mlsd used {sse['mlsd_cpu_s']} CPU-s for the whole exchange."
          + (f" Errors: {'; '.join(sse['errors'])}." if sse["errors"] else "") + "\n")

    iso = read(d, "isolation.jsonl")
    if iso:
        stalled = (read(d, "isolation-stalled.txt") or "?").strip()
        before = next((r for r in iso if r["design"].endswith("before")), None)
        during = next((r for r in iso if r["design"].endswith("during")), None)
        if before and during:
            w(f"Isolation at N={before['n'] + 1}: one output's destination (its own nginx) "
              f"SIGSTOPped for {during['window_s']:.0f} s. The other {before['n']} outputs before: "
              f"min {before['min_output_kbps']:.0f} / mean {before['mean_output_kbps']:.0f} kb/s "
              f"({before['outputs_ok']}/{before['n']} ok); while it was stopped: min "
              f"{during['min_output_kbps']:.0f} / mean {during['mean_output_kbps']:.0f} kb/s "
              f"(source {during['source_kbps']:.0f}; **{during['outputs_ok']}/{during['n']} "
              f"kept their bitrate**); mlsd RSS {before['rss_mib']:.1f} → "
              f"{during['rss_mib']:.1f} MiB; the stalled output's state at the end: `{stalled}`.\n")

    shut = read(d, "shutdown.md")
    if shut and shut.strip():
        w("SIGTERM to exit with 16 relays, 4 recordings and 3 RTSP clients "
          "(tools/bench/shutdown.sh 1):\n")
        w(shut.strip() + "\n")
    print("\n".join(out))


# How far below zero the nginx-push CPU difference may read and still be noise: 0.5 % of a core
# per output at N=1.
NGINX_PUSH_NOISE_CPU_S = 0.005


def check(args):
    rows = load_rows(args.dir)
    problems = []
    if not rows:
        problems.append("no rows")
    for r in rows:
        tag = f"{r.get('design')} N={r.get('n')}"
        if "error" in r:
            problems.append(f"{tag}: {r['error']}")
            continue
        for key in ("cpu_per_output_s", "rss_mib", "threads", "source_kbps", "min_output_kbps"):
            value = r.get(key)
            if not isinstance(value, (int, float)):
                problems.append(f"{tag}: {key} is {value!r}")
            elif key == "cpu_per_output_s" and r.get("design") == "nginx-push":
                # A difference: the pushing origin's CPU minus the plain origin's in the same
                # window. At small N the push costs less than their noise, and the difference
                # can come out just below zero (CI smoke run, N=1: -0.00017).
                if value < -NGINX_PUSH_NOISE_CPU_S:
                    problems.append(f"{tag}: {key} is {value!r}, below the noise bound "
                                    f"-{NGINX_PUSH_NOISE_CPU_S}")
            elif value <= 0:
                problems.append(f"{tag}: {key} is {value!r}")
        if not r.get("ok"):
            problems.append(f"{tag}: outputs not verified ({r.get('outputs_ok')}/{r.get('n')} ok, "
                            f"missing {r.get('missing')}, starved {r.get('starved')})")
    md = read(args.dir, "report.md") or ""
    table = [line for line in md.splitlines() if re.match(r"^\| \d+ \| ", line)]
    if not table:
        problems.append("report.md has no table rows")
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if any("FAILED" in c for c in cells):
            problems.append(f"report.md marks a failure: {line}")
        nums = [float(c) for c in cells[1:] if re.fullmatch(r"[\d.]+", c)]
        if not nums or any(x <= 0 for x in nums):
            problems.append(f"report.md row without nonzero numbers: {line}")
    for p in problems:
        print(f"bench check: {p}", file=sys.stderr)
    if not problems:
        print(f"bench check: {len(rows)} rows, all outputs verified", file=sys.stderr)
    return 1 if problems else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--command", default="tools/bench/run")
    p.add_argument("--mlsd", default="build/src/mlsd")
    p.add_argument("--window", default="?")
    p.add_argument("--warmup", default="?")
    p.add_argument("--chart", action="store_true")
    p.add_argument("--check", action="store_true")
    args = p.parse_args()
    return check(args) if args.check else report(args) or 0


if __name__ == "__main__":
    sys.exit(main())
