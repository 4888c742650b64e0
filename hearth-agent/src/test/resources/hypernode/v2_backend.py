#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A Hypernode v2.0 backend, written from shared/reference/hypernode-wire-protocol.md, for Hearth's agent tests.

It greets with nothing, answers register with registered (or the reference server's error texts), acks
heartbeats and job results, and answers bad frames with the reference server's errors. Unlike the reference
server it lets a node register again with its token (the reference's "Token already used" is one of the
defects Hearth does not copy), giving it the same node id.

The test drives it over stdin/stdout, one JSON object a line:
  in:  {"cmd": "send", "frame": {...}}          send a frame to the connected agent
       {"cmd": "send_raw", "text": "..."}       send text as it is
       {"cmd": "send_big_job", "id": ID, "chars": N}  a job frame of about N characters
       {"cmd": "stall"}                         stop reading the connection (frames and pings stay unread)
       {"cmd": "drop"}                          cut the TCP connection without a close frame (unread data lost)
  out: {"event": "listening", "port": N}, {"event": "connected"}, {"event": "closed"},
       {"event": "recv", "t": MONOTONIC_SECONDS, "msg": {...}}, {"event": "bad", "text": "..."}
Usage: v2_backend.py TOKEN [TOKEN...]
"""
import asyncio
import json
import sys
import time

import websockets

TOKENS = set(sys.argv[1:])
NODES = {}  # token -> node id
current = None


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def send(ws, frame):
    await ws.send(json.dumps(frame))


async def handle(ws, path=None):
    global current
    current = ws
    emit({"event": "connected"})
    node = None
    try:
        async for text in ws:
            try:
                msg = json.loads(text)
                if not isinstance(msg, dict):
                    raise ValueError("not an object")
            except ValueError:
                emit({"event": "bad", "text": text[:200]})
                await send(ws, {"type": "error", "message": "Invalid message format"})
                continue
            emit({"event": "recv", "t": time.monotonic(), "msg": msg})
            kind = msg.get("type")
            if kind == "register":
                token = msg.get("token")
                if not token:
                    await send(ws, {"type": "error", "message": "Token is required"})
                elif token not in TOKENS:
                    await send(ws, {"type": "error", "message": "Invalid token"})
                else:
                    node = NODES.setdefault(token, "node-%d" % (len(NODES) + 1))
                    await send(ws, {"type": "registered", "nodeId": node,
                                    "message": "Node registered successfully"})
            elif kind == "heartbeat":
                if node is None or msg.get("nodeId") != node:
                    await send(ws, {"type": "error", "message": "Invalid node ID"})
                else:
                    await send(ws, {"type": "ack"})
            elif kind == "job_result":
                await send(ws, {"type": "ack"})
            elif kind == "pong":
                pass
            else:
                await send(ws, {"type": "error", "message": "Unknown message type"})
    except websockets.ConnectionClosed:
        pass
    finally:
        if current is ws:
            current = None
        emit({"event": "closed"})


async def control():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        cmd = json.loads(line)
        ws = current
        if ws is None:
            emit({"event": "no_connection", "cmd": cmd.get("cmd")})
            continue
        if cmd["cmd"] == "send":
            await send(ws, cmd["frame"])
        elif cmd["cmd"] == "send_raw":
            await ws.send(cmd["text"])
        elif cmd["cmd"] == "send_big_job":
            await send(ws, {"type": "job", "id": cmd["id"], "script": "#" + "x" * cmd["chars"]})
        elif cmd["cmd"] == "stall":
            ws.transport.pause_reading()
        elif cmd["cmd"] == "drop":
            ws.transport.abort()
        emit({"event": "done", "cmd": cmd["cmd"]})


async def main():
    async with websockets.serve(handle, "127.0.0.1", 0, max_size=1 << 20) as server:
        emit({"event": "listening", "port": server.sockets[0].getsockname()[1]})
        await control()


asyncio.run(main())
