"""At start: is the bucket there, reachable and writable? BucketStore.check writes one small object (PROBE),
reads it back and deletes it within seconds; a failure is refused in one line naming the variable to change
(refusal)."""

from __future__ import annotations

from studio.errors import StoreError
from studio.media.store.settings import MediaSettings

PROBE = b"HappyHorse Studio checks it may write here; this object is deleted at once."


def refusal(media: MediaSettings, error: StoreError, variable: str = "STUDIO_MEDIA_URL") -> str:
    """The refusal of a failed test write: the variable to change first, then why (variable: the setting
    that named the bucket, STUDIO_MEDIA_URL at start, --to for media move)."""
    access = media.access
    gcs = media.url.startswith("gs://")
    tail = ", or unset STUDIO_MEDIA_URL to keep media in the data folder." if variable == "STUDIO_MEDIA_URL" else "."
    if error.code == "refused":
        return str(error)  # it names the credentials' variables
    if error.code == "missing":
        return f"{variable}={media.url}: {error}"
    if access.endpoint and not gcs:
        return f"AWS_ENDPOINT_URL={access.endpoint}: {error} Check the address and that the server runs{tail}"
    where = "AWS_REGION" if not gcs else "the network"
    return (f"{variable}={media.url}: {error} Check {where} (or set AWS_ENDPOINT_URL for another S3-compatible "
            f"server){tail}")
