"""Who is asking: the signed-in account, an API client's Hugging Face token, or an anonymous browser;
worked out once per event as a Caller (studio.service.caller) that every handler passes down.

- Signed in with Hugging Face (Gradio's OAuth on a Space): `user:<name>`, for
  as long as the sign-in token is valid; after it expires, or after sign-out,
  the session gives no access to that account's jobs.
- An API client on a Space that sends `X-HF-Authorization: Bearer hf_...`
  (gradio_client's Client(token=...)) or `Authorization: Bearer hf_...`: the
  token's account, looked up once
  and remembered for a while (only a hash of the token is kept).
- Otherwise, when the studio serves many users: the anonymous identity cookie,
  as the middleware verified it (studio.anonymous), kept as a hash; its budget is
  its address's.
"""

from __future__ import annotations

import hashlib
import threading
import time

import gradio as gr

from studio.anonymous import address_of, verified_identity
from studio.config import Settings
from studio.secrets import remember
from studio.service import LOCAL, Account, Caller
from studio.ui.compat import http_request, oauth_info

HF_TOKEN_TTL = 600.0  # seconds a token's account is remembered
LOOKUPS_PER_MINUTE = 60  # hub lookups for tokens not seen lately (each blocks its request briefly)
MAX_KNOWN_TOKENS = 10_000


def signed_in_name(request: gr.Request | None) -> str | None:
    """The user's name from Gradio auth, or from Hugging Face OAuth while its token is valid."""
    if request is None:
        return None
    if getattr(request, "username", None):
        return request.username
    info = oauth_info(request)
    expires = info.get("expires_at")
    if not isinstance(expires, (int, float)) or expires < time.time():
        return None
    return (info.get("userinfo") or {}).get("preferred_username") or None


def _hashed(prefix: str, value: str) -> str:
    return prefix + hashlib.sha256(value.encode()).hexdigest()[:24]


class Callers:
    """Who an event's request is: the one place a gr.Request becomes a Caller."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.tokens = TokenAccounts()
        self.own_keys = OwnKeys()  # signed-in users' own provider keys, memory only

    def caller(self, request: gr.Request | None) -> Caller | None:
        """The local user; or, when the studio serves many, the signed-in user or this browser (None: no
        identity at all, e.g. a browser that refuses cookies)."""
        if not self.settings.multi_user:
            return LOCAL
        name = signed_in_name(request) or (self.tokens.name(request) if self.settings.on_space else None)
        if name:
            owner = f"user:{name}"
            return Caller(owner, owner, self.own_keys.get(owner))
        token = verified_identity(http_request(request))
        if not token:
            return None
        peer = getattr(getattr(request, "client", None), "host", None)
        address = address_of(request.headers, peer, self.settings.on_space)
        return Caller(_hashed("anon:", token), _hashed("addr:", address))


class TokenAccounts:
    """Hugging Face tokens of API clients, resolved to account names (whoami), cached by token hash."""

    def __init__(self, ttl: float = HF_TOKEN_TTL, lookups_per_minute: int = LOOKUPS_PER_MINUTE):
        self.ttl = ttl
        self.lookups_per_minute = lookups_per_minute
        self._known: dict[str, tuple[float, str | None]] = {}
        self._lookups: list[float] = []
        self._lock = threading.Lock()

    def name(self, request: gr.Request | None) -> str | None:
        token = _bearer(request)
        if not token or not token.startswith("hf_"):
            return None
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            seen = self._known.get(key)
        now = time.monotonic()
        if seen and now - seen[0] < self.ttl:
            return seen[1]
        with self._lock:  # a stranger sending endless made-up tokens gets a few lookups, then none
            self._lookups = [t for t in self._lookups if now - t < 60]
            if len(self._lookups) >= self.lookups_per_minute:
                return None
            self._lookups.append(now)
        name = _whoami(token)
        with self._lock:
            if len(self._known) >= MAX_KNOWN_TOKENS:
                self._known = {k: v for k, v in self._known.items() if now - v[0] < self.ttl}
            self._known[key] = (now, name)
        return name


def _bearer(request: gr.Request | None) -> str | None:
    try:  # gradio_client sends Client(token=...) as X-HF-Authorization
        value = (request.headers.get("x-hf-authorization") or request.headers.get("authorization")
                 if request is not None else None)
    except AttributeError:
        return None
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


def _whoami(token: str) -> str | None:
    """The account a Hugging Face token belongs to (HF_ENDPOINT is honoured), or None if it is not valid."""
    from huggingface_hub import whoami

    try:
        user = whoami(token=token)
    except Exception:  # an invalid or expired token, or the hub unreachable: no account  # noqa: BLE001
        return None
    return user.get("name") if user.get("type") == "user" else None


class OwnKeys:
    """Signed-in account -> its own provider account (studio.ui.own_key), in this process's memory only."""

    def __init__(self) -> None:
        self._keys: dict[str, Account] = {}
        self._lock = threading.Lock()

    def get(self, owner: str) -> Account | None:
        with self._lock:
            return self._keys.get(owner)

    def put(self, owner: str, account: Account | None) -> None:
        if account is not None:
            remember(account.key)  # never printed in a log from now on
        with self._lock:
            if account is None:
                self._keys.pop(owner, None)
            else:
                self._keys[owner] = account
