# SPDX-License-Identifier: Apache-2.0
"""A Hypernode v2.0 agent sending a large job_result the way the original one does: one text frame.

Usage: legacy_result_agent.py URL TOKEN
Registers the v2.0 way (Python's websockets, no subprotocol), waits for a job and prints one JSON line naming it and
its node id; reads one line from stdin, the job_result to send, and sends it with a single ws.send (websockets sends
a str as one frame, unfragmented); then reads for 2 s and prints one JSON line: the message types received after the
result, the size of the frame sent, and the close code if the connection closed (null while it is open).
"""
import asyncio
import json
import sys

import websockets


async def main(url, token):
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "register", "token": token, "hostInfo": {
            "hostname": "py-legacy", "os": "Linux", "arch": "x86_64", "gpus": [], "agent_version": "2.0.0"}}))
        node_id = None
        async for raw in ws:
            m = json.loads(raw)
            if m.get("type") == "registered":
                node_id = m.get("nodeId")
            elif m.get("type") == "job":
                print(json.dumps({"job": m["id"], "nodeId": node_id}), flush=True)
                break
        result = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await ws.send(result.strip())
        types = []
        try:
            while True:
                types.append(json.loads(await asyncio.wait_for(ws.recv(), 2)).get("type"))
        except (asyncio.TimeoutError, websockets.ConnectionClosed):
            pass
        closed = ws.close_code if ws.closed else None
    print(json.dumps({"types": types, "frameBytes": len(result.strip().encode()), "closed": closed}), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2]))
