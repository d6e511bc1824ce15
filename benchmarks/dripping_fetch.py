"""Time to the error for a server that drips its answer (issue 27, item 7).

Serves a 5 MB page on 127.0.0.1 at 11 bytes a second (the audit's server; it kept `ingest` hanging until killed) and
runs `narrascope ingest URL --db TMP --no-analyze` with the default fetch deadline (or --deadline). Prints the seconds
from the page's request to ingest's exit (and from its start, imports included), its exit status, the failure it
reported for the URL and the run's status in the store.

    python benchmarks/dripping_fetch.py                 # the default deadline (60 s)
    python benchmarks/dripping_fetch.py --deadline 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


ASKED: list[float] = []  # when the page was requested (perf_counter)


class Drip(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt":
            self.send_error(404)
            return
        ASKED.append(time.perf_counter())
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(5 * 1024 * 1024))
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"<p>drip</p>")  # 11 bytes
                self.wfile.flush()
                time.sleep(1.0)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadline", type=float, default=None, help="--fetch-deadline for ingest (default: its own)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/article.html"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "corpus.db"
        command = [sys.executable, "-m", "narrascope.cli", "ingest", url, "--db", str(db), "--no-analyze", "--rate", "0"]
        if args.deadline is not None:
            command += ["--fetch-deadline", str(args.deadline)]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        ended = time.perf_counter()
        elapsed = ended - started
        from narrascope.store import open_store

        store = open_store(str(db))
        runs = [run.status for run in store.runs()]
        store.close()
    server.shutdown()
    reported = [line.strip() for line in result.stderr.splitlines() if "deadline" in line]
    print(json.dumps({"seconds_from_request_to_exit": round(ended - ASKED[0], 1) if ASKED else None,
                      "seconds_to_exit": round(elapsed, 1), "exit_status": result.returncode,
                      "summary": json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None,
                      "reported": reported[:1], "runs": runs}))


if __name__ == "__main__":
    main()
