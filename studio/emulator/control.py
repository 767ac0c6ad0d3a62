"""A small client for the emulator's control API, for tests and benchmarks.

    control = EmulatorControl("http://127.0.0.1:8765")
    control.add_fault(on="create", protocol="dashscope", kind="http", status=429,
                      code="Throttling.RateQuota", retry_after=1)
    control.configure(task_seconds=0.3, string_status=True)
    control.creates("dashscope")   # -> 1
    control.reset()
"""

from __future__ import annotations

from typing import Any

import httpx


class EmulatorError(RuntimeError):
    """The control API refused a request (a bad fault or setting)."""


class EmulatorControl:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            resp = self._client.request(method, f"{self.base_url}/_emulator/{path}", json=body)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if method != "GET":
                raise
            # a kept-alive connection the emulator had closed (a busy machine): a read is safe to ask again
            resp = self._client.request(method, f"{self.base_url}/_emulator/{path}", json=body)
        if resp.status_code >= 400:
            raise EmulatorError(resp.json().get("error", resp.text) if resp.content else resp.reason_phrase)
        return resp.json()

    def add_fault(self, **fault: Any) -> list[dict[str, Any]]:
        """Arm one fault (on, protocol, kind, times, status, code, message, retry_after, delay, ...)."""
        return self.add_faults(fault)

    def add_faults(self, *faults: dict[str, Any]) -> list[dict[str, Any]]:
        return self._call("POST", "faults", {"faults": list(faults)})["faults"]

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change task_seconds, heartbeat_seconds, string_status, output_as_string, strict_keys, and the
        duration model: seconds_per_output_second, hd_factor, spread (see emulator.state.Config)."""
        return self._call("POST", "config", settings)

    def config(self) -> dict[str, Any]:
        return self._call("GET", "config")

    def reset(self) -> None:
        self._call("POST", "reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def creates(self, protocol: str | None = None) -> Any:
        """Tasks created: per protocol as a dict, or one protocol's count."""
        counts = self.stats()["creates"]
        return counts if protocol is None else counts.get(protocol, 0)

    def requests(self, protocol: str | None = None, method: str | None = None,
                 path_prefix: str | None = None) -> list[dict[str, Any]]:
        """The request log, filtered."""
        return [r for r in self.stats()["requests"]
                if (protocol is None or r["protocol"] == protocol)
                and (method is None or r["method"] == method)
                and (path_prefix is None or r["path"].startswith(path_prefix))]

    def tasks(self) -> dict[str, dict[str, Any]]:
        return self.stats()["tasks"]

    def webhooks(self) -> list[dict[str, Any]]:
        return self.stats()["webhooks"]
