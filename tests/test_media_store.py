"""The media store: the data folder and an S3 bucket (moto's server on loopback, reached over real HTTP
by obstore) behind one interface. Writes are whole or absent, large files go up in parts, a cut
upload is tried again, a killed one leaves nothing, and the local cache stays within its bound."""

import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from studio.errors import StoreError
from studio.media.store import FolderStore, open_store
from tests.s3_fixture import SECRET
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20


def data(path: Path, size: int, seed: int = 1) -> Path:
    """A file of `size` bytes whose content differs per seed (so a mix-up would show)."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MB // 32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for _ in range(size // MB):
            f.write(block)
        f.write(block[: size % MB])
    return path


def sha(path_or_bytes) -> str:
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return hashlib.sha256(raw).hexdigest()


def store_for(bucket, tmp_path, **kw):
    store = open_store(bucket.settings(**kw), tmp_path / "data")
    store.retry_delay = 0.0
    return store


def test_the_folder_store_keeps_files_where_the_studio_always_did(tmp_path):
    data_dir = tmp_path / "data"
    store = FolderStore(data_dir)
    src = data(tmp_path / "clip.mp4", 3 * MB + 5)
    digest = sha(src)
    kept = store.put("media/ab12.mp4", src, take=True)
    assert kept.location == str(data_dir / "media" / "ab12.mp4") and kept.size == 3 * MB + 5
    assert not src.exists() and sha(kept.location) == digest  # taken: a rename, nothing copied
    assert store.key_of(kept.location) == "media/ab12.mp4" and store.size(kept.location) == 3 * MB + 5
    assert b"".join(store.read(kept.location, 10, 20)) == Path(kept.location).read_bytes()[10:20]
    with store.local(kept.location) as path:
        assert path == data_dir / "media" / "ab12.mp4"
    copy = data(tmp_path / "poster.jpg", 1000, seed=2)
    store.put("media/ab12.jpg", copy)
    assert copy.exists()  # not taken: copied, the caller's file left alone
    assert [(e.key, e.size) for e in store.list("media/")] == [("media/ab12.jpg", 1000),
                                                               ("media/ab12.mp4", 3 * MB + 5)]
    assert not [p for p in (data_dir / "media").iterdir() if p.name.startswith(".")]  # no temporary left
    store.delete(kept.location)
    assert store.size(kept.location) is None and not store.exists(kept.location)
    with pytest.raises(StoreError, match="gone"):
        list(store.read(kept.location))
    with pytest.raises(StoreError, match="STUDIO_MEDIA_URL"):
        store.size("s3://elsewhere/media/ab12.mp4")


def test_a_bucket_keeps_a_file_and_gives_it_back_every_way(bucket, tmp_path):
    store = store_for(bucket, tmp_path, prefix="studio/one")
    src = data(tmp_path / "clip.mp4", 2 * MB + 7)
    kept = store.put("media/c0ffee.mp4", src)
    assert kept.location == f"s3://{bucket.name}/studio/one/media/c0ffee.mp4"
    assert bucket.objects() == {"studio/one/media/c0ffee.mp4": 2 * MB + 7}  # as the server itself lists it
    assert store.size(kept.location) == 2 * MB + 7 and store.key_of(kept.location) == "media/c0ffee.mp4"
    raw = src.read_bytes()
    assert b"".join(store.read(kept.location)) == raw
    assert b"".join(store.read(kept.location, MB - 3, MB + 9)) == raw[MB - 3: MB + 9]
    with store.local(kept.location) as path:
        assert sha(path) == sha(raw) and path.name == "c0ffee.mp4"
    assert [(e.key, e.size) for e in store.list("media/")] == [("media/c0ffee.mp4", 2 * MB + 7)]
    url = store.signed_url(kept.location, 60)
    assert url and "X-Amz-Signature" in url
    assert sha(httpx.get(url, timeout=30).content) == sha(raw)  # a browser could fetch it directly
    store.delete(kept.location)
    assert bucket.objects() == {} and store.size(kept.location) is None
    with pytest.raises(StoreError, match="not in"):
        list(store.read(kept.location))


def test_a_bucket_still_reads_rows_written_before_it(bucket, tmp_path):
    """A job collected into the data folder before STUDIO_MEDIA_URL was set keeps its absolute path."""
    store = store_for(bucket, tmp_path)
    old = data(tmp_path / "data" / "media" / "01d.mp4", 4096)
    assert store.size(str(old)) == 4096 and b"".join(store.read(str(old))) == old.read_bytes()
    with store.local(str(old)) as path:
        assert path == old
    with pytest.raises(StoreError, match="STUDIO_MEDIA_URL"):
        store.size("s3://another-bucket/media/01d.mp4")


def test_a_large_file_goes_up_in_parts_and_arrives_whole(bucket, tmp_path):
    store = store_for(bucket, tmp_path)
    src = data(tmp_path / "long.mp4", 21 * MB + 11, seed=3)
    kept = store.put("media/big.mp4", src)
    head = bucket.server.client.head_object(Bucket=bucket.name, Key="media/big.mp4")
    assert head["ContentLength"] == 21 * MB + 11
    assert head["ETag"].strip('"').endswith("-3")  # S3's multipart ETag: three 8 MB parts
    body = bucket.server.client.get_object(Bucket=bucket.name, Key="media/big.mp4")["Body"].read()
    assert sha(body) == sha(src) and kept.size == len(body)


def test_an_upload_cut_mid_way_is_sent_again_and_lands_whole(bucket, proxy, tmp_path):
    store = store_for(bucket, tmp_path, endpoint=proxy.endpoint)
    src = data(tmp_path / "clip.mp4", 18 * MB, seed=4)
    proxy.cut_after(3 * MB, times=2)  # two connections die in the middle of a part
    kept = store.put("media/cut.mp4", src)
    assert proxy.cuts == 2
    body = bucket.server.client.get_object(Bucket=bucket.name, Key="media/cut.mp4")["Body"].read()
    assert sha(body) == sha(src) and kept.size == 18 * MB


@pytest.mark.parametrize("size", [3 * MB, 12 * MB], ids=["one request", "in parts"])
def test_an_upload_that_never_gets_through_leaves_nothing_in_the_bucket(bucket, proxy, tmp_path, size, caplog):
    caplog.set_level(logging.DEBUG)
    store = store_for(bucket, tmp_path, endpoint=proxy.endpoint)
    src = data(tmp_path / "clip.mp4", size, seed=5)
    proxy.cut_after(MB)  # every connection dies after 1 MB of its request
    with pytest.raises(StoreError) as refused:
        store.put("media/never.mp4", src)
    assert refused.value.code == "unreachable" and "did not answer" in str(refused.value)
    assert proxy.cuts >= 3
    proxy.heal()
    assert bucket.objects() == {}  # no half object at the key, nor anywhere else
    assert not bucket.server.client.list_multipart_uploads(Bucket=bucket.name).get("Uploads")  # parts aborted
    assert "try 1 of 3 failed" in caplog.text and SECRET not in caplog.text + str(refused.value)
    assert store.size(store.location("media/never.mp4")) is None


UPLOADER = """
import sys
from pathlib import Path
from studio.media.store import open_store
from studio.media.store.settings import BucketAccess, MediaSettings
url, endpoint, src, data_dir = sys.argv[1:]
access = BucketAccess(endpoint=endpoint, region="us-east-1", allow_http=True,
                      access_key_id="studio-test-key", secret_access_key="studio-test-secret-never-shown")
