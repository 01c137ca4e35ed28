#!/usr/bin/env python3
"""measure.py — /proc and nginx-rtmp /stat readings for the tools/bench scripts (stdlib only).

  measure.py snap --group NAME=PID[,PID…] … --stat NAME=URL … > snap.json
      One snapshot: per group of processes the CPU time (the process's CPU-time clock,
      clock_gettime(clock_getcpuclockid(pid)): the same total as utime+stime in /proc/PID/stat,
      dead threads included, at nanosecond instead of 10 ms resolution; /proc/PID/stat's ticks
      when that clock cannot be read),
      voluntary and involuntary context switches (every thread's /proc/PID/task/TID/status),
      threads, RSS (VmRSS) and PSS (/proc/PID/smaps_rollup), summed over the group; per nginx
      the bytes_in and bw_in of every stream on its `rtmp_stat all` page.
  measure.py row --design D --n N --prefix P --before A --after B [--baseline-before C
          --baseline-after D] [--cost-group G] > row.json
      One table row from two snapshots taken WINDOW seconds apart: the design's CPU-s per
      output-second (group G, default "relay"; with --cost-baseline-group O, minus group O's rate
      in the same window: for nginx push, the pushing origin minus the plain origin, both with
      the same publisher), the extra CPU of the origin and the
      destination nginx over their rate in the baseline window, memory, threads, context
      switches per output-second, and the bitrate every output (streams named P1…PN at the
      destination) carried against the source's (stream "src" at the origin group's stat). A
      row with an output missing or below 80 % of the source bitrate has "ok": false.
  measure.py syscalls (--perf perf.csv | --strace strace.txt) --n N --seconds S > profile.json
      Syscalls by type and context switches, in total and per output-second, from
      `perf stat -x, -e raw_syscalls:sys_enter,context-switches,syscalls:sys_enter_…` (the
      total comes from raw_syscalls; what the listed types leave is "other") or from
      `strace -c -f` (every type; no context switches).
"""
import argparse
import glob
import json
import os
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

CLK = os.sysconf("SC_CLK_TCK")
STARVED = 0.8  # an output below this fraction of the source bitrate counts as starved


def read_proc(pid):
    out = {"cpu_ns": 0, "ticks": 0, "vol": 0, "invol": 0, "threads": 0, "rss_kib": 0, "pss_kib": 0, "procs": 0}
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out["ticks"] = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        try:
            out["cpu_ns"] = time.clock_gettime_ns(((~pid) << 3) | 2)  # CPUCLOCK_SCHED, process
        except OSError:
            out["cpu_ns"] = out["ticks"] * 1_000_000_000 // CLK
        for status in glob.glob(f"/proc/{pid}/task/*/status"):
            try:
                with open(status) as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches"):
                            out["vol"] += int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches"):
                            out["invol"] += int(line.split()[1])
            except OSError:
                pass  # a thread that just ended
        out["threads"] = len(os.listdir(f"/proc/{pid}/task"))
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_kib"] = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["pss_kib"] = int(line.split()[1])
        out["procs"] = 1
    except (OSError, IndexError, ValueError):
        pass  # gone: counts as absent
    return out


def read_stat(url):
    # nginx is single-threaded: on a saturated machine its stat page can take seconds.
    for attempt in range(3):
        try:
            with urllib.request.urlopen(url, timeout=20) as r:
                root = ET.fromstring(r.read())
            break
        except OSError:
            if attempt == 2:
                raise
            time.sleep(1)
    streams = {}
    for s in root.iter("stream"):
        name = s.findtext("name") or ""
        streams[name] = {"bytes_in": int(s.findtext("bytes_in") or 0),
                         "bw_in": int(s.findtext("bw_in") or 0),
                         "publishing": s.find("publishing") is not None}
    return streams


def snap(args):
    result = {"time": time.monotonic(), "groups": {}, "stats": {}}
    for spec in args.group:
        name, pids = spec.split("=", 1)
        total = {"cpu_ns": 0, "ticks": 0, "vol": 0, "invol": 0, "threads": 0, "rss_kib": 0, "pss_kib": 0,
                 "procs": 0}
        for pid in filter(None, pids.split(",")):
            for k, v in read_proc(int(pid)).items():
                total[k] += v
        result["groups"][name] = total
    for spec in args.stat:
        name, url = spec.split("=", 1)
        result["stats"][name] = read_stat(url)
    json.dump(result, sys.stdout)
    print()


def load(path):
    with open(path) as f:
        return json.load(f)


def rate(before, after, group):
    a, b = before["groups"].get(group), after["groups"].get(group)
    if a is None or b is None:
        return None
    return (b["cpu_ns"] - a["cpu_ns"]) / 1e9 / (after["time"] - before["time"])


