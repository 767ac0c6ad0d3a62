"""HTTP transports for the adapter tests: a scripted one (no network, no waiting), and a recording one over
real loopback HTTP (what an adapter sent is counted on its side: exact, with nothing to wait for)."""

from __future__ import annotations

import asyncio

import httpx

from studio.backends import dashscope as ds
from studio.backends.http import RetryPolicy

DASHSCOPE_KEY = "sk-SECRET-do-not-leak-1234"


class Fake:
    """A scripted transport: handler(request) -> Response or raises; every request recorded."""

    def __init__(self, handler):
        self.handler, self.requests = handler, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def paths(self, method: str | None = None) -> list[str]:
        return [r.url.path for r in self.requests if method in (None, r.method)]


class Sleeps(list):
    """A retry's sleep that only notes how long it would have slept (and lets others run, as a sleep does)."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


class Recorded(httpx.AsyncBaseTransport):
    """Real HTTP, with every request sent and every status answered noted as they happen."""

    def __init__(self):
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[httpx.Request] = []
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = await self.inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.sent if r.method == method and r.url.path == path)


def no_retry_wait(sleeps: Sleeps | None = None) -> RetryPolicy:
    return RetryPolicy(tries=3, base=0.0, cap=0.0, sleep=Sleeps() if sleeps is None else sleeps)


def dashscope_backend(handler, sleeps: Sleeps | None = None) -> tuple[ds.DashScopeBackend, Fake]:
    fake = Fake(handler)
    return ds.DashScopeBackend(DASHSCOPE_KEY, "http://ds.test", "singapore", retry=no_retry_wait(sleeps),
                               transport=httpx.MockTransport(fake)), fake
