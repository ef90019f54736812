#!/usr/bin/env python3
"""Test time against inherent delay: how long each exercise's tests take on its reference
solution, next to the delays the tests must wait for by design (the manifest's
inherent_delay_ms). Each solution binary is run whole (every test in one process), the median
of <runs> is kept, and the ratio to the inherent delay is the figure the chapters are held to
(at most 1.5). Given a second build folder (an earlier build of the project), its binaries run
in the same loop, one after the other, so both see the same machine.

  bench/test_time.py BUILD [BASELINE_BUILD] [--runs N] [--chapter chN]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def exercises(build, chapter_filter):
    listing = subprocess.run([os.path.join(build, "grader"), "list", "--format", "json", "--root", ROOT],
                             check=True, capture_output=True, text=True).stdout
    for chapter in json.loads(listing)["chapters"]:
        if chapter_filter and chapter_filter not in (chapter["dir"], f"ch{chapter['number']}",
                                                     f"ch{chapter['number']:02d}"):
            continue
        for ex in chapter["exercises"]:
            yield chapter["dir"], ex["id"], ex.get("inherent_delay_ms", 0)


def wall_s(binary):
    start = time.monotonic()
    subprocess.run([binary], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build")
    parser.add_argument("baseline", nargs="?")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chapter")
    args = parser.parse_args()
    builds = [("now", os.path.abspath(args.build))]
    if args.baseline:
        builds.append(("before", os.path.abspath(args.baseline)))
    header = "| exercise | inherent s |" + "".join(f" {name} s | {name} ratio |" for name, _ in builds)
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    totals = {name: 0.0 for name, _ in builds}
    inherent_total = 0.0
    over = 0
    for chapter, ex, inherent_ms in exercises(builds[0][1], args.chapter):
        inherent_s = inherent_ms / 1000.0
        inherent_total += inherent_s
        row = f"| {chapter} {ex} | {inherent_s:.2f} |"
        for name, build in builds:
            binary = os.path.join(build, "chapters", f"{chapter}-{ex}-solution")
            if not os.path.exists(binary):
                row += " – | – |"
                continue
            median = statistics.median(wall_s(binary) for _ in range(args.runs))
            totals[name] += median
            ratio = median / inherent_s if inherent_s > 0 else float("nan")
            if name == "now" and inherent_s > 0 and ratio > 1.5:
                over += 1
            row += f" {median:.2f} | {ratio:.2f} |"
        print(row, flush=True)
    print(f"| all | {inherent_total:.1f} |" +
          "".join(f" {totals[name]:.1f} | {totals[name] / inherent_total:.2f} |" for name, _ in builds))
    print(f"exercises over 1.5x their inherent delay (now): {over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