def row(args):
    before, after = load(args.before), load(args.after)
    window = after["time"] - before["time"]
    n = args.n
    base = None
    if args.baseline_before and args.baseline_after:
        base = (load(args.baseline_before), load(args.baseline_after))

    def extra(group, base_group=None):
        r = rate(before, after, group)
        if r is None:
            return None
        if base is not None:
            b = rate(base[0], base[1], base_group or group)
            if b is not None:
                r -= b
        return r

    g = args.cost_group
    # The design's own CPU; for nginx push the pushing origin's over the plain origin's in the
    # same window (same config but the push lines, same publisher, same machine load).
    cost = rate(before, after, g)
    if args.cost_baseline_group:
        cost -= rate(before, after, args.cost_baseline_group)
    ga, gb = before["groups"][g], after["groups"][g]
    out = {
        "design": args.design, "n": n, "window_s": round(window, 2),
        "cpu_per_output_s": cost / n,
        "cpu_percent": 100 * cost,
        "origin_extra_cpu_percent": None, "dest_extra_cpu_percent": None,
        "rss_mib": gb["rss_kib"] / 1024, "pss_mib": gb["pss_kib"] / 1024,
        "threads": gb["threads"], "processes": gb["procs"],
        "vol_ctxsw_per_output_s": (gb["vol"] - ga["vol"]) / window / n,
        "invol_ctxsw_per_output_s": (gb["invol"] - ga["invol"]) / window / n,
    }
    if "origin" in after["groups"] and args.design != "nginx-push":
        o = extra("origin")
        out["origin_extra_cpu_percent"] = None if o is None else 100 * o
    elif args.design == "nginx-push":
        out["origin_extra_cpu_percent"] = 100 * cost  # the push is the origin's own work
    if "dest" in after["groups"]:
        d = extra("dest")
        out["dest_extra_cpu_percent"] = None if d is None else 100 * d
    # Bitrates: every output at the destination against the source at the origin.
    src_stat = args.source_stat
    s0 = before["stats"][src_stat].get("src", {}).get("bytes_in", 0)
    s1 = after["stats"][src_stat].get("src", {}).get("bytes_in", 0)
    src_kbps = (s1 - s0) * 8 / 1000 / window
    kbps = []
    missing = []
    for i in range(1, n + 1):
        name = f"{args.prefix}{i}"
        b0 = before["stats"]["dest"].get(name)
        b1 = after["stats"]["dest"].get(name)
        if not b1 or not b1["publishing"]:
            missing.append(name)
            kbps.append(0.0)
            continue
        kbps.append(((b1["bytes_in"] - (b0["bytes_in"] if b0 else 0)) * 8 / 1000 / window))
    starved = [f"{args.prefix}{i + 1}" for i, k in enumerate(kbps) if k < STARVED * src_kbps]
    out.update({
        "source_kbps": src_kbps, "min_output_kbps": min(kbps), "mean_output_kbps": sum(kbps) / n,
        "outputs_ok": n - len(set(starved) | set(missing)), "missing": missing[:8],
        "starved": starved[:8],
    })
    out["ok"] = src_kbps > 0 and out["outputs_ok"] == n
    json.dump(out, sys.stdout)
    print()
    return 0


def syscalls(args):
    counts, total, ctx, tool = {}, None, None, None
    if args.perf:
        tool = "perf stat (syscall tracepoints)"
        with open(args.perf) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) < 3 or not parts[0][:1].isdigit():
                    continue
                value, event = int(float(parts[0])), parts[2]
                if event == "raw_syscalls:sys_enter":
                    total = value
                elif event == "context-switches":
                    ctx = value
                elif event.startswith("syscalls:sys_enter_"):
                    counts[event[len("syscalls:sys_enter_"):]] = value
        if total is not None:
            counts["other"] = max(0, total - sum(counts.values()))
    else:
        tool = "strace -c -f (ptrace: slows the process; counts, not CPU)"
        with open(args.strace) as f:
            for line in f:
                parts = line.split()
                # % time, seconds, usecs/call, calls, [errors], syscall
                if len(parts) >= 5 and parts[0][:1].isdigit() and parts[-1] != "total":
                    counts[parts[-1]] = int(parts[3])
        total = sum(counts.values())
    per = args.n * args.seconds
    out = {"tool": tool, "n": args.n, "seconds": args.seconds, "total": total,
           "per_output_s": None if total is None else total / per,
           "context_switches": ctx, "ctxsw_per_output_s": None if ctx is None else ctx / per,
           "by_type": sorted(([k, v, v / per] for k, v in counts.items() if v), key=lambda x: -x[1])}
    json.dump(out, sys.stdout)
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snap")
    s.add_argument("--group", action="append", default=[])
    s.add_argument("--stat", action="append", default=[])
    r = sub.add_parser("row")
    r.add_argument("--design", required=True)
    r.add_argument("--n", type=int, required=True)
    r.add_argument("--prefix", required=True)
    r.add_argument("--before", required=True)
    r.add_argument("--after", required=True)
    r.add_argument("--baseline-before")
    r.add_argument("--baseline-after")
    r.add_argument("--cost-group", default="relay")
    r.add_argument("--cost-baseline-group")
    r.add_argument("--source-stat", default="origin")
    y = sub.add_parser("syscalls")
    y.add_argument("--perf")
    y.add_argument("--strace")
    y.add_argument("--n", type=int, required=True)
    y.add_argument("--seconds", type=float, required=True)
    args = p.parse_args()
    return {"snap": snap, "row": row, "syscalls": syscalls}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main() or 0)
