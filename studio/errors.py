"""One error tree for the whole studio.

StudioError
 +-- InputError        the user's input breaks a limit; the message says what to change
 |    +-- BudgetError     the job would pass a spending cap (what is left, when it resets)
 +-- NotFound          no such job for this owner
 +-- SettingError      a setting (an environment variable) cannot work; the message names it
 +-- StoreError        the media store (the data folder or a bucket) could not keep or give back a file
 +-- ProviderError     the provider refused or failed; keeps its code and request id
      +-- AmbiguousSubmit  a create request may or may not have reached the provider
      +-- TransientError   worth retrying later (rate limits, 5xx, timeouts on reads)
      +-- AccountError     the account cannot run jobs until its owner acts (plan credits used up,
                           free tier only): never retried or paused for, whatever its HTTP status

Messages are written for the user and never contain secrets.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the studio raises on purpose."""


class InputError(StudioError):
    """Input that breaks a limit. The message tells the user what to change."""


class NotFound(StudioError):
    """No such job, or not one the caller owns (the same answer for both: nothing is learned of another's).

    str() is the page's words; the API and the command line word it for their callers (job_words)."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        super().__init__(f"No job {shown_id(job_id)} here: pick one from the gallery.")


def shown_id(job_id: str) -> str:
    """A job id as a message may quote it: bounded, whatever length a caller sent."""
    text = str(job_id)
    return repr(text) if len(text) <= 40 else f"{text[:16]!r}… ({len(text)} characters)"


class SettingError(StudioError):
    """A setting that cannot work (an unreachable database, a bad address): refused at start, naming the variable."""


class StoreError(StudioError):
    """The media store could not keep or give back a file; code says which: unreachable (the bucket did
    not answer), refused (credentials or permissions), missing (no such file), incomplete (sizes differ)."""

    def __init__(self, message: str, *, code: str = "unreachable"):
        super().__init__(message)
        self.code = code


class ProviderError(StudioError):
    """The provider answered with an error, or could not be reached."""

    def __init__(self, message: str, *, code: str | None = None,
                 request_id: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.request_id = request_id
        self.status = status


class TransientError(ProviderError):
    """A failure that may pass: rate limited, server error, timeout on a read."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class AccountError(ProviderError):
    """The provider account cannot run jobs until its owner acts in the console; retrying will not help."""


class AmbiguousSubmit(ProviderError):
    """The create request went out but no answer came back: it may have started a billed task."""


class BudgetError(InputError):
    """The job would pass a spending cap; the message says what is left and when it resets."""
