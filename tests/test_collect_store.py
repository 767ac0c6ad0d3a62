"""The runner keeps every collected clip through the media store: with STUDIO_MEDIA_URL on a bucket
(moto's S3 server on loopback) the clip and its poster are uploaded whole before the job is done, the
ledger records their bucket locations, and a bucket that will not take them leaves the job
'billed, not collected' (never done, nothing half-written) until a later try gets them in."""

import pytest

from studio import config
from studio.jobs.model import JobState
from studio.media.inspect import probe_video
from studio.service import LOCAL, Studio


@pytest.fixture
def make_studio(tmp_path):
    made = []

    def make(bucket, endpoint=None) -> Studio:
        env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_MEDIA_URL": f"s3://{bucket.name}/studio",
               **bucket.env(endpoint)}
        studio = Studio(config.load(env), time_scale=0.01)
        studio.media.retry_delay = 0.0
        made.append(studio.start())
        return studio

    yield make
    for studio in made:
        studio.close()


def test_a_collected_clip_lives_in_the_bucket_and_the_ledger_says_so(bucket, make_studio, tmp_path):
    studio = make_studio(bucket)
    job = studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt="a lighthouse at dusk", duration=3))
    job = studio.core.wait(LOCAL, job.id, timeout=120)
    assert job.state is JobState.SUCCEEDED, job.error_message
    assert job.output_path == f"s3://{bucket.name}/studio/media/{job.id}.mp4"
    assert job.poster_path == f"s3://{bucket.name}/studio/media/{job.id}.jpg"
    held = bucket.objects("studio/media/")
    assert set(held) == {f"studio/media/{job.id}.mp4", f"studio/media/{job.id}.jpg"} and all(held.values())
    assert not (tmp_path / "data" / "media").exists()  # nothing kept in the data folder
    clip = tmp_path / "from-bucket.mp4"  # what another machine would fetch: a whole, playable clip
    clip.write_bytes(bucket.server.client.get_object(Bucket=bucket.name, Key=f"studio/media/{job.id}.mp4")["Body"].read())
    info = probe_video(clip)
    assert abs(info.duration - 3) < 0.1 and (info.width, info.height) == (job.width, job.height)
    with studio.media.local(job.output_path) as path:  # the uploaded file stayed as the local copy
        assert path.read_bytes() == clip.read_bytes() and path.is_relative_to(tmp_path / "data" / "cache")


def test_a_bucket_that_will_not_take_the_clip_keeps_the_job_uncollected_until_it_does(bucket, proxy, make_studio):
    studio = make_studio(bucket, endpoint=proxy.endpoint)
    proxy.cut_after(4096)  # every upload dies after its first 4 KB
    job = studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt="waves on rocks", duration=3))
    job = studio.core.wait(LOCAL, job.id, timeout=180)
    assert job.state is JobState.UNCOLLECTED and job.error_code == "not_collected", job.error_message
    assert "media bucket did not take it" in job.error_message
    assert job.output_path is None and job.poster_path is None
    assert bucket.objects() == {}  # neither a half clip nor a poster without its clip
    proxy.heal()  # the bucket is back: the runner's next try gets the clip in
    job = studio.core.wait(LOCAL, job.id, timeout=180, until=lambda j: j.state is JobState.SUCCEEDED)
    assert job.state is JobState.SUCCEEDED, job.error_message
    assert job.output_path == f"s3://{bucket.name}/studio/media/{job.id}.mp4"
    assert bucket.objects()[f"studio/media/{job.id}.mp4"] == studio.media.size(job.output_path) > 0