open_store(MediaSettings(url=url, access=access), Path(data_dir)).put("media/killed.mp4", Path(src))
print("uploaded")
"""


def test_a_process_killed_mid_upload_leaves_no_object(bucket, proxy, tmp_path):
    src = data(tmp_path / "clip.mp4", 30 * MB, seed=6)
    proxy.stall_after(10 * MB)  # the upload hangs a third of the way through
    proc = subprocess.Popen([sys.executable, "-c", UPLOADER, f"s3://{bucket.name}", proxy.endpoint, str(src),
                             str(tmp_path / "data")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: proxy.sent >= 10 * MB or proc.poll() is not None, 60, "a third of the upload sent")
        assert proxy.sent >= 10 * MB, proc.stderr.read() if proc.poll() is not None else "upload never started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    proxy.close()  # the server sees its connections end mid-request
    time.sleep(0.5)
    assert bucket.objects() == {}


def test_a_cache_opening_sweeps_what_killed_processes_left_half_made_and_counts_what_is_in_the_making(tmp_path):
    from studio.media.store.cache import INCOMING, STALE_SECONDS, LocalCache

    incoming = tmp_path / "cache" / INCOMING
    left = [data(incoming / name, MB, seed=i) for i, name in
            enumerate((".abc123.part.mp4", "tmpq1w2e3.part", "f00d.mp4", ".f00d.poster.jpg"))]  # collect, fetch, stitch
    long_ago = time.time() - STALE_SECONDS - 60
    for path in left:
        os.utime(path, (long_ago, long_ago))
    running = data(incoming / ".beef.part.mp4", MB, seed=9)  # another process's collect, still writing
    kept = data(tmp_path / "cache" / "media" / "old.mp4", MB, seed=8)
    cache = LocalCache(tmp_path / "cache", 2 * MB, grace=0.0)
    assert cache.swept == 4 and not any(p.exists() for p in left)
    assert running.exists() and kept.exists()
    assert cache.held() == 2 * MB  # the file in the making counts against the bound
    data(tmp_path / "cache" / "media" / "new.mp4", MB, seed=7)
    cache.evict()
    assert running.exists() and not kept.exists()  # never evicted in the making; a cached copy gives way
    assert cache.held() == 2 * MB


def test_the_cache_holds_to_its_bound_and_keeps_what_is_in_use(bucket, tmp_path):
    store = store_for(bucket, tmp_path, cache_bytes=3 * MB)
    store.cache.grace = 0.0  # only files in use are spared (other processes' recent use counts in real life)
    locations = [store.put(f"media/{i}.mp4", data(tmp_path / f"{i}.mp4", MB, seed=10 + i)).location
                 for i in range(5)]
    cached = [store.cache.path(f"media/{i}.mp4") for i in range(5)]
    assert store.cache.held() == 0  # put without take leaves the cache alone
    for loc in locations[:3]:
        with store.local(loc):
            time.sleep(0.01)  # distinct use times
    assert all(p.exists() for p in cached[:3]) and store.cache.held() == 3 * MB
    with store.local(locations[0]) as first:  # used again: now the most recent
        inode = first.stat().st_ino
    with store.local(locations[3]):
        pass
    assert not cached[1].exists() and cached[0].exists() and store.cache.held() <= 3 * MB  # oldest use went
    assert cached[0].stat().st_ino == inode  # a cached file is used again, not fetched again
    with store.local(locations[4]) as in_use:
        for loc in locations[:4]:
            with store.local(loc) as path:
                assert sha(path) == sha(tmp_path / f"{locations.index(loc)}.mp4")
        assert in_use.exists()  # never evicted while in use
    assert store.cache.held() <= 3 * MB
