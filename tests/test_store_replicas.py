"""Replicas on separate machines share only the database and the bucket (#24 items 4 and 5).

Machine A (a studio in this process, its own data folder) makes clips, a frame and an image-to-video
clip from that frame, with STUDIO_DATABASE_URL on a throwaway PostgreSQL and STUDIO_MEDIA_URL on moto's
S3 server on loopback; then A's data folder is deleted, as a machine that is gone. Machine B starts
with an empty data folder on the same database and bucket: its page (`python app.py`, over real HTTP)
lists the clips and plays them through the page's own file route (owner-checked, with HTTP Range); B's
service grabs a clip's last frame, stitches two clips into a storyboard kept in the bucket, makes the
final of the image-to-video clip (its first frame fetched back from the bucket), and deletes a job's
files from the bucket. Another user on B gets no address for A's clip and no file by a guessed one.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from urllib.parse import quote

import httpx
import pytest

from harness.app import start_app, stop_app
from harness.replicas import SECRET, client, identities, owner_of
from studio import config
from studio.chain import StoryShot
from studio.jobs.model import JobState, MadeAs
from studio.media.inspect import inspect_image, probe_video
from studio.service import Caller, Studio
from tests.browser_fixture import OPEN_PAGES
from tests.conftest import wait_until

PREFIX = "studio"


def machine_env(pg_url: str, bucket) -> dict[str, str]:
    return {"STUDIO_DATABASE_URL": pg_url, "STUDIO_MEDIA_URL": f"s3://{bucket.name}/{PREFIX}", **bucket.env(),
            "STUDIO_MULTI_USER": "1", "STUDIO_SECRET": SECRET}


def studio_on(data_dir, env: dict[str, str]) -> Studio:
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(data_dir), **env}), time_scale=0.05)
    studio.media.retry_delay = 0.0
    return studio


def made(studio: Studio, caller: Caller, variant: str, **fields):
    job = studio.core.submit(caller, studio.core.prepare(variant, **fields))
    job = studio.core.wait(caller, job.id, timeout=180, interval=0.05)
    assert job.state is JobState.SUCCEEDED, job.error_message
    return job


def gallery_id(app) -> int:
    """The component id of the page's gallery (whose server function gives a clip's address)."""
    config_ = httpx.get(app.url + "config", timeout=30).json()
    return next(c["id"] for c in config_["components"] if c.get("props", {}).get("elem_id") == "hh-gallery")


def clip_url(app, token: str, job_id: str) -> str | None:
    """What the page asks when a tile is hovered: the address of one of the caller's clips, or None."""
    answer = httpx.post(app.url + "gradio_api/component_server",
                        json={"session_hash": uuid.uuid4().hex[:11], "component_id": gallery_id(app),
                              "fn_name": "clip_url", "data": job_id},
                        cookies={"happyhorse_studio_id": token}, timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.json()


def fetch(app, token: str, address: str, **headers) -> httpx.Response:
    return httpx.get(app.url + address, cookies={"happyhorse_studio_id": token}, headers=headers, timeout=60)


def in_bucket(bucket, key: str) -> bytes:
    return bucket.server.client.get_object(Bucket=bucket.name, Key=f"{PREFIX}/{key}")["Body"].read()


@pytest.fixture
def machines(pg_url, bucket, tmp_path):
    """Machine A's clips, made and kept in the bucket, then A's disk gone; B's empty data folder and env."""
    env = machine_env(pg_url, bucket)
    mine, other = identities(2)
    x = Caller.of(owner_of(mine))
    a = studio_on(tmp_path / "a", env).start()
    try:
        one = made(a, x, "t2v", prompt="a red kite over a beach", duration=3)
        two = made(a, x, "t2v", prompt="a blue boat on a lake", duration=3)
        frame = a.chain.grab_frame(x, one.id)
        moved = made(a, x, "i2v", prompt="the kite climbs", first_frame=str(frame), duration=3)
    finally:
        a.close()
    shutil.rmtree(tmp_path / "a")  # machine A is gone, and its disk with it
    return {"env": env, "x": x, "mine": mine, "other": other, "one": one, "two": two, "moved": moved,
            "b_data": tmp_path / "b" / "data"}


def test_a_clip_made_on_one_machine_is_in_the_bucket_whole(machines, bucket):
    one, moved = machines["one"], machines["moved"]
    held = bucket.objects(f"{PREFIX}/")
    for job in (one, machines["two"], moved):
        assert job.output_path == f"s3://{bucket.name}/{PREFIX}/media/{job.id}.mp4"
        assert held[f"{PREFIX}/media/{job.id}.mp4"] > 0 and held[f"{PREFIX}/media/{job.id}.jpg"] > 0
    # the image-to-video clip's first frame, a kept input, is in the bucket too, under its content's name
    first_frame = moved.request.first_frame.rsplit("/", 1)[-1]
    assert held[f"{PREFIX}/inputs/{first_frame}"] > 0
    assert moved.parent_id == one.id and moved.made_as is MadeAs.FRAME


def test_a_second_machine_with_an_empty_folder_lists_plays_frames_and_stitches_them(machines, bucket, browser):
    env, x, mine, other = machines["env"], machines["x"], machines["mine"], machines["other"]
    one, two, moved = machines["one"], machines["two"], machines["moved"]
    b_data = machines["b_data"]
    app = start_app(b_data, env)  # machine B: an empty data folder, the same database and bucket
    try:
        assert not (b_data / "media").exists()
        listed = {r["id"] for r in client(app, mine).predict(50, api_name="/list_jobs")}
        assert {one.id, two.id, moved.id} <= listed

        # plays: the page's file route gives the clip, whole and by range, as the bucket holds it
        address = clip_url(app, mine, one.id)
        assert address and address.startswith("gradio_api/file=")
        whole = fetch(app, mine, address)
        assert whole.status_code == 200 and whole.content == in_bucket(bucket, f"media/{one.id}.mp4")
        part = fetch(app, mine, address, Range="bytes=100-1123")
        assert part.status_code == 206 and part.content == whole.content[100:1124]

        # another user on B: no address, no record, no file by a guessed address
        assert clip_url(app, other, one.id) is None
        assert one.id not in {r["id"] for r in client(app, other).predict(50, api_name="/list_jobs")}
        with pytest.raises(Exception, match="No job"):
            client(app, other).predict(one.id, api_name="/job_status")
        digest = hashlib.sha256(f"s3://{bucket.name}/{PREFIX}".encode()).hexdigest()[:12]
        cached = b_data / "cache" / digest / "media" / f"{one.id}.mp4"
        assert cached.is_file()  # B fetched it into its bounded cache to serve it
        for guess in (str(cached), one.output_path, f"{b_data}/media/{one.id}.mp4"):
            answer = fetch(app, other, "gradio_api/file=" + quote(guess))
            assert answer.status_code in (403, 404), (guess, answer.status_code)
            assert answer.content != whole.content

        # the page in a browser: the tile's poster shows, the clip opens in the player and loads
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        OPEN_PAGES.append(page)
        page.context.add_cookies([{"name": "happyhorse_studio_id", "value": mine, "url": app.url}])
        page.goto(app.url)
        tile = page.locator(f"#hh-gallery .hh-tile[data-id='{one.id}']")
        tile.wait_for(timeout=60000)
        page.wait_for_function("id => { const i = document.querySelector(`#hh-gallery .hh-tile[data-id='${id}'] img`);"
                               " return i && i.complete && i.naturalWidth > 0; }", arg=one.id, timeout=60000)
        tile.click()
        page.wait_for_function("() => { const v = document.querySelector('#hh-player video');"
                               " return v && v.readyState >= 1 && v.duration > 2.5; }", timeout=60000)
        page.close()

        # B's own work on A's clips (B's service, as its CLI runs it, on B's empty folder)
        b = studio_on(b_data, env).start(resume=False)
        try:
            frame = b.chain.grab_frame(x, one.id)  # the last frame
            assert frame.is_relative_to(b_data)
            picture = inspect_image(frame)
            assert (picture.width, picture.height) == (one.width, one.height)

            board = b.chain.stitch(x, [StoryShot(one.id), StoryShot(two.id, 0.0, 2.0)])
            assert board.state is JobState.SUCCEEDED, board.error_message
            assert board.output_path == f"s3://{bucket.name}/{PREFIX}/media/{board.id}.mp4"
            assert not (b_data / "media").exists()  # kept in the bucket, not on B's disk
            with b.media.local(board.output_path) as joined:
                assert abs(probe_video(joined).duration - 5.0) < 0.15

            offer = b.chain.offer_final(x, moved.id)  # its first frame comes back from the bucket
            assert offer.prepared.request.first_frame.startswith(str(b_data / "inputs"))
            (final,) = b.chain.send(x, offer)
            final = b.core.wait(x, final.id, timeout=180, interval=0.05)
            assert final.state is JobState.SUCCEEDED, final.error_message
            assert final.request.resolution == "1080P" and final.seed == moved.seed
            assert f"{PREFIX}/media/{final.id}.mp4" in bucket.objects(f"{PREFIX}/media/")

            # the storyboard B made plays from B's page too
            address = wait_until(lambda: clip_url(app, mine, board.id), what="the storyboard's address")
            assert fetch(app, mine, address).content == in_bucket(bucket, f"media/{board.id}.mp4")

            # deleting a job from the gallery removes its clip and poster from the bucket
            b.gallery.delete(x, board.id)
            left = bucket.objects(f"{PREFIX}/media/")
            assert f"{PREFIX}/media/{board.id}.mp4" not in left and f"{PREFIX}/media/{board.id}.jpg" not in left
            assert f"{PREFIX}/media/{one.id}.mp4" in left
        finally:
            b.close()
    finally:
        stop_app(app)


def test_a_job_queued_by_a_machine_that_died_runs_on_another_with_its_inputs_from_the_bucket(pg_url, bucket,
                                                                                               tmp_path):
    env = machine_env(pg_url, bucket)
    x = Caller.of(owner_of(identities(1)[0]))
    a = studio_on(tmp_path / "a", env).start()
    try:
        clip = made(a, x, "t2v", prompt="a grey horse in the snow", duration=3)
        frame = a.chain.grab_frame(x, clip.id)
    finally:
        a.close()
    a = studio_on(tmp_path / "a", env)  # machine A queues an image-to-video job and dies before sending it
    queued = a.core.submit(x, a.core.prepare("i2v", prompt="the horse turns", first_frame=str(frame), duration=3))
    assert queued.state is JobState.QUEUED
    shutil.rmtree(tmp_path / "a")
    b = studio_on(tmp_path / "b", env).start()  # B resumes every unfinished job, this one on A's first frame
    try:
        done = b.core.wait(x, queued.id, timeout=180, interval=0.05)
        assert done.state is JobState.SUCCEEDED, done.error_message
        assert f"{PREFIX}/media/{queued.id}.mp4" in bucket.objects(f"{PREFIX}/media/")
        name = queued.request.first_frame.rsplit("/", 1)[-1]
        assert in_bucket(bucket, f"inputs/{name}")  # sent from the bucket's copy, held in B's bounded cache
        assert not (tmp_path / "b" / "inputs" / name).exists()  # and never copied into B's inputs for good
    finally:
        b.close()
