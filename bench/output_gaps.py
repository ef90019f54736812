"""Runs a command and times what its user sees: when each piece of output arrived, the first
output, the longest silence (and what came after it), and the whole run. With --tty the
command runs on a pseudo-terminal (as in a student's terminal: live progress lines redrawn in
place); otherwise its output is a pipe (as in CI).
  python3 bench/output_gaps.py [--tty] -- COMMAND...
Prints one line: total_s first_output_s longest_silence_s "text after the silence"."""
import os
import pty
import select
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    tty = False
    if args and args[0] == "--tty":
        tty, args = True, args[1:]
    if args and args[0] == "--":
        args = args[1:]
    start = time.monotonic()
    if tty:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
        os.close(follower)
        fd = leader
    else:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        fd = proc.stdout.fileno()
    first = None
    last = start
    longest, after = 0.0, ""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal's other side closed
            chunk = b""
        if not chunk:
            break
        now = time.monotonic()
        if first is None:
            first = now - start
        if now - last > longest:
            longest = now - last
            after = chunk.decode(errors="replace").replace("\r", " ").replace("\x1b[K", "").strip()[:70]
        last = now
    code = proc.wait()
    end = time.monotonic()
    if end - last > longest:
        longest, after = end - last, "(the end of the run)"
    print(f"{end - start:.1f} {first if first is not None else float('nan'):.1f} {longest:.1f} exit={code} after: {after!r}")


if __name__ == "__main__":
    main()
