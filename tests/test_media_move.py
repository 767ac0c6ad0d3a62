"""python -m studio media move --to s3://...: the data folder's clips and posters go into the bucket (moto's
S3 server on loopback), the ledger's locations follow (SQLite and PostgreSQL), local copies go only once
the bucket holds them whole, and a move cut short resumes where it stopped, skipping what is there."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio import variants as v
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job, JobState
from studio.media.store import FolderStore, open_store
from studio.media.store.move import move_media
from tests.s3_fixture import SECRET

ROOT = Path(__file__).resolve().parents[1]
KB = 1024


def seed(ledger: Ledger, data_dir: Path, sizes: dict[str, int]) -> dict[str, Job]:
    """Succeeded jobs whose clip (sizes[id] bytes) and poster are files in data_dir/media."""
    media = data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    jobs = {}
    for n, (job_id, size) in enumerate(sizes.items()):
        clip, poster = media / f"{job_id}.mp4", media / f"{job_id}.jpg"
        clip.write_bytes(os.urandom(size))
        poster.write_bytes(os.urandom(3 * KB + n))
        job = Job(id=job_id, owner="local", request=v.build("t2v", prompt=f"shot {n}"), backend="preview",
                  state=JobState.SUCCEEDED, output_path=str(clip), poster_path=str(poster), created_at=1000.0 + n)
        jobs[job_id] = ledger.add(job)
    return jobs


def bucket_store(bucket, data_dir, endpoint=None, prefix=""):
    target = open_store(bucket.settings(prefix=prefix, endpoint=endpoint), data_dir)
    target.retry_delay = 0.0
    return target


def test_a_move_puts_every_clip_in_the_bucket_and_the_ledger_follows(ledger_location, bucket, tmp_path):
    data_dir = tmp_path / "data"
    ledger = Ledger(ledger_location)
    jobs = seed(ledger, data_dir, {"a1": 200 * KB, "b2": 90 * KB, "c3": 3 * KB, "gone": 10 * KB, "del": 5 * KB})
    Path(jobs["gone"].output_path).unlink()         # a clip lost by hand: reported, its job left as it is
    ledger.update("del", deleted_at=time.time())    # deleted from the gallery: its row is not rewritten
    (data_dir / "media" / "stray.mp4").write_bytes(b"x" * 700)    # no job names it: kept in the bucket too
    (data_dir / "media" / ".c9.part.mp4").write_bytes(b"partial")  # a collect in progress: never moved
    sizes = {p.name: p.stat().st_size for p in (data_dir / "media").iterdir() if not p.name.startswith(".")}
    target = bucket_store(bucket, data_dir, prefix="studio")

    moved = move_media(ledger.locations, FolderStore(data_dir), target)

    assert bucket.objects() == {f"studio/media/{name}": size for name, size in sizes.items()}
    assert moved.uploaded == len(sizes) and moved.already == 0 and not moved.failed
    assert moved.missing == [f"job gone: {jobs['gone'].output_path}"] and not moved.complete
    for job_id in ("a1", "b2", "c3"):
        job = ledger.get(job_id)
        assert job.output_path == f"s3://{bucket.name}/studio/media/{job_id}.mp4"
        assert job.poster_path == f"s3://{bucket.name}/studio/media/{job_id}.jpg"
        assert target.size(job.output_path) == sizes[f"{job_id}.mp4"]
    gone = ledger.get("gone")
    assert gone.output_path == jobs["gone"].output_path and gone.poster_path.startswith("s3://")
    assert ledger.get("del").output_path == jobs["del"].output_path  # the hidden row keeps what it had
    assert moved.relocated == 7  # three clips and four posters
    assert sorted(p.name for p in (data_dir / "media").iterdir()) == [".c9.part.mp4"]  # the rest is in the bucket


def test_a_move_cut_short_resumes_and_skips_what_the_bucket_holds_whole(bucket, proxy, tmp_path):
    data_dir = tmp_path / "data"
    ledger = Ledger(data_dir / "ledger.sqlite3")
    seed(ledger, data_dir, {"s1": 20 * KB, "s2": 30 * KB, "big1": 3 * 2**20, "big2": 3 * 2**20, "big3": 3 * 2**20})
    source = FolderStore(data_dir)
    proxy.cut_after(2**20)  # the network dies under anything larger than 1 MB
    first = move_media(ledger.locations, source, bucket_store(bucket, data_dir, endpoint=proxy.endpoint))
    assert sorted(f.split(":")[0] for f in first.failed) == ["media/big1.mp4", "media/big2.mp4", "media/big3.mp4"]
    for job_id in ("big1", "big2", "big3"):  # not in the bucket: the job still names its local clip, still there
        job = ledger.get(job_id)
        assert job.output_path == str(data_dir / "media" / f"{job_id}.mp4") and Path(job.output_path).exists()
        assert job.poster_path.startswith("s3://")  # its small poster did go
    assert ledger.get("s1").output_path.startswith("s3://") and not (data_dir / "media" / "s1.mp4").exists()
    # As if an earlier run had uploaded big1 and died before the ledger changed; big2 is in the bucket with
    # other bytes (a size that does not match is never trusted).
    client = bucket.server.client
    client.put_object(Bucket=bucket.name, Key="media/big1.mp4", Body=(data_dir / "media" / "big1.mp4").read_bytes())
    client.put_object(Bucket=bucket.name, Key="media/big2.mp4", Body=b"not the clip")
    proxy.heal()

    again = move_media(ledger.locations, source, bucket_store(bucket, data_dir, endpoint=proxy.endpoint))
    assert again.complete and again.already == 1 and again.uploaded == 2  # big1 skipped; big2 and big3 sent
    assert again.relocated == 3 and again.deleted == 3
    objects = bucket.objects("media/")
    assert objects["media/big2.mp4"] == 3 * 2**20 and objects["media/big1.mp4"] == 3 * 2**20
    assert all(ledger.get(j).output_path.startswith("s3://") for j in ("s1", "s2", "big1", "big2", "big3"))
    assert not list((data_dir / "media").iterdir())
    third = move_media(ledger.locations, source, bucket_store(bucket, data_dir))
    assert third.complete and (third.uploaded, third.relocated, third.deleted) == (0, 0, 0)


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {k: val for k, val in os.environ.items() if not k.startswith(("AWS_", "STUDIO_"))}
    return subprocess.run([sys.executable, "-m", "studio", "media", "move", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**base, **env})


def test_the_command_moves_then_finds_nothing_left_to_move(bucket, tmp_path):
    data_dir = tmp_path / "data"
    seed(Ledger(data_dir / "ledger.sqlite3"), data_dir, {"k1": 40 * KB, "k2": 50 * KB})
    first_frame = data_dir / "inputs" / ("ab" * 12 + ".png")  # a kept input: copied, and left where jobs name it
    first_frame.parent.mkdir()
    first_frame.write_bytes(os.urandom(5 * KB))
    env = {"STUDIO_DATA_DIR": str(data_dir), **bucket.env()}
    kept = cli(env, "--to", f"s3://{bucket.name}/studio", "--keep")
    assert kept.returncode == 0, kept.stderr
    assert "uploaded 4 file(s)" in kept.stdout and "kept 4 local copies (--keep)" in kept.stdout
    assert "copied 1 kept input(s)" in kept.stdout
    assert bucket.objects("studio/inputs/") == {f"studio/inputs/{first_frame.name}": 5 * KB}
    assert len(list((data_dir / "media").iterdir())) == 4  # left in place, as asked
    done = cli(env, "--to", f"s3://{bucket.name}/studio")
    assert done.returncode == 0, done.stderr
    assert "uploaded 0 file(s)" in done.stdout and "4 were there already" in done.stdout
    assert "deleted 4 local copies" in done.stdout and not list((data_dir / "media").iterdir())
    assert "copied 0 kept input(s)" in done.stdout and "1 were there already" in done.stdout
    assert first_frame.is_file()
    assert f"STUDIO_MEDIA_URL=s3://{bucket.name}/studio" in done.stdout
    assert SECRET not in kept.stdout + kept.stderr + done.stdout + done.stderr
    assert Ledger(data_dir / "ledger.sqlite3").get("k1").output_path == f"s3://{bucket.name}/studio/media/k1.mp4"


@pytest.mark.parametrize("to, words", [
    ("ftp://clips", "--to='ftp://clips' is not a place for media"),
    ("/tmp/elsewhere", "give a bucket"),
    ("s3://no-such-bucket", "--to=s3://no-such-bucket: There is no bucket no-such-bucket"),
])
def test_the_command_refuses_a_target_it_cannot_use(bucket, tmp_path, to, words):
    proc = cli({"STUDIO_DATA_DIR": str(tmp_path / "data"), **bucket.env()}, "--to", to)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr
