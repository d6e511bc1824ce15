"""Server memory under oversized unauthenticated request bodies (issue 27, item 8).

Starts `narrascope serve` on an empty SQLite corpus (writes enabled with a token), then sends REQUESTS parallel POSTs
of MB megabytes each to PATH without the token, each over its own connection, the body streamed in 64 kB pieces
until the server answers or closes. Samples the server's resident memory (VmRSS, /proc) every 10 ms and prints its
start, peak and end, and what the clients got back. The server must refuse before reading the bodies: its peak
stays within 100 MB of its start.

    python benchmarks/oversized_bodies.py                       # 20 x 16 MB to /api/analyze (the audit's attack)
    python benchmarks/oversized_bodies.py --path /analyze       # the anonymous paste form
    python benchmarks/oversized_bodies.py --chunked             # no Content-Length: the body streams until cut off
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

TOKEN = "benchmark-token"
PIECE = b"x" * 65536


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def post_oversized(port: int, path: str, size: int, chunked: bool) -> str:
    """POST ``size`` bytes of body without a token; the status code answered, or how the connection ended."""
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{length}\r\n\r\n").encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        answer = b""
        try:
            while sent < size:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # the server answered (or closed) before the whole body was sent
                piece = PIECE[: size - sent]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked and sent >= size:
                sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(4096)
        except (BrokenPipeError, ConnectionResetError):
            try:
                answer = sock.recv(4096)
            except OSError:
                answer = b""
    if answer.startswith(b"HTTP/1.1 "):
        return f"{answer.split(b' ', 2)[1].decode()} after {sent / 1_048_576:.1f} MB sent"
    return f"closed after {sent / 1_048_576:.1f} MB sent"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--mb", type=float, default=16.0)
    parser.add_argument("--path", default="/api/analyze")
    parser.add_argument("--chunked", action="store_true", help="stream the bodies without a Content-Length")
    parser.add_argument("--no-preload", action="store_true", help="do not load the models before serving (faster)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        command = [sys.executable, "-m", "narrascope.cli", "serve", "--db", str(Path(tmp) / "corpus.db"),
                   "--port", str(port)] + (["--no-preload"] if args.no_preload else [])
        server = subprocess.Popen(command, env={**os.environ, "NARRASCOPE_API_TOKEN": TOKEN},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
                    break
                except httpx.HTTPError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("the server did not start")
                    time.sleep(0.2)
            time.sleep(1.0)
            start = rss_mb(server.pid)
            peak = start
            done = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_mb(server.pid))
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample)
            sampler.start()
            size = int(args.mb * 1_048_576)
            began = time.perf_counter()
            with ThreadPoolExecutor(args.requests) as pool:
                outcomes = list(pool.map(lambda _: post_oversized(port, args.path, size, args.chunked), range(args.requests)))
            elapsed = time.perf_counter() - began
            time.sleep(1.0)
            done.set()
            sampler.join()
            end = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    codes = Counter(outcome.split(" ")[0] for outcome in outcomes)
    print(json.dumps({
        "requests": args.requests, "mb_each": args.mb, "path": args.path, "chunked": args.chunked,
        "rss_start_mb": round(start, 1), "rss_peak_mb": round(peak, 1), "rss_end_mb": round(end, 1),
        "peak_growth_mb": round(peak - start, 1), "answers": dict(codes), "seconds": round(elapsed, 2),
        "example": outcomes[0],
    }))


if __name__ == "__main__":
    main()
