"""Files that arrive as a link or a data: URL instead of an upload: the one door they come through.

    fetch(url, into, kind, label)      an https link, downloaded into the folder `into`
    decode(data_url, into, kind, label) a data: URL (base64), written into `into`
    to_file(value, into, kind, label)  either, by its scheme

A link is a request the studio makes on a stranger's behalf, so under the PUBLIC policy (the only one the
studio itself uses):

- only https links are taken, without a user name or password in them;
- the host is resolved once and EVERY address it resolves to must be public (no loopback, private,
  link-local, carrier-grade NAT, multicast, reserved or unspecified address, and none hidden in an
  IPv4-mapped, 6to4 or Teredo IPv6 address); the connection then goes to the address that was checked
  (the TLS name and the Host header stay the link's), so a second DNS answer cannot switch it;
- a redirect is followed (at most MAX_REDIRECTS) only after its target passes the same checks;
- no proxy from the environment is used (it would decide where the connection goes);
- the body is counted while it streams (after decompression) and refused past the kind's cap
  (KINDS: the same caps as the page's uploads); connect, each read and the whole download time out;
- at most AT_ONCE downloads run at once in the process (a link waits WAIT_FOR_TURN for its turn).

A data: URL is refused by its length before it is decoded, and after decoding by its size. A refused
link or data: URL leaves nothing in `into`: the partial file is removed before the error is raised.
Every error is an InputError (FetchError) whose words say what to change; none names an address the
link resolved to.

Tests that must fetch from a loopback server hand their own Policy to fetch() (or use_policy()); there is
no setting or environment variable that opens the door.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from studio.errors import InputError
from studio.variants import IMAGE_MAX_BYTES, VIDEO_MAX_BYTES

MB = 1024 * 1024
KINDS = {"image": IMAGE_MAX_BYTES, "video": VIDEO_MAX_BYTES}  # the page's upload caps, per kind of input
MAX_REDIRECTS = 3
MAX_LINK = 8192        # characters: a longer link is refused before it is read (and never echoed)
AT_ONCE = 4            # downloads in flight in this process, whoever asked
WAIT_FOR_TURN = 30.0   # seconds a link waits for one of them before it is refused
_turns = threading.BoundedSemaphore(AT_ONCE)
SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".mp4", ".mov"}
TYPE_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/bmp": ".bmp", "image/webp": ".webp",
               "video/mp4": ".mp4", "video/quicktime": ".mov"}
UPLOAD_INSTEAD = "or upload the file instead"

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(InputError):
    """A link or data: URL the studio will not take, in words that say what to change."""


def is_public(ip: IP) -> bool:
    """Whether an address is one anybody on the internet reaches: not this machine, its network or a
    reserved range, including v4 addresses carried inside v6 ones."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and not is_public(inner):
            return False
        if ip.ipv4_mapped:
            return True
    return ip.is_global and not (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


@dataclass(frozen=True)
class Policy:
    """Where a link may lead and how long it may take. PUBLIC is the studio's; tests pass their own."""

    schemes: tuple[str, ...] = ("https",)
    verify: Any = True  # certificates checked against the system's authorities (a test passes its own)
    connect_seconds: float = 10.0
    read_seconds: float = 20.0
    total_seconds: float = 120.0

    def allows(self, ip: IP, port: int) -> bool:
        return is_public(ip)

    def resolve(self, host: str, port: int) -> list[IP]:
        """Every address the host resolves to (an address given as the host is itself)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            return []
        found: list[IP] = []
        for info in infos:
            ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if ip not in found:
                found.append(ip)
        return found


PUBLIC = Policy()
_policy: list[Policy] = [PUBLIC]


def policy() -> Policy:
    return _policy[0]


def use_policy(chosen: Policy) -> None:
    """For a test process only: the policy links follow from now on (the studio never calls this)."""
    _policy[0] = chosen


def to_file(value: str, into: Path, kind: str, label: str, rules: Policy | None = None) -> Path:
    """A link or a data: URL as a file in `into`; FetchError when it is neither or is refused."""
    text = value.strip()
    if text[:5].lower() == "data:":
        return decode(text, into, kind, label)
    if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", text):
        return fetch(text, into, kind, label, rules)
    raise FetchError(f"{label} must be an https link, a data: URL or the path an upload returned.")


def decode(data_url: str, into: Path, kind: str, label: str) -> Path:
    """A base64 data: URL as a file, its length checked before anything is decoded or written."""
    cap = KINDS[kind]
    header, comma, payload = data_url.partition(",")
    if not comma or ";base64" not in header.lower():
        raise FetchError(f"{label}: a data: URL must be base64 (data:image/png;base64,...), {UPLOAD_INSTEAD}.")
    if len(payload) > (cap + 2) // 3 * 4 + 4096:  # a little room for line breaks
        raise FetchError(f"{label} is larger than the {cap // MB} MB a {kind} may be: use a smaller file "
                         "or a link to it.")
    try:
        raw = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise FetchError(f"{label}: the data: URL is not valid base64, {UPLOAD_INSTEAD}.") from None
    if len(raw) > cap:
        raise FetchError(f"{label} is {len(raw) / MB:.1f} MB; a {kind} may be at most {cap // MB} MB: "
                         "use a smaller file.")
    if not raw:
        raise FetchError(f"{label}: the data: URL holds no data.")
    suffix = TYPE_SUFFIX.get(header[5:].split(";", 1)[0].strip().lower(), "")
    path = _new_file(into, label, suffix)
    try:
        path.write_bytes(raw)
    except OSError:
        path.unlink(missing_ok=True)
        raise
    return path


def fetch(url: str, into: Path, kind: str, label: str, rules: Policy | None = None) -> Path:
    """Download a link into `into` under the policy's rules (see the module's doc); FetchError otherwise."""
    rules = rules or policy()
    if len(url) > MAX_LINK:
        raise FetchError(f"The link for {label} is longer than {MAX_LINK} characters: give the file's direct link, "
                         f"{UPLOAD_INSTEAD}.")
    if not _turns.acquire(timeout=WAIT_FOR_TURN):
        raise FetchError(f"The studio is busy fetching other links: try again in a minute, {UPLOAD_INSTEAD}.")
    try:
        return _fetch(url, into, kind, label, rules)
    finally:
        _turns.release()


def _fetch(url: str, into: Path, kind: str, label: str, rules: Policy) -> Path:
    cap = KINDS[kind]
    deadline = time.monotonic() + rules.total_seconds
    with httpx.Client(trust_env=False, follow_redirects=False, verify=rules.verify) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = _checked(url, rules, label)
            try:
                with _send(client, target, rules) as response:
                    if response.is_redirect and response.headers.get("location"):
                        url = urljoin(url, response.headers["location"][:MAX_LINK + 1])
                        if len(url) > MAX_LINK:
                            raise FetchError(f"The link for {label} redirects to a link longer than {MAX_LINK} "
                                             f"characters: give the file's direct link, {UPLOAD_INSTEAD}.")
                        continue
                    return _save(response, url, into, kind, cap, label, deadline)
            except httpx.TimeoutException:
                raise FetchError(f"The link for {label} took too long to answer: try again, use a faster host, "
                                 f"{UPLOAD_INSTEAD}.") from None
            except httpx.HTTPError:
                raise FetchError(f"The link for {label} could not be fetched from {target.shown} (no connection, "
                                 f"or no valid certificate): check the link, {UPLOAD_INSTEAD}.") from None
    raise FetchError(f"The link for {label} redirects more than {MAX_REDIRECTS} times: give the file's "
                     f"direct link, {UPLOAD_INSTEAD}.")


@dataclass(frozen=True)
class _Target:
    url: httpx.URL   # the link with the checked address in place of its host
    host: str        # the link's own host name (TLS name, Host header)
    netloc: str
    shown: str       # the host as an error may show it (cut short)


def _checked(url: str, rules: Policy, label: str) -> _Target:
    """The link, refused unless its scheme is allowed and every address its host resolves to is allowed;
    pinned to the first such address."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError(f"The link for {label} is not a valid link: check it, {UPLOAD_INSTEAD}.") from None
    scheme = parts.scheme.lower()
    if scheme not in rules.schemes:
        raise FetchError(f"The link for {label} must start with https:// ({scheme or 'no scheme'} links are "
                         f"not fetched): give an https link, {UPLOAD_INSTEAD}.")
    if parts.username or parts.password:
        raise FetchError(f"The link for {label} carries a user name or password: give a link that opens "
                         f"without signing in, {UPLOAD_INSTEAD}.")
    host = (parts.hostname or "").rstrip(".")
    shown_host = host if len(host) <= 80 else host[:77] + "..."
    if not host:
        raise FetchError(f"The link for {label} names no host: check it, {UPLOAD_INSTEAD}.")
    port = port or (443 if scheme == "https" else 80)
    addresses = rules.resolve(host, port)
    if not addresses:
        raise FetchError(f"The link for {label} names a host that could not be found ({shown_host}): check it, "
                         f"{UPLOAD_INSTEAD}.")
    if not all(rules.allows(ip, port) for ip in addresses):
        raise FetchError(f"The link for {label} leads to a private, local or reserved network address, which "
                         f"the studio never fetches: give a public https link, {UPLOAD_INSTEAD}.")
    pinned = httpx.URL(url).copy_with(host=str(addresses[0]))
    named = f"[{host}]" if ":" in host else host
    netloc = named if parts.port is None else f"{named}:{parts.port}"
    return _Target(pinned, host, netloc, shown_host)


