"""Injected faults: what can go wrong, where, and how many times.

A fault names the operation it hits (`on`), the protocol (`dashscope`,
`inferencesh` or `any`), its `kind`, and how many requests it spoils (`times`;
null or a negative number means until reset). Kinds:

  http       answer `status` with the provider's error shape (`code`, `message`,
             `retry_after` -> Retry-After header)
  slow       wait `delay` seconds, then answer normally
  drop       close the connection without an answer; on create and cancel this
             happens AFTER the task was created / cancelled (the ambiguous case)
  malformed  answer 200 with a body that is not valid JSON (not an MP4 on download);
             on create the task exists
  fail_task  the next created task ends FAILED with `code`/`message`
             (inference.sh: status 11 with the message as error; `rejected`: 13)
  unknown    the task expires: DashScope reads UNKNOWN, inference.sh 404 not_found
  truncate   download sends half the body, announcing the full Content-Length
  forbidden  download answers 403, like an expired signed URL

Optional `task_id` limits a fault to one task; stream faults take `after_lines`
(drop after sending that many lines).

Named account answers (DashScope, on create unless `on` says otherwise; any field may be overridden):

  plan_credits     429 Throttling.AllocationQuota "Allocated quota exceeded": what a subscription
                   key (sk-sp-) gets when its plan's credits are used up
  free_tier_only   403 AllocationQuota.FreeTierOnly: the account allows only its free tier
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict, dataclass
from typing import Any, Callable

KINDS = ("http", "slow", "drop", "malformed", "fail_task", "unknown", "truncate", "forbidden")
OPERATIONS = ("create", "status", "stream", "cancel", "upload", "download", "policy", "files")
PROTOCOLS = ("dashscope", "inferencesh", "any")
DEFAULT_ON = {"fail_task": "create", "truncate": "download", "forbidden": "download", "unknown": "status"}
ONLY_ON = {"fail_task": ("create",), "truncate": ("download",), "forbidden": ("download",),
           "unknown": ("create", "status", "stream", "cancel")}
PRESETS = {  # account answers seen in the wild (PROTOCOLS.md), as http faults
    "plan_credits": {"kind": "http", "protocol": "dashscope", "on": "create", "status": 429,
                     "code": "Throttling.AllocationQuota",
                     "message": "Allocated quota exceeded, please increase your quota limit."},
    "free_tier_only": {"kind": "http", "protocol": "dashscope", "on": "create", "status": 403,
                       "code": "AllocationQuota.FreeTierOnly",
                       "message": "The free tier of the model has been exhausted. If you wish to continue access the "
                                  "model on a paid basis, please disable the \"use free tier only\" mode in the "
                                  "management console."},
}


@dataclass
class Fault:
    kind: str
    on: str
    protocol: str = "any"
    times: int | None = 1
    status: int = 500
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    delay: float = 1.0
    task_id: str | None = None
    rejected: bool = False
    after_lines: int = 0


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Check a fault as sent to the control API; raise ValueError saying what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("each fault must be an object")
    if spec.get("kind") in PRESETS:
        spec = PRESETS[spec["kind"]] | {k: val for k, val in spec.items() if k != "kind"}
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS + tuple(PRESETS))}; got {kind!r}")
    on = spec.get("on") or DEFAULT_ON.get(kind)
    if on not in OPERATIONS:
        raise ValueError(f"on must be one of {', '.join(OPERATIONS)}; got {on!r}")
    if kind in ONLY_ON and on not in ONLY_ON[kind]:
        raise ValueError(f"a {kind} fault acts on {' or '.join(ONLY_ON[kind])}, not {on}")
    protocol = spec.get("protocol") or "any"
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}; got {protocol!r}")
    unknown = set(spec) - {f for f in Fault.__dataclass_fields__}
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    times = spec.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
        raise ValueError("times must be a whole number (negative or null: until reset)")
    fault = Fault(kind=kind, on=on, protocol=protocol,
                  times=None if times is None or times < 0 else times)
    for name in ("status", "delay", "retry_after", "after_lines"):
        if spec.get(name) is not None:
            value = spec[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
            setattr(fault, name, int(value) if name in ("status", "after_lines") else float(value))
    for name in ("code", "message", "task_id"):
        if spec.get(name) is not None:
            setattr(fault, name, str(spec[name]))
    fault.rejected = bool(spec.get("rejected")) or fault.code == "rejected"
    if kind == "http" and not 400 <= fault.status <= 599:
        raise ValueError("an http fault's status must be 400..599")
    return fault


class FaultBook:
    """The armed faults. take() finds the first match and uses one of its times."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(f for f in faults if f.times != 0)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, on: str, protocol: str, kinds: tuple[str, ...],
             task_id: str | None = None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if (fault.on == on and fault.kind in kinds and fault.protocol in ("any", protocol)
                        and (fault.task_id is None or fault.task_id == task_id)):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None


async def abort(scope: dict[str, Any]) -> None:
    """Close the client's connection without (finishing) an answer.

    ASGI has no verb for this, so the server wrapper leaves the connection's
    closer in the scope (see server.ConnectionCloser).
    """
    scope["emulator.dropped"] = True
    closer = scope.get("emulator.close")
    if closer is None:
        raise RuntimeError("no way to close this connection")
    await closer()


async def sleep_faults(faults: FaultBook, on: str, protocol: str, task_id: str | None = None) -> None:
    """Serve every armed `slow` fault for this request, one after the other."""
    while (fault := faults.take(on, protocol, ("slow",), task_id)) is not None:
        await asyncio.sleep(fault.delay)


async def gate(faults: FaultBook, on: str, protocol: str, http_error: Callable[[Fault], Any],
               task_id: str | None = None) -> Any:
    """Faults that act before the work: serve `slow` delays, then an `http` error if armed.

    Returns the error response to send instead of the real answer, or None.
    """
    await sleep_faults(faults, on, protocol, task_id)
    fault = faults.take(on, protocol, ("http",), task_id)
    return http_error(fault) if fault else None


async def after(faults: FaultBook, scope: dict[str, Any], on: str, protocol: str, response: Any,
                task_id: str | None = None, garbage: bytes = b'{"output": {"task_id": "') -> Any:
    """Faults that spoil a finished answer: `drop` closes the connection, `malformed` garbles it."""
    from starlette.responses import Response

    fault = faults.take(on, protocol, ("drop", "malformed"), task_id)
    if fault is None:
        return response
    if fault.kind == "drop":
        await abort(scope)
        return Response(status_code=499)  # never reaches the client: the connection is gone
    return Response(garbage, status_code=200, media_type="application/json")
