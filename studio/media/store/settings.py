"""Where kept media live, read from the environment (studio.config calls from_env).

  STUDIO_MEDIA_URL       s3://bucket/prefix, gs://bucket/prefix, or a folder; unset: the data folder
  AWS_ENDPOINT_URL       an S3-compatible server (R2, MinIO, a Hugging Face bucket's S3 interface,
                         GCS's interoperability endpoint); unset: AWS itself
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the bucket's credentials (both or neither; a secret)
  AWS_REGION             the bucket's region (default us-east-1; R2 takes auto)
  AWS_ALLOW_HTTP         true to speak plain http:// to AWS_ENDPOINT_URL (a test server on this machine)
  STUDIO_MEDIA_CACHE_MB  the local copy of bucket media kept for frame grabs and stitching (default 2048)

Parsing only: no network and no import of the bucket library, so reading settings stays cheap. A bad
value is refused with a ValueError of one line naming the variable; a secret is never echoed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BUCKET_SCHEMES = ("s3", "gs")
DEFAULT_CACHE_MB = 2048
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]$")  # S3 and GCS bucket names, lower case
_REGION = re.compile(r"^[a-z0-9][a-z0-9\-]{0,40}$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class BucketAccess:
    """How to reach an S3-compatible bucket (the AWS_* variables); never shown or logged."""

    endpoint: str | None = None
    region: str | None = None
    allow_http: bool = False
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MediaSettings:
    url: str | None = None  # s3://bucket[/prefix], gs://bucket[/prefix], an absolute folder; None: the data folder
    access: BucketAccess = field(default_factory=BucketAccess, repr=False)
    cache_bytes: int = DEFAULT_CACHE_MB * 2**20

    @property
    def in_bucket(self) -> bool:
        return bool(self.url) and self.url.split("://", 1)[0] in BUCKET_SCHEMES

    def folder(self, data_dir: Path) -> Path:
        """The folder kept media live in when they are not in a bucket."""
        return Path(self.url) if self.url and not self.in_bucket else Path(data_dir)


def from_env(get: Callable[[str], str | None]) -> MediaSettings:
    """The media settings from the environment (`get` returns a stripped value or None)."""
    url = media_url(get("STUDIO_MEDIA_URL"), "STUDIO_MEDIA_URL")
    return MediaSettings(url=url, access=bucket_access(get) if url and "://" in url else BucketAccess(),
                         cache_bytes=_cache_mb(get("STUDIO_MEDIA_CACHE_MB")) * 2**20)


def media_url(raw: str | None, variable: str) -> str | None:
    """A media URL in its one spelling: s3://bucket/prefix (no trailing slash), or an absolute folder."""
    if raw is None:
        return None
    if raw.startswith("file://"):
        raw = raw.removeprefix("file://")
    if "://" not in raw:
        return str(Path(raw).expanduser().resolve())
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in BUCKET_SCHEMES:
        raise ValueError(f"{variable}={raw!r} is not a place for media: use s3://bucket/prefix, gs://bucket/prefix "
                         "or a folder path, or leave it unset to keep media in the data folder.")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{variable} must be {scheme}://bucket/prefix with nothing else in it (credentials "
                         "go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).")
    bucket = parts.netloc
    if not _BUCKET.match(bucket):
        raise ValueError(f"{variable}={scheme}://{bucket}: {bucket!r} is not a bucket name (3 to 63 lower-case "
                         "letters, digits, dots and dashes): correct the bucket name.")
    prefix = "/".join(p for p in parts.path.split("/") if p)
    if any(p in (".", "..") for p in prefix.split("/")):
        raise ValueError(f"{variable}={raw!r}: the prefix may not contain '.' or '..': write the folder plainly.")
    return f"{scheme}://{bucket}" + (f"/{prefix}" if prefix else "")


def bucket_access(get: Callable[[str], str | None]) -> BucketAccess:
    endpoint = get("AWS_ENDPOINT_URL")
    allow_http = _flag(get("AWS_ALLOW_HTTP"), "AWS_ALLOW_HTTP")
    if endpoint is not None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise ValueError("AWS_ENDPOINT_URL must be the server's address, e.g. https://<account>.r2."
                             "cloudflarestorage.com or http://127.0.0.1:9000 (no credentials in it).")
        if parts.scheme == "http" and not allow_http:
            raise ValueError(f"AWS_ENDPOINT_URL={endpoint} is plain http: set AWS_ALLOW_HTTP=true for a test "
                             "server on this machine, or use the server's https:// address.")
        endpoint = endpoint.rstrip("/")
    region = get("AWS_REGION")
    if region is not None and not _REGION.match(region):
        raise ValueError(f"AWS_REGION={region!r} is not a region name: write e.g. us-east-1 (or auto for R2).")
    key_id, secret = get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
    if (key_id is None) != (secret is None):
        missing = "AWS_SECRET_ACCESS_KEY" if secret is None else "AWS_ACCESS_KEY_ID"
        raise ValueError(f"{missing} is not set but its pair is: set both AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY, or neither (to use the machine's own credentials).")
    return BucketAccess(endpoint, region, allow_http, key_id, secret)


def _flag(raw: str | None, variable: str) -> bool:
    if raw is None:
        return False
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValueError(f"{variable}={raw!r} must be true or false.")


def _cache_mb(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_CACHE_MB
    if not raw.isdigit() or not 64 <= int(raw) <= 10**7:
        raise ValueError(f"STUDIO_MEDIA_CACHE_MB={raw!r} must be a whole number of megabytes, 64 or more "
                         "(room for a few clips).")
    return int(raw)
