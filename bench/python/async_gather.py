#!/usr/bin/env python3
"""The course's asynchronous benchmark: N GETs of one URL started together on one event loop
with an httpx.AsyncClient and asyncio.gather, finished when the last response has arrived.

    python3 async_gather.py URL N
    -> {"client": "httpx", "n": N, "elapsed_s": 1.004, "statuses": [200, ...]}

Works against httpbin (https://httpbin.org/delay/1) and the bundled delay server alike.
Exit code 1 when a request fails or answers anything but 200, 2 on bad arguments, 3 when
the httpx module is missing.
"""
import asyncio
import json
import sys
import time


def parse_arguments(argv):
    if len(argv) != 3 or not argv[2].isdigit() or int(argv[2]) < 1:
        print(f"usage: {argv[0]} URL N   (N: how many requests, at least 1)", file=sys.stderr)
        sys.exit(2)
    return argv[1], int(argv[2])


async def fetch_all(httpx, url, n):
    # The client is created inside the timed part, as the course does.
    async with httpx.AsyncClient(timeout=120) as client:
        # Every request is started before any is awaited: their waits overlap.
        responses = await asyncio.gather(*(client.get(url) for _ in range(n)))
    return [response.status_code for response in responses]


def main(argv):
    url, n = parse_arguments(argv)
    try:
        import httpx
    except ImportError:
        print("the httpx module is missing (Debian: apt install python3-httpx)", file=sys.stderr)
        return 3

    started = time.perf_counter()
    try:
        statuses = asyncio.run(fetch_all(httpx, url, n))
    except httpx.HTTPError as error:
        print(f"GET {url} failed: {error!r}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started

    print(json.dumps({"client": "httpx", "n": n, "elapsed_s": elapsed, "statuses": statuses}))
    if any(status != 200 for status in statuses):
        print(f"GET {url} answered {sorted(set(statuses))}, not only 200", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
