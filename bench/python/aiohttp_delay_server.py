#!/usr/bin/env python3
"""A peer delay server on aiohttp, for bench/server_capacity.sh: the same /delay and /get
shapes as the bundled delay server, so one load client measures both in the same run.

    python3 aiohttp_delay_server.py [--port PORT]     (0, the default: any free port)
    -> "aiohttp delay server listening on http://127.0.0.1:PORT" on stdout, then serves.

/delay/{d}: d seconds (as httpbin) or "250ms"; answers JSON after the delay.
/get: the request described as JSON, at once.
Exit code 2 on bad arguments, 3 when the aiohttp module is missing. The listen backlog is
the bundled server's (the system's maximum), so both face the same accept queue; no access
log, like the bundled server's --quiet.
"""
import argparse
import asyncio
import json
import socket
import sys


def parse_delay(text):
    scale = 1.0
    if text.endswith("ms"):
        text, scale = text[:-2], 0.001
    elif text.endswith("s"):
        text = text[:-1]
    try:
        value = float(text) * scale
    except ValueError:
        return None
    return value if 0 <= value <= 10 else None


def describe(request):
    return {
        "args": dict(request.query),
        "headers": dict(request.headers),
        "origin": request.remote,
        "url": str(request.url),
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args(argv[1:])
    try:
        from aiohttp import web
    except ImportError:
        print("the aiohttp module is missing (Debian: apt install python3-aiohttp)", file=sys.stderr)
        return 3

    async def delay(request):
        seconds = parse_delay(request.match_info["d"])
        if seconds is None:
            return web.json_response({"error": "delay must be between 0 and 10 seconds"}, status=400)
        await asyncio.sleep(seconds)
        body = describe(request)
        body["delay_ms"] = round(seconds * 1000)
        return web.json_response(body)

    async def get(request):
        return web.json_response(describe(request))

    app = web.Application()
    app.router.add_get("/delay/{d}", delay)
    app.router.add_get("/get", get)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", arguments.port))

    async def serve():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.SockSite(runner, sock, backlog=socket.SOMAXCONN)
        await site.start()
        print(f"aiohttp delay server listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
