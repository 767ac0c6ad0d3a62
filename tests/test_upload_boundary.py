"""The studio's own check of every file an event names, whatever Gradio did before it.

These call the handlers directly, as a request that slipped past every other
layer would reach them: a path that is not an upload is refused in words and
never opened (a FIFO would hang the test if it were).
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr
import pytest

from harness.media import make_image
from studio import config
from studio.errors import InputError
from studio.service import LOCAL, Studio
from studio.ui import uploads
from studio.ui.context import UiContext
from studio.ui.edit_tab import source_facts
from studio.ui.image_tab import frame_facts


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "gradio"
    (root / "abc").mkdir(parents=True)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(root))
    return root


def refused(path: str) -> str:
    with pytest.raises(InputError) as e:
        uploads.confined(path, "First frame")
    return str(e.value)


def test_an_upload_in_the_upload_folder_is_accepted(folder):
    frame = make_image(folder / "abc" / "frame.png", 640, 480)
    assert uploads.confined(str(frame)) == str(frame.resolve())
    assert uploads.upload_path({"path": str(frame), "meta": {"_type": "gradio.FileData"}}) == str(frame)
    assert uploads.upload_path({"video": {"path": str(frame)}}) == str(frame)
    assert uploads.upload_path(None) is None and uploads.upload_path({"path": None}) is None


def test_every_other_path_is_refused_unread(folder, tmp_path):
    outside = make_image(tmp_path / "outside.png", 640, 480)
    (folder / "abc" / "out.png").symlink_to(outside)
    inner = make_image(folder / "abc" / "inner.png", 640, 480)
    (folder / "abc" / "in.png").symlink_to(inner)
    (folder / "linked-dir").symlink_to(tmp_path)
    os.mkfifo(folder / "abc" / "pipe.png")
    with open(folder / "abc" / "huge.mp4", "wb") as f:
        f.truncate(uploads.MAX_UPLOAD_BYTES + 1)  # sparse: its size alone must refuse it
    for path in (str(outside), "/etc/hostname", "/proc/self/environ", "/dev/zero", "frame.png",
                 str(folder / "abc" / ".." / ".." / "outside.png"), str(folder / "abc" / "out.png"),
                 str(folder / "abc" / "in.png"), str(folder / "linked-dir" / "outside.png"),
                 str(folder / "abc" / "pipe.png"), str(folder / "abc"), str(folder), "/tmp/x\0.png"):
        assert "was not uploaded to this studio" in refused(path), path
    assert "larger than any input" in refused(str(folder / "abc" / "huge.mp4"))
    assert "no longer on the server" in refused(str(folder / "abc" / "gone.png"))


def test_each_refusal_names_the_slot_it_came_from(folder):
    good = make_image(folder / "abc" / "ref.png", 720, 720)
    with pytest.raises(InputError, match="Reference 2 was not uploaded"):
        uploads.uploads({"references": [str(good), "/etc/hostname"]})
    with pytest.raises(InputError, match="Source video was not uploaded"):
        uploads.uploads({"video": {"video": {"path": "/dev/zero"}}})
    with pytest.raises(InputError, match="list of uploaded images"):
        uploads.uploads({"references": "/etc/hostname"})
    with pytest.raises(InputError, match="form the studio does not accept"):
        uploads.upload_path({"path": ["/etc/hostname"]})


@pytest.mark.timeout(20)
def test_private_handlers_refuse_in_words_without_opening(folder):
    os.mkfifo(folder / "abc" / "pipe.png")
    for payload in ({"path": str(folder / "abc" / "pipe.png")}, {"path": "/proc/self/environ"}, "/dev/zero"):
        assert "was not uploaded to this studio" in frame_facts(payload)
        assert "was not uploaded to this studio" in source_facts({"video": payload} if isinstance(payload, dict)
                                                                 else payload)


def test_generate_refuses_before_anything_is_recorded(folder, tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    ctx = UiContext(studio)
    with pytest.raises(gr.Error, match="First frame was not uploaded"):
        ctx.prepare("i2v", first_frame={"path": "/etc/hostname"}, prompt="", resolution="720P", duration=3)
    assert studio.core.jobs(LOCAL) == []
    studio.close()


def test_the_serve_folder_is_private_and_prunes_old_copies(tmp_path):
    import stat as st
    import time as t

    from studio.ui.context import SERVE_MAX_AGE, ServeFolder, serve

    folder = ServeFolder()
    assert st.S_IMODE(folder.path.stat().st_mode) == 0o700 and folder.path.name.startswith("happyhorse-serve-")
    old, fresh = folder.path / "old.mp4", folder.path / "fresh.mp4"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (t.time() - SERVE_MAX_AGE - 5,) * 2)
    folder.prune()
    assert not old.exists() and fresh.exists()
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"clip")
    served = Path(serve(str(clip)))
    assert served.read_bytes() == b"clip" and served.parent != tmp_path


def test_a_picture_given_as_the_source_video_is_named_as_a_picture(tmp_path):
    from studio.media.inspect import check_source_video

    for fmt, word in (("PNG", "PNG image"), ("JPEG", "JPEG image"), ("WEBP", "WEBP image")):
        still = make_image(tmp_path / f"clip.{fmt.lower()}.mp4", 640, 360, fmt=fmt)
        with pytest.raises(InputError, match=f"Source video is a {word}, not a video"):
            check_source_video(still)
