#!/usr/bin/env python3
"""rtmp_latency.py — time from `POST /api/v1/inputs/INPUT/outputs` to the first H.264 keyframe
at the destination nginx-rtmp (stdlib only; run by tools/bench/run).

  rtmp_latency.py --api http://127.0.0.1:PORT --input src --rtmp rtmp://127.0.0.1:PORT/live
                  [--trials 20] [--prefix lat]

Per trial: a minimal RTMP player (handshake, connect, createStream, play, chunk-stream parser)
connects to the destination and plays stream PREFIXk before it has a publisher (nginx-rtmp lets
a player wait for one); once nginx has answered play, t0 is taken and the output
{"name": PREFIXk, "url": RTMP/PREFIXk} is POSTed to mlsd; t1 is when the player has received the
whole first video message that is an AVC keyframe NALU (not the sequence header). Both times
come from the same monotonic clock in this process and the player reads the socket as soon as
data arrives (asyncio), so the resolution is well under a millisecond; the result includes
mls's connect and publish handshake with nginx and nginx's forwarding. The output is DELETEd
after each trial. Prints one JSON object: every trial in ms, median, p95, failures.
"""
import argparse
import asyncio
import json
import os
import statistics
import struct
import sys
import time
import urllib.parse
import urllib.request


def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(x):
    return b"\x00" + struct.pack(">d", x)


def amf_obj(d):
    out = b"\x03"
    for k, v in d.items():
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + (amf_str(v) if isinstance(v, str) else amf_num(v))
    return out + b"\x00\x00\x09"


def chunks(csid, msg_type, stream_id, payload, size=128):
    head = bytes([csid]) + struct.pack(">I", 0)[1:] + struct.pack(">I", len(payload))[1:] + \
        bytes([msg_type]) + struct.pack("<I", stream_id)
    out = head + payload[:size]
    for i in range(size, len(payload), size):
        out += bytes([0xC0 | csid]) + payload[i:i + size]
    return out


class Player:
    """Just enough RTMP to play one live stream and notice its first video keyframe."""

    def __init__(self, reader, writer):
        self.r, self.w = reader, writer
        self.chunk_size = 128
        self.state = {}  # csid -> [timestamp, length, type, stream id, buffer, extended]
        self.results = 0
        self.play_started = False

    async def handshake(self):
        self.w.write(b"\x03" + bytes(8) + os.urandom(1528))
        await self.r.readexactly(1)
        s1 = await self.r.readexactly(1536)
        await self.r.readexactly(1536)
        self.w.write(s1)

    async def message(self):
        """Reads chunks until one message is complete; returns (type, payload)."""
        while True:
            b = (await self.r.readexactly(1))[0]
            fmt, csid = b >> 6, b & 0x3F
            if csid == 0:
                csid = 64 + (await self.r.readexactly(1))[0]
            elif csid == 1:
                x = await self.r.readexactly(2)
                csid = 64 + x[0] + 256 * x[1]
            st = self.state.setdefault(csid, [0, 0, 0, 0, b"", False])
            if fmt <= 2:
                h = await self.r.readexactly((11, 7, 3)[fmt])
                ts = int.from_bytes(h[0:3], "big")
                if fmt <= 1:
                    st[1] = int.from_bytes(h[3:6], "big")
                    st[2] = h[6]
                if fmt == 0:
                    st[3] = struct.unpack("<I", h[7:11])[0]
                st[5] = ts == 0xFFFFFF
                if st[5]:
                    await self.r.readexactly(4)
            elif st[5]:
                await self.r.readexactly(4)
            need = min(self.chunk_size, st[1] - len(st[4]))
            st[4] += await self.r.readexactly(need)
            if len(st[4]) >= st[1]:
                payload, st[4] = st[4], b""
                if st[2] == 1:
                    self.chunk_size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
                    continue
                return st[2], payload

    async def until(self, predicate):
        while True:
            t, p = await self.message()
            if t == 20:  # AMF0 command
                if b"_result" in p[:12]:
                    self.results += 1
                if b"NetStream.Play.Start" in p or b"NetStream.Play.Reset" in p:
                    self.play_started = True
            if predicate(t, p):
                return

    async def play(self, app, tc_url, name):
        await self.handshake()
        self.w.write(chunks(3, 20, 0, amf_str("connect") + amf_num(1) +
                            amf_obj({"app": app, "tcUrl": tc_url, "flashVer": "LNX 9,0,124,2"})))
        await self.until(lambda t, p: self.results >= 1)
        self.w.write(chunks(3, 20, 0, amf_str("createStream") + amf_num(2) + b"\x05"))
        await self.until(lambda t, p: self.results >= 2)
        self.w.write(chunks(8, 20, 1, amf_str("play") + amf_num(0) + b"\x05" + amf_str(name) +
                            amf_num(-1000)))
        await self.until(lambda t, p: self.play_started)

    async def first_keyframe(self):
        # FLV video tag body: frame type 1 (key) + codec 7 (AVC), AVCPacketType 1 (NALU).
        await self.until(lambda t, p: t == 9 and len(p) > 1 and p[0] == 0x17 and p[1] == 1)


def http(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else
                                 json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


async def trial(args, k):
    name = f"{args.prefix}{k}"
    u = urllib.parse.urlparse(args.rtmp)
    app = u.path.strip("/")
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    loop = asyncio.get_running_loop()
    try:
        player = Player(reader, writer)
        await asyncio.wait_for(player.play(app, args.rtmp, name), 10)
        t0 = time.monotonic()
        post = loop.run_in_executor(None, http, "POST",
                                    f"{args.api}/api/v1/inputs/{args.input}/outputs",
                                    {"name": name, "url": f"{args.rtmp}/{name}"})
        await asyncio.wait_for(player.first_keyframe(), args.timeout)
        t1 = time.monotonic()
        await post
        return (t1 - t0) * 1000
    finally:
        writer.close()
        try:
            await loop.run_in_executor(None, http, "DELETE",
                                       f"{args.api}/api/v1/inputs/{args.input}/outputs/{name}")
        except Exception:
            pass
        await asyncio.sleep(0.5)


async def main_async(args):
    ms, failures = [], []
    for k in range(1, args.trials + 1):
        try:
            ms.append(await trial(args, k))
        except Exception as e:  # noqa: BLE001 — a failed trial is reported, not fatal
            failures.append(f"trial {k}: {type(e).__name__}: {e}")
    out = {"trials": args.trials, "ms": [round(x, 1) for x in ms], "failures": failures}
    if ms:
        s = sorted(ms)
        out["median_ms"] = round(statistics.median(s), 1)
        out["p95_ms"] = round(s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))], 1)
        out["min_ms"], out["max_ms"] = round(s[0], 1), round(s[-1], 1)
    print(json.dumps(out))
    return 0 if not failures else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", required=True)
    p.add_argument("--input", default="src")
    p.add_argument("--rtmp", required=True, help="rtmp://127.0.0.1:PORT/live of the destination")
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--prefix", default="lat")
    p.add_argument("--timeout", type=float, default=15)
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
