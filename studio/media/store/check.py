"""At start: is the bucket there, reachable and writable? One small object is written, read back and
deleted within seconds; a failure is refused in one line naming the variable to change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.errors import StoreError
from studio.media.store.settings import MediaSettings

if TYPE_CHECKING:
    from studio.media.store.bucket import BucketStore

PROBE = b"HappyHorse Studio checks it may write here; this object is deleted at once."


def check_bucket(store: BucketStore, key: str) -> None:
    import obstore

    from studio.media.store.bucket import ObstoreError, open_obstore, store_error

    quick = open_obstore(store.settings, quick=True)
    try:
        obstore.put(quick, key, PROBE)
        kept = obstore.head(quick, key)["size"]
        obstore.delete(quick, key)
    except (ObstoreError, OSError) as e:
        raise ValueError(refusal(store.settings, store_error(e, store.url, "a test write"), store.variable)) from None
    if kept != len(PROBE):
        raise ValueError(f"{store.variable}={store.url}: the bucket kept {kept} of {len(PROBE)} bytes of a test "
                         "write: it is not a bucket the studio can trust with clips; use another.")


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
