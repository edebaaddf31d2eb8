#!/usr/bin/env python3
"""Start-up time of `switchboard serve`: process start to the first 200 from GET /readyz.

    python3 bench/startup.py RUNS PORT LOGFILE -- COMMAND...

Starts COMMAND RUNS times, polls http://127.0.0.1:PORT/readyz every 2 ms over raw sockets (no client
process per poll), and stops each instance with SIGTERM (SIGKILL after 10 s) before the next start.
Prints one line: STARTUP median_ms=… min_ms=… max_ms=… runs=…
"""
import os
import signal
import socket
import subprocess
import sys
import time


def ready(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = s.recv(64)
            return head.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop the child
    runs, port, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    command = sys.argv[sys.argv.index("--") + 1:]
    times = []
    with open(log, "ab") as logfile:
        for _ in range(runs):
            start = time.monotonic_ns()
            proc = subprocess.Popen(command, stdout=logfile, stderr=subprocess.STDOUT)
            try:
                while not ready(port):
                    if proc.poll() is not None:
                        sys.exit(f"startup.py: the server exited with {proc.returncode} before /readyz (see {log})")
                    if time.monotonic_ns() - start > 30e9:
                        sys.exit("startup.py: no 200 from /readyz within 30 s")
                    time.sleep(0.002)
                times.append((time.monotonic_ns() - start) / 1e6)
            finally:
                stop(proc)
            time.sleep(0.2)
    times.sort()
    print(f"STARTUP median_ms={times[len(times) // 2]:.1f} min_ms={times[0]:.1f} max_ms={times[-1]:.1f} runs={runs}")


if __name__ == "__main__":
    main()
