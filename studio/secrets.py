"""Keys are secrets: text that may carry one is redacted before it is shown, stored or logged.

Providers sometimes echo what they were sent (a failed task's message, an
error body); anything the studio did not write itself passes through redact()
with the keys in force. A logging filter does the same for every log record,
as a last line of defence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


def redact(text: str | None, secrets: Iterable[str | None]) -> str | None:
    """text with every non-empty secret replaced by ***."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:  # a one-letter "key" would mask every word
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Redacts the given secrets from every record that passes a handler."""

    def __init__(self, secrets: Iterable[str | None]):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            record.msg, record.args = redact(message, self.secrets), None
        return True


def redact_logs(secrets: Iterable[str | None]) -> None:
    """Install the filter on the root logger's handlers (call once at start, after logging is set up)."""
    flt = RedactingFilter(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING)
    for handler in root.handlers:
        handler.addFilter(flt)
