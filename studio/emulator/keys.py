"""API keys as the emulator checks them.

By default any non-empty bearer key is accepted (each key is its own
account: tasks and files belong to the key that made them), so a studio can
be pointed at the emulator with whatever key is at hand, e.g. "sk-try" or
"inf-try". With --strict-keys (or {"strict_keys": true} on /_emulator/config)
a key must have the provider's shape: DashScope keys start with "sk-",
inference.sh keys with "inf_"; anything else is refused with the provider's
own 401 answer.
"""

from __future__ import annotations

from starlette.requests import Request

PREFIX = {"dashscope": "sk-", "inferencesh": "inf_"}


def bearer_key(request: Request) -> str:
    """The key of an `Authorization: Bearer KEY` header, or "" when there is none."""
    scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def key_accepted(key: str, protocol: str, strict: bool) -> bool:
    return bool(key) and (not strict or key.startswith(PREFIX[protocol]))
