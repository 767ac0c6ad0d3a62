"""Start the emulator: `python -m studio.emulator --port 8765 [--task-seconds 3] [--strict-keys]`.

Any non-empty API key is accepted unless --strict-keys is given; then keys
must have the providers' shapes (DashScope "sk-...", inference.sh "inf_...").

The first line on stdout is `emulator listening on http://127.0.0.1:PORT`
(with --port 0 the port is picked free), so a parent process can read it.
Logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn

from studio.emulator.server import create_app
from studio.emulator.state import Config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m studio.emulator", description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 picks a free one)")
    ap.add_argument("--task-seconds", type=float, default=3.0, help="how long a task takes to finish")
    ap.add_argument("--strict-keys", action="store_true",
                    help='refuse keys without the provider\'s shape (DashScope "sk-...", inference.sh "inf_...")')
    ap.add_argument("--heartbeat-seconds", type=float, default=0.5, help="inference.sh stream heartbeat interval")
    ap.add_argument("--cache-dir", type=Path, default=None, help="where result clips are cached")
    ap.add_argument("--parent-pid", type=int, default=None,
                    help="stop when this process is gone (tests pass their own pid, so no emulator outlives them)")
    ap.add_argument("--log-level", default="warning", help="uvicorn and emulator log level")
    return ap.parse_args(argv)


def watch_parent(pid: int) -> None:
    """Stop the server (SIGTERM, so uvicorn shuts down cleanly) once `pid` has exited."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:  # alive, owned by someone else
                pass

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # proto IPPROTO_TCP, so asyncio sets TCP_NODELAY on accepted connections (else ~40 ms a request)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(256)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = Config(task_seconds=args.task_seconds, heartbeat_seconds=args.heartbeat_seconds,
                    strict_keys=args.strict_keys)

    def announce() -> None:
        print(f"emulator listening on {url}", flush=True)

    if args.parent_pid:
        watch_parent(args.parent_pid)
    app = create_app(url, config, args.cache_dir, on_startup=announce)
    server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level, access_log=False, proxy_headers=False,
                                           lifespan="on", timeout_graceful_shutdown=1))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
