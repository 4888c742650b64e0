# SPDX-License-Identifier: Apache-2.0
"""A Hypernode v2.0 agent as the original one connects: Python's websockets with its keepalive, no subprotocol.

Usage: keepalive_agent.py URL TOKEN PING_INTERVAL|default HOLD_SECONDS
Registers the v2.0 way, heartbeats every 2 s while it holds the connection, and prints one JSON line: the message
types it received, the node id, and the close code if the connection closed (null while it is open).
"""
import asyncio
import json
import sys

import websockets


async def main(url, token, ping, hold):
    kwargs = {} if ping == "default" else {"ping_interval": float(ping), "ping_timeout": float(ping)}
    types, node_id = [], None
    async with websockets.connect(url, **kwargs) as ws:
        await ws.send(json.dumps({"type": "register", "token": token, "hostInfo": {
            "hostname": "py-keepalive", "os": "Linux", "arch": "x86_64", "gpus": [], "agent_version": "2.0.0"}}))

        async def read():
            nonlocal node_id
            async for raw in ws:
                m = json.loads(raw)
                types.append(m.get("type"))
                if m.get("type") == "registered":
                    node_id = m.get("nodeId")

        reader = asyncio.ensure_future(read())
        loop = asyncio.get_running_loop()
        end = loop.time() + hold
        while loop.time() < end and not reader.done():
            if node_id:
                await ws.send(json.dumps({"type": "heartbeat", "nodeId": node_id,
                                          "timestamp": "2026-01-30T10:00:00.5", "stats": {
                    "jobs_completed": 0, "jobs_failed": 0, "total_uptime": 0, "active_jobs": 0, "gpus": []}}))
            await asyncio.sleep(2)
        closed = ws.close_code if ws.closed else None
        reader.cancel()
    print(json.dumps({"types": types, "nodeId": node_id, "closed": closed}))


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
