"""The one HTTP driver both hosted backends share.

What it promises, whichever provider is behind it:

- Explicit timeouts on every call (connect, read, write, pool).
- Reads (GET, and cancel, which is safe to repeat) are retried with exponential
  backoff and jitter on 429/502/503/504 and on connection errors, honouring
  Retry-After, for a bounded number of tries; then TransientError.
- A create is sent once. If it may have reached the provider and no clear answer
  came back (timeout or dropped connection after sending, 500/502/504) it raises
  AmbiguousSubmit: re-sending could start, and bill, a second task. A failure to
  connect at all, or a clear 429/503 refusal, raises TransientError: nothing was
  created, the runner may try again later.
- Result links and upload hosts are absolute URLs on other hosts: they go through
  a second client that never carries the API key.
- No message, log line or exception text contains the key.

Exceptions raised: ProviderError (clear refusal), TransientError (worth retrying),
AmbiguousSubmit (create outcome unknown). httpx transport errors never escape.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import functools
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from studio.backends.base import TaskStatus
from studio.errors import AccountError, AmbiguousSubmit, ProviderError, TransientError
from studio.secrets import redact

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
AMBIGUOUS_CREATE_STATUSES = frozenset({500, 502, 504})
REFUSED_CREATE_STATUSES = frozenset({429, 503})
EXPIRED_STATUSES = frozenset({403, 404, 410})
# Transport failures that happen before a request leaves the machine: a create that hit one was not sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)

CHUNK = 1 << 16


def _timeout(read: float, write: float) -> Callable[[], httpx.Timeout]:
    return lambda: httpx.Timeout(connect=10.0, read=read, write=write, pool=10.0)


@dataclass(frozen=True)
class Timeouts:
    """Explicit timeouts per kind of call, in seconds. Tests shrink them to provoke timeouts quickly."""

    api: httpx.Timeout = field(default_factory=_timeout(read=30.0, write=60.0))
    create: httpx.Timeout = field(default_factory=_timeout(read=60.0, write=60.0))
    stream: httpx.Timeout = field(default_factory=_timeout(read=90.0, write=30.0))  # longer than a heartbeat gap
    upload: httpx.Timeout = field(default_factory=_timeout(read=120.0, write=600.0))
    download: httpx.Timeout = field(default_factory=_timeout(read=60.0, write=30.0))

    @classmethod
    def all(cls, seconds: float) -> "Timeouts":
        t = httpx.Timeout(seconds)
        return cls(api=t, create=t, stream=t, upload=t, download=t)


ErrorParser = Callable[[int, Any], ProviderError]


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried. Tests pass base=0 (and a recording sleep) to run at full speed."""

    tries: int = 4
    base: float = 0.5            # first backoff, seconds
    cap: float = 8.0             # longest backoff, seconds
    max_retry_after: float = 30.0  # a longer Retry-After is handed to the runner instead of slept
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        backoff = min(self.cap, self.base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        return max(backoff, retry_after or 0.0)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def describe(exc: httpx.HTTPError) -> str:
    """A short, key-free name for a transport failure."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or unreachable"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped"
    return "connection error"


def body_json(resp: httpx.Response) -> Any:
    """The response's JSON, or None when it has none."""
    try:
        return resp.json()
    except ValueError:
        return None


@functools.cache
def tls() -> ssl.SSLContext:
    """The one TLS context of every provider client in this process. Building one loads the CA bundle, about
    50 ms of CPU; each backend made two, on the way to its first create (and one per user's own key). An
    SSLContext is made to be shared between connections and threads."""
    return httpx.create_ssl_context()


class HttpDriver:
    """One provider's HTTP session: an authorised client for its API, a plain one for other hosts."""

    def __init__(self, *, provider: str, base_url: str, api_key: str, parse_error: ErrorParser,
                 headers: dict[str, str] | None = None, retry: RetryPolicy | None = None,
                 timeouts: Timeouts | None = None, transport: httpx.AsyncBaseTransport | None = None):
        if not base_url.startswith(("http://", "https://")):
            raise ProviderError(f"The {provider} base URL must start with https:// (got {base_url[:60]!r}).",
                                code="bad_base_url")
        self.provider = provider
        self.parse_error = parse_error
        self.retry = retry or RetryPolicy()
        self.on_throttle: Callable[[float], None] | None = None  # told of each 429 a read will wait out
        self.timeouts = timeouts or Timeouts()
        self._secrets = tuple(s for s in (api_key,) if s)
        auth = {"Authorization": f"Bearer {api_key}", **(headers or {})}
        self.api = httpx.AsyncClient(base_url=base_url, headers=auth, timeout=self.timeouts.api,
                                     transport=transport, verify=tls())
        self.plain = httpx.AsyncClient(timeout=self.timeouts.api, transport=transport, follow_redirects=True,
                                       verify=tls())

    def __repr__(self) -> str:
        return f"HttpDriver(provider={self.provider!r}, base_url={str(self.api.base_url)!r})"

    async def aclose(self) -> None:
        await self.api.aclose()
        await self.plain.aclose()

    # -- errors ---------------------------------------------------------------------

    def scrub(self, exc: ProviderError) -> ProviderError:
        """Remove the key from an error's text, whoever wrote it (provider messages included)."""
        exc.args = (redact(str(exc), self._secrets),)
        return exc

    def scrub_status(self, status: TaskStatus) -> TaskStatus:
        """A task status whose provider-written message carries no key (a failure may echo the request)."""
        if not status.error_message:
            return status
        return dataclasses.replace(status, error_message=redact(status.error_message, self._secrets))

    def error(self, resp: httpx.Response) -> ProviderError:
        """The studio error for a non-2xx answer; 429 and 5xx are TransientError, unless the account itself
        cannot run jobs (AccountError: waiting would not help)."""
        err = self.parse_error(resp.status_code, body_json(resp))
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if (resp.status_code == 429 or resp.status_code >= 500) and not isinstance(err, AccountError):
            if not isinstance(err, TransientError):
                err = TransientError(str(err), code=err.code, request_id=err.request_id,
                                     status=resp.status_code)
            if err.retry_after is None:
                err.retry_after = retry_after
        if err.status is None:
            err.status = resp.status_code
        return self.scrub(err)

    def unreadable(self, what: str) -> TransientError:
        return TransientError(f"{self.provider} sent an answer the studio could not read ({what}). "
                              "It will ask again shortly.", code="malformed")

    def ok_json(self, resp: httpx.Response) -> Any:
        """The JSON of a 2xx answer; the mapped error otherwise."""
        if resp.status_code >= 300:
            raise self.error(resp)
        data = body_json(resp)
        if data is None:
            raise self.unreadable(f"HTTP {resp.status_code} without JSON")
        return data

    # -- idempotent calls -----------------------------------------------------------

    async def read(self, method: str, url: str, *, client: httpx.AsyncClient | None = None,
                   **kw: Any) -> httpx.Response:
        """Send a request that is safe to repeat, retrying transient failures.

        Returns the last response (any status); raises TransientError when the
        provider could not be reached in the allowed tries.
        """
        client = client or self.api
        tries = max(1, self.retry.tries)
        for attempt in range(1, tries + 1):
            try:
                resp = await client.request(method, url, **kw)
            except httpx.TransportError as exc:
                log.debug("%s %s %s: %s (try %d/%d)", self.provider, method, _path(url), describe(exc),
                          attempt, tries)
                if attempt == tries:
                    raise self.scrub(TransientError(
                        f"{self.provider} could not be reached ({describe(exc)}) after {tries} tries. "
                        "Check the connection; the studio will try again.", code="unreachable")) from exc
            else:
                log.debug("%s %s %s -> %d (try %d/%d)", self.provider, method, _path(url),
                          resp.status_code, attempt, tries)
                if resp.status_code not in RETRY_STATUSES or self._account_refused(resp):
                    return resp
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if attempt == tries or (retry_after or 0) > self.retry.max_retry_after:
                    return resp
                delay = self.retry.delay(attempt, retry_after)
                if resp.status_code == 429 and self.on_throttle is not None:
                    self.on_throttle(delay)  # every job on this provider holds its calls meanwhile
                await self.retry.sleep(delay)
                continue
            await self.retry.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _account_refused(self, resp: httpx.Response) -> bool:
        """A 429 that is about the account (plan credits used up), not the pace: not retried, not paused for."""
        return resp.status_code == 429 and isinstance(self.parse_error(429, body_json(resp)), AccountError)

    async def read_json(self, method: str, url: str, **kw: Any) -> Any:
        return self.ok_json(await self.read(method, url, **kw))

    # -- the one call that is never repeated ----------------------------------------

    async def create(self, url: str, body: dict, *, parse: Callable[[Any], Any],
                     headers: dict[str, str] | None = None) -> Any:
        """POST a create request exactly once and parse its answer with parse().

        parse() failing on a 2xx answer means a task may exist that we cannot name:
        that is AmbiguousSubmit too.
        """
        try:
            resp = await self.api.post(url, json=body, headers=headers, timeout=self.timeouts.create)
        except NOT_SENT as exc:
            raise self.scrub(TransientError(
                f"{self.provider} could not be reached ({describe(exc)}), so no job was started. "
                "Try again shortly.", code="unreachable")) from exc
        except httpx.TransportError as exc:
            raise self.scrub(AmbiguousSubmit(
                f"The connection to {self.provider} broke after the job was sent ({describe(exc)}). "
                "It may have started and may be billed; the studio will not send it again, "
                "to avoid paying twice. Check the provider's console before retrying.",
                code="ambiguous")) from exc
        log.debug("%s POST %s -> %d (create)", self.provider, _path(url), resp.status_code)
        if resp.status_code in AMBIGUOUS_CREATE_STATUSES:
            err = self.error(resp)
            raise self.scrub(AmbiguousSubmit(
                f"{self.provider} answered the job request with a server error (HTTP {resp.status_code}: "
                f"{err}). The job may have started and may be billed; the studio will not send it "
                "again, to avoid paying twice. Check the provider's console before retrying.",
                code=err.code, request_id=err.request_id, status=resp.status_code))
        if resp.status_code in REFUSED_CREATE_STATUSES or resp.status_code >= 300:
            raise self.error(resp)
        data = body_json(resp)
        try:
            if data is None:
                raise ValueError("no JSON")
            return parse(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.scrub(AmbiguousSubmit(
                f"{self.provider} accepted the job but its answer could not be read, so the task "
                "cannot be followed. It may be running and billed; the studio will not send it again.",
                code="malformed", status=resp.status_code)) from exc

    # -- streams, uploads, downloads --------------------------------------------------

    async def lines(self, url: str, *, headers: dict[str, str] | None = None) -> AsyncIterator[str]:
        """The lines of a long-lived response (NDJSON). Raises TransientError when it breaks."""
        try:
            async with self.api.stream("GET", url, headers=headers, timeout=self.timeouts.stream) as resp:
                if resp.status_code >= 300:
                    await resp.aread()
                    raise self.error(resp)
                async for line in resp.aiter_lines():
                    yield line
        except httpx.TransportError as exc:
            raise self.scrub(TransientError(
                f"The live status stream from {self.provider} broke ({describe(exc)}).",
                code="stream_broken")) from exc

    async def upload(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """Send file bytes to a storage host (no API key). Retried: uploads start nothing billable."""
        resp = await self.read(method, url, client=self.plain, timeout=self.timeouts.upload, **kw)
        if resp.status_code >= 300:
            err = self.error(resp)
            raise self.scrub(type(err)(
                f"Uploading an input file to {self.provider}'s storage failed (HTTP {resp.status_code}). "
                "Try again shortly.", code=err.code or "upload_failed", status=resp.status_code))
        return resp

    async def download(self, url: str | None, dest: Path, *, expected: int | None = None,
                       on_progress: Callable[[float], None] | None = None) -> None:
        """Stream a finished video to dest, checking its length."""
        if not url or not url.startswith(("http://", "https://")):
            raise ProviderError(f"{self.provider} reported the video finished but gave no usable link.",
                                code="no_output")
        dest = Path(dest)
        try:
            await self._download(url, dest, expected, on_progress)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

    async def _download(self, url: str, dest: Path, expected: int | None,
                        on_progress: Callable[[float], None] | None) -> None:
        headers = {"Accept-Encoding": "identity"}
        tries = max(1, self.retry.tries)
        for attempt in range(1, tries + 1):
            opened = False
            try:
                async with self.plain.stream("GET", url, headers=headers, timeout=self.timeouts.download) as resp:
                    opened = True
                    if resp.status_code in EXPIRED_STATUSES:
                        raise ProviderError(
                            f"{self.provider}'s link to the finished video has expired or was refused "
                            f"(HTTP {resp.status_code}); provider links live 24 h. Generate the clip again.",
                            code="expired", status=resp.status_code)
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    if resp.status_code in RETRY_STATUSES and attempt < tries \
                            and (retry_after or 0) <= self.retry.max_retry_after:
                        await self.retry.sleep(self.retry.delay(attempt, retry_after))
                        continue
                    if resp.status_code >= 300:
                        cls = TransientError if resp.status_code in RETRY_STATUSES or resp.status_code >= 500 \
                            else ProviderError
                        raise cls(f"Downloading the video from {self.provider} failed (HTTP {resp.status_code}).",
                                  code="download_failed", status=resp.status_code)
                    await self._write(resp, dest, expected, on_progress)
                    return
            except httpx.TransportError as exc:
                if not opened and attempt < tries:  # nothing arrived yet: safe to ask again
                    await self.retry.sleep(self.retry.delay(attempt))
                    continue
                raise TransientError(
                    f"The download from {self.provider} was cut short ({describe(exc)}). "
                    "It can be retried while the link is valid (24 h).", code="download_cut_short") from exc

    async def _write(self, resp: httpx.Response, dest: Path, expected: int | None,
                     on_progress: Callable[[float], None] | None) -> None:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else expected
        written = 0
        with open(dest, "wb") as fh:
            async for chunk in resp.aiter_bytes(CHUNK):
                fh.write(chunk)
                written += len(chunk)
                if on_progress and total:
                    on_progress(min(1.0, written / total))
        if total is not None and written != total:
            raise TransientError(
                f"The download from {self.provider} was cut short ({written} of {total} bytes). "
                "It can be retried while the link is valid (24 h).", code="download_cut_short")
        if written == 0:
            raise TransientError(f"The download from {self.provider} was empty.", code="download_cut_short")
        if on_progress:
            on_progress(1.0)


def _path(url: str) -> str:
    """A URL without its query string, for logs (signed links carry tokens there)."""
    return url.split("?", 1)[0]
