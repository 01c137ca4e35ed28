#!/usr/bin/env python3
"""sse_clients.py — SSE fan-out check: C clients on mlsd's /api/v1/events, K inputs created and
deleted over the API, does every client receive every event? (stdlib asyncio; run by
tools/bench/run)

  sse_clients.py --api http://127.0.0.1:PORT [--clients 1000] [--events 10] [--pid MLSD_PID]

Opens C raw HTTP/1.1 connections (GET /api/v1/events, chunked transfer decoded here), waits
until each has its headers and the stream's first bytes, then creates K disabled inputs
(`rtmp://127.0.0.1:9/x/sseK`, enabled false: no pipeline) and deletes them, one API call after
another. Each client counts the `input.created` and `input.deleted` events whose data names an
sse input; it is complete with 2K. Reports how many clients connected and completed, events
delivered, the time from the last API call to the last client completing, and mlsd's CPU time
over the whole exchange (utime+stime from /proc/PID/stat). Raises RLIMIT_NOFILE to its hard
limit. Prints one JSON object.
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import time
import urllib.parse
import urllib.request


def ticks(pid):
    if not pid:
        return 0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Client:
    def __init__(self, want):
        self.want = want
        self.got = 0
        self.events = 0
        self.connected = asyncio.Event()
        self.done = asyncio.Event()
        self.done_at = None

    async def run(self, host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(status.decode().strip())
        chunked = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                chunked = True
        pending = b""
        event = None
        try:
            while True:
                if chunked:
                    size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        return
                    data = await reader.readexactly(size)
                    await reader.readexactly(2)
                else:
                    data = await reader.read(65536)
                    if not data:
                        return
                self.connected.set()
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.startswith(b"event: "):
                        event = line[7:].strip()
                    elif line.startswith(b"data: ") and event in (b"input.created",
                                                                   b"input.deleted"):
                        if b'"sse' in line:
                            self.got += 1
                            if self.got == self.want and not self.done.is_set():
                                self.done_at = time.monotonic()
                                self.done.set()
                    elif line == b"":
                        if event:
                            self.events += 1
                        event = None
        finally:
            writer.close()


def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else
                                 json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


async def main_async(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    u = urllib.parse.urlparse(args.api)
    clients = [Client(2 * args.events) for _ in range(args.clients)]
    c0, w0 = ticks(args.pid), time.monotonic()
    tasks = []
    for c in clients:
        tasks.append(asyncio.create_task(c.run(u.hostname, u.port)))
        if len(tasks) % 100 == 0:
            await asyncio.sleep(0.05)  # do not overflow the listen backlog
    try:
        await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), 60)
    except asyncio.TimeoutError:
        pass
    connected = sum(c.connected.is_set() for c in clients)
    connect_s = time.monotonic() - w0
    loop = asyncio.get_running_loop()
    for k in range(1, args.events + 1):
        await loop.run_in_executor(None, call, "POST", f"{args.api}/api/v1/inputs",
                                   {"name": f"sse{k}", "url": f"rtmp://127.0.0.1:9/x/sse{k}",
                                    "enabled": False})
    for k in range(1, args.events + 1):
        await loop.run_in_executor(None, call, "DELETE", f"{args.api}/api/v1/inputs/sse{k}")
    t_last = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in clients)), args.timeout)
    except asyncio.TimeoutError:
        pass
    done = [c for c in clients if c.done.is_set()]
    c1 = ticks(args.pid)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    errors = sorted({repr(t.exception())[:120] for t in tasks
                     if t.done() and not t.cancelled() and t.exception()})
    out = {
        "clients": args.clients, "connected": connected, "connect_s": round(connect_s, 2),
        "events_per_client": 2 * args.events, "complete": len(done),
        "delivered": sum(c.got for c in clients),
        "expected": 2 * args.events * args.clients,
        "last_call_to_last_client_ms": round((max(c.done_at for c in done) - t_last) * 1000, 1)
        if done else None,
        "mlsd_cpu_s": round((c1 - c0) / os.sysconf("SC_CLK_TCK"), 2),
        "errors": errors[:5],
    }
    print(json.dumps(out))
    return 0 if len(done) == args.clients else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", required=True)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--events", type=int, default=10)
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--timeout", type=float, default=30)
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
