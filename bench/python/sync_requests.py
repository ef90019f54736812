#!/usr/bin/env python3
"""The course's synchronous benchmark: N GETs of one URL, each sent only after the previous
response has fully arrived, over one requests.Session.

    python3 sync_requests.py URL N
    -> {"client": "requests", "n": N, "elapsed_s": 5.012, "statuses": [200, ...]}

Works against httpbin (https://httpbin.org/delay/1) and the bundled delay server alike.
Exit code 1 when a request fails or answers anything but 200, 2 on bad arguments, 3 when
the requests module is missing.
"""
import json
import sys
import time


def parse_arguments(argv):
    if len(argv) != 3 or not argv[2].isdigit() or int(argv[2]) < 1:
        print(f"usage: {argv[0]} URL N   (N: how many requests, at least 1)", file=sys.stderr)
        sys.exit(2)
    return argv[1], int(argv[2])


def main(argv):
    url, n = parse_arguments(argv)
    try:
        import requests
    except ImportError:
        print("the requests module is missing (Debian: apt install python3-requests)", file=sys.stderr)
        return 3

    statuses = []
    started = time.perf_counter()
    try:
        with requests.Session() as session:
            for _ in range(n):
                # Blocks until the whole response is in: the next request waits for it.
                statuses.append(session.get(url, timeout=120).status_code)
    except requests.RequestException as error:
        print(f"GET {url} failed: {error}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started

    print(json.dumps({"client": "requests", "n": n, "elapsed_s": elapsed, "statuses": statuses}))
    if any(status != 200 for status in statuses):
        print(f"GET {url} answered {sorted(set(statuses))}, not only 200", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
