"""Serve the studio under uvicorn, and stop promptly on Ctrl+C.

Jobs belong to the ledger and the provider, not to an open request: stopping
loses nothing, and the next start follows every unfinished job again. So
Ctrl+C waits at most SHUTDOWN_GRACE seconds for open requests (an API caller
following a job, an MCP session, gradio_client's heartbeat) and then closes
them, saying so in one line instead of a traceback per connection.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from studio.edge import forwarded_allow_ips
from studio.secrets import redact_logs

SHUTDOWN_GRACE = 3  # seconds


class _Server(uvicorn.Server):
    """uvicorn raises the signal it caught once it has stopped serving (written against uvicorn 0.55): for
    SIGTERM that kills the process before the studio lets go of its jobs. The studio stops on its own."""

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


class _QuietStop(logging.Filter):
    """Drops uvicorn's own lines about closing open requests at shutdown; the studio says it once."""

    def __init__(self, server: uvicorn.Server):
        super().__init__()
        self.server = server
        self.closed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.server.should_exit:
            return True
        cancelled = record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError)
        if cancelled or str(record.msg).startswith("Cancel %s running task"):
            self.closed += 1 if cancelled else 0
            return False
        return True


def serve(app, host: str, port: int, secrets: list[str | None]) -> int:
    """Serve until Ctrl+C (or SIGTERM); returns how many open requests were closed at the end.

    secrets: values no log line may show (the provider keys)."""
    server = _Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                    forwarded_allow_ips=forwarded_allow_ips(),
                                    timeout_graceful_shutdown=SHUTDOWN_GRACE))
    redact_logs(secrets)  # uvicorn's handlers exist now
    quiet = _QuietStop(server)
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        server.run()
    except KeyboardInterrupt:  # a Ctrl+C before serving began
        pass
    return quiet.closed
