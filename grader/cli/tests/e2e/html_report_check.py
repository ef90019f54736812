#!/usr/bin/env python3
"""Checks of the HTML report for grader/e2e/html_report (standard library only).

  html_report_check.py png FILE [#rrggbb ...]
      Decodes a PNG screenshot; prints its size, its number of distinct colours and, for each
      colour given, how many pixels have it (within 2 per channel).
  html_report_check.py bars DOM JSON
      Counts the request bars (<rect class="request …">) of each test's timeline in DOM (the
      page after Chromium rendered it) and compares them with the trace count of that test in
      JSON (the grader's --format json). Exit 1 on any difference.
"""
import html.parser
import json
import struct
import sys
import zlib


def fail(message):
    print("html_report_check: " + message, file=sys.stderr)
    sys.exit(1)


def png_pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, header, compressed = 8, None, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        fail(f"{path} has no IHDR")
    width, height, depth, colour_type, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour_type)
    if depth != 8 or channels is None or interlace != 0:
        fail(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read (got depth {depth}, type {colour_type})")
    raw = zlib.decompress(b"".join(compressed))
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        elif kind != 0:
            fail(f"{path}: unknown PNG filter {kind} in row {y}")
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def png_command(path, colours):
    width, height, channels, rows = png_pixels(path)
    counts = {}
    for row in rows:
        for x in range(0, len(row), channels):
            pixel = row[x:x + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    print(f"size {width}x{height}")
    print(f"colours {len(counts)}")
    for colour in colours:
        want = bytes.fromhex(colour.lstrip("#"))
        near = sum(n for pixel, n in counts.items() if all(abs(p - w) <= 2 for p, w in zip(pixel, want)))
        print(f"{colour} {near}")


class TimelineCounter(html.parser.HTMLParser):
    """Request bars per test, read from each <svg class="timeline actual" data-test=…>."""

    def __init__(self):
        super().__init__()
        self.bars = {}      # test name -> request bars in its actual timeline
        self.planned = {}   # test name -> bars in its expected-shape timeline
        self.current = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "svg" and "timeline" in classes:
            name = attributes.get("data-test", "")
            table = self.bars if "actual" in classes else self.planned
            if name in table:
                fail(f"two {'actual' if table is self.bars else 'expected'} timelines for {name}")
            table[name] = 0
            self.current = (table, name)
        elif tag == "rect" and self.current:
            table, name = self.current
            wanted = "request" if table is self.bars else "planned"
            if classes and classes[0] == wanted:
                table[name] += 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.current = None


def bars_command(dom_path, json_path):
    with open(dom_path, encoding="utf-8") as f:
        dom = f.read()
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    counter = TimelineCounter()
    counter.feed(dom)
    expected = {}
    for exercise in report["exercises"]:
        for test in exercise["tests"]:
            if test["trace"] is not None:
                expected[test["name"]] = test["trace"]["count"]
    problems = []
    for name, count in sorted(expected.items()):
        seen = counter.bars.get(name)
        print(f"{name}: JSON {count} requests, page {seen if seen is not None else 'no timeline'}")
        if seen != count:
            problems.append(f"{name}: the JSON report has {count} requests, the page draws {seen}")
    for name in sorted(set(counter.bars) - set(expected)):
        problems.append(f"{name}: the page draws a timeline the JSON report has no trace for")
    literal = dom.count('<rect class="request')
    if literal != sum(expected.values()):
        problems.append(f'the page has {literal} <rect class="request …> elements, the JSON report {sum(expected.values())} requests')
    print(f"tests with a trace: {len(expected)}, requests: {sum(expected.values())}, "
          f"expected-shape timelines: {len(counter.planned)}")
    for name, planned in sorted(counter.planned.items()):
        if planned != counter.bars.get(name):
            problems.append(f"{name}: the expected shape has {planned} bars, the actual timeline {counter.bars.get(name)}")
    if not expected:
        problems.append("the JSON report has no test with a trace: nothing was compared")
    for problem in problems:
        print("MISMATCH " + problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


def main(argv):
    if len(argv) >= 2 and argv[0] == "png":
        png_command(argv[1], argv[2:])
    elif len(argv) == 3 and argv[0] == "bars":
        bars_command(argv[1], argv[2])
    else:
        fail("usage: html_report_check.py png FILE [#rrggbb ...] | bars DOM JSON")


if __name__ == "__main__":
    main(sys.argv[1:])
