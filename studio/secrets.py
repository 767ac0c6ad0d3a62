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
    """Redacts secrets from every record that passes a handler: the message and any traceback text.

    `secrets` is a live set: keys users hand the studio later (studio.secrets.remember) are added to it.
    """

    def __init__(self, secrets: Iterable[str | None]):
        super().__init__()
        self.secrets = KNOWN
        self.secrets.update(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        known = tuple(self.secrets)
        record.msg, record.args = redact(record.getMessage(), known), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, known)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, known)
        return True


KNOWN: set[str] = set()  # every key this process holds (the owner's, users' own): never printed
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "gradio", "httpx", "studio")


def remember(secret: str) -> None:
    """A key a user handed the studio: from now on it is redacted from the logs too."""
    if secret and len(secret) >= 4:
        KNOWN.add(secret)


def redact_logs(secrets: Iterable[str | None]) -> None:
    """Install the filter on the handlers of the root and the servers' own loggers.

    Call it once logging is configured (after uvicorn has set up its handlers).
    """
    flt = RedactingFilter(secrets)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING)
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if flt not in handler.filters:
                handler.addFilter(flt)
