"""Reading kept files without a shared disk (#24 item 4), store by store: fetch() gives a local path to
hand on (a folder's own file, a bucket's copy in the bounded cache) or None, and kept inputs go to a
bucket too and come back on a machine that never had them. Against moto's S3 server on loopback."""

import asyncio
import logging
import shutil
from pathlib import Path

from PIL import Image

from studio.inputs import InputStore
from studio.media.store import FolderStore, open_store
from studio.variants import build


def bucket_store(bucket, data_dir: Path, **kw):
    store = open_store(bucket.settings(**kw), data_dir)
    store.retry_delay = 0.0
    return store


def picture(path: Path, colour=(200, 90, 40)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (640, 360), colour).save(path)
    return path


def test_a_folder_hands_on_its_own_file_and_nothing_for_a_missing_one(tmp_path):
    store = FolderStore(tmp_path / "data")
    kept = store.put("media/a.jpg", picture(tmp_path / "a.jpg"))
    assert store.fetch(kept.location) == Path(kept.location)
    assert store.fetch(str(tmp_path / "data" / "media" / "gone.jpg")) is None
    assert store.fetch(None) is None
    assert store.fetch("s3://elsewhere/media/a.jpg") is None  # a bucket's clip on a folder studio: not here


def test_a_bucket_hands_on_a_cached_copy_fetched_on_another_machine(bucket, tmp_path):
    made_on_a = bucket_store(bucket, tmp_path / "a")
    kept = made_on_a.put("media/a.jpg", picture(tmp_path / "a.jpg"))
    on_b = bucket_store(bucket, tmp_path / "b")  # another machine: an empty folder, the same bucket
    got = on_b.fetch(kept.location)
    assert got is not None and got.is_relative_to(tmp_path / "b" / "cache")
    assert got.read_bytes() == (tmp_path / "a.jpg").read_bytes()
    assert on_b.fetch(on_b.location("media/never-made.jpg")) is None


def test_a_bucket_that_does_not_answer_hands_on_nothing_and_says_so_in_the_log(bucket, proxy, tmp_path, caplog):
    kept = bucket_store(bucket, tmp_path / "a").put("media/a.jpg", picture(tmp_path / "a.jpg"))
    cut_off = bucket_store(bucket, tmp_path / "b", endpoint=proxy.endpoint)
    proxy.close()
    with caplog.at_level(logging.WARNING, logger="studio.media"):
        assert cut_off.fetch(kept.location) is None
    assert "could not fetch a kept file" in caplog.text and "did not answer" in caplog.text


def test_kept_inputs_go_to_the_bucket_and_come_back_on_a_machine_without_them(bucket, tmp_path):
    on_a = InputStore(tmp_path / "a" / "inputs", bucket_store(bucket, tmp_path / "a"))
    request = on_a.keep(build("i2v", prompt="pull back", first_frame=str(picture(tmp_path / "upload.png"))))
    name = Path(request.first_frame).name
    assert bucket.objects("inputs/") == {f"inputs/{name}": Path(request.first_frame).stat().st_size}

    shutil.rmtree(tmp_path / "a")  # machine A is gone
    on_b = InputStore(tmp_path / "b" / "inputs", bucket_store(bucket, tmp_path / "b"))
    restored = on_b.restore(request)  # the row still names A's path, which B does not have
    assert Path(restored.first_frame).is_relative_to(tmp_path / "b" / "cache")  # the bounded cache's copy
    assert Path(restored.first_frame).read_bytes() == (tmp_path / "upload.png").read_bytes()
    assert not (tmp_path / "b" / "inputs").exists()  # showing a job's input copies nothing to B for good
    stranger = build("i2v", prompt="x", first_frame=str(tmp_path / "elsewhere" / "inputs" / ("0" * 24 + ".png")))
    assert on_b.restore(stranger) == stranger  # nowhere: left as it is, for the file check to refuse in words


def test_with_the_data_folder_as_store_inputs_are_kept_once(tmp_path):
    store = FolderStore(tmp_path / "data")
    inputs = InputStore(tmp_path / "data" / "inputs", store)
    request = inputs.keep(build("i2v", prompt="pull back", first_frame=str(picture(tmp_path / "upload.png"))))
    assert [p.name for p in (tmp_path / "data" / "inputs").iterdir()] == [Path(request.first_frame).name]