def _send(client: httpx.Client, target: _Target, rules: Policy):
    timeout = httpx.Timeout(rules.read_seconds, connect=rules.connect_seconds)
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    headers = {"Host": target.netloc, "User-Agent": "HappyHorse-Studio", "Accept": "image/*, video/*, */*"}
    return client.stream("GET", target.url, headers=headers, timeout=timeout, extensions=extensions)


def _save(response: httpx.Response, url: str, into: Path, kind: str, cap: int, label: str,
          deadline: float) -> Path:
    if response.status_code != 200:
        raise FetchError(f"The link for {label} answered HTTP {response.status_code}, not the file: check that "
                         f"it opens in a private browser window without signing in, {UPLOAD_INSTEAD}.")
    too_big = FetchError(f"The file behind the link for {label} is larger than the {cap // MB} MB a {kind} may "
                         "be: use a smaller file.")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise too_big
    path = _new_file(into, label, _suffix(url, response.headers.get("content-type", "")))
    size = 0
    try:
        with path.open("wb") as out:
            for chunk in response.iter_bytes(1 << 16):
                size += len(chunk)
                if size > cap:
                    raise too_big
                if time.monotonic() > deadline:
                    raise FetchError(f"The file behind the link for {label} took too long to download: use a "
                                     f"faster host or a smaller file, {UPLOAD_INSTEAD}.")
                out.write(chunk)
        if not size:
            raise FetchError(f"The link for {label} gave an empty file: check it, {UPLOAD_INSTEAD}.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _suffix(url: str, content_type: str) -> str:
    suffix = os.path.splitext(urlsplit(url).path)[1].lower()
    if suffix in SUFFIXES:
        return suffix
    return TYPE_SUFFIX.get(content_type.split(";", 1)[0].strip().lower(), "")


def _new_file(into: Path, label: str, suffix: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-").lower() or "file"
    return Path(into) / f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"