def test_a_put_called_where_an_event_loop_runs_still_lands_whole(bucket, tmp_path):
    store = bucket_store(bucket, tmp_path / "a")

    async def under_a_coroutine():  # a sync caller under a running loop (Playwright's sync API, a coroutine)
        return store.put("media/x.jpg", picture(tmp_path / "x.jpg"))

    kept = asyncio.run(under_a_coroutine())
    assert bucket.objects("media/") == {"media/x.jpg": kept.size} and kept.size > 0


def test_inputs_kept_by_another_machine_are_held_in_the_bounded_cache_and_never_copied_to_its_inputs(bucket,
                                                                                                   tmp_path):
    on_a = InputStore(tmp_path / "a" / "inputs", bucket_store(bucket, tmp_path / "a"))
    request = on_a.keep(build("i2v", prompt="pull back", first_frame=str(picture(tmp_path / "upload.png"))))
    name = Path(request.first_frame).name
    shutil.rmtree(tmp_path / "a")
    store_b = bucket_store(bucket, tmp_path / "b", cache_bytes=1)  # a cache that holds nothing it need not
    store_b.cache.grace = 0.0
    on_b = InputStore(tmp_path / "b" / "inputs", store_b)
    with on_b.held(request) as here:  # a job sent from B on A's input (the runner, a final, variations)
        held = Path(here.first_frame)
        assert held.is_relative_to(tmp_path / "b" / "cache") and held.is_file()
        store_b.cache.evict()
        assert held.is_file()  # in use: never evicted under the work that reads it
        sent = on_b.to_send(here)  # what the job records: the kept input's name, not its cached copy
        assert sent.first_frame == str(tmp_path / "b" / "inputs" / name)
        assert on_b.as_kept(here) == sent
    store_b.cache.evict()
    assert not held.exists()  # no longer used: the bounded cache lets it go
    assert not (tmp_path / "b" / "inputs").exists()  # nothing of A's kept on B for good
    assert bucket.objects("inputs/") == {f"inputs/{name}": (tmp_path / "upload.png").stat().st_size}


def test_a_clip_the_bucket_cannot_give_now_is_refused_in_words_by_the_api_and_noted_in_the_viewer(bucket, proxy,
                                                                                                  tmp_path):
    from types import SimpleNamespace

    import gradio as gr
    import pytest

    from studio import config
    from studio.service import LOCAL, Studio
    from studio.ui import detail
    from studio.ui.context import UiContext

    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_MEDIA_URL": f"s3://{bucket.name}",
           **bucket.env(endpoint=proxy.endpoint)}
    studio = Studio(config.load(env), time_scale=0.05)
    studio.media.retry_delay = 0.0
    studio.start()
    ctx = UiContext(studio)
    fields = {"prompt": "a horse on a ridge, slow pan", "resolution": "720P", "ratio": "16:9", "duration": 3}
    try:
        video, record = asyncio.run(ctx.generate("t2v", None, lambda *a, **k: None, **fields))
        assert record["state"] == "succeeded" and video and Path(video).stat().st_size > 0
        cache = studio.media.cache
        cache.max_bytes, cache.grace = 0, 0.0
        cache.evict()  # this machine's copy is gone (evicted, or another replica collected it)
        proxy.close()  # and the bucket does not answer
        with pytest.raises(gr.Error) as refused:  # the same request: the API answers the job it already made
            asyncio.run(ctx.generate("t2v", None, lambda *a, **k: None, **fields))
        words = refused.value.message
        assert record["id"] in words and f"kept in s3://{bucket.name}" in words
        assert "media store did not answer" in words and "try again" in words

        job = studio.core.job(LOCAL, record["id"])
        note = detail.player_html(ctx, SimpleNamespace(player=None), job)  # the viewer: a line, not an empty player
        assert "<video" not in note and "media store did not answer" in note and note.count("<p") == 1
    finally:
        studio.close()
