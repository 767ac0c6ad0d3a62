"""The corpus of bad uploads (tests/bad_uploads.py), each through the service and the most common
ones through a launched studio (uploaded with gradio_client's handle_file, as a browser would):
refused with a message that says what to change, or accepted where a user would want that; the
server keeps serving throughout. Every item is counted (tests/tally.py).
"""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file

from studio import config
from studio.errors import InputError
from studio.service import Studio
from tests.bad_uploads import CORPUS
from tests.tally import tally

ACTIONS = ("give", "choose", "use", "remove", "export", "trim", "upload", "convert", "save", "crop", "pick",
           "re-encode", "make", "send", "try", "add", "resize")
THROUGH_THE_APP = {"empty.png", "cut.png", "notes.jpg", "tiny.png", "bomb.png", "strip.png", "anim.gif",
                   "alpha.png", "empty.mp4", "notes.mp4", "sound-only.mp4", "short.mp4", "clip.webm",
                   "bad-index.mp4", "uhd.mp4"}


def says_what_to_change(message: str) -> bool:
    low = message.lower()
    return any(word in low for word in ACTIONS) and "Traceback" not in message and "/tmp/" not in message


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-uploads")
    return {bad.name: (bad, bad.make(folder)) for bad in CORPUS}


def fields_for(bad, path):
    if bad.field == "first_frame":
        return "i2v", dict(first_frame=str(path), prompt="pull back", duration=3)
    return "edit", dict(video=str(path), prompt="warmer")


def test_each_bad_upload_is_refused_in_words_or_accepted(corpus, tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": "preview"}))
    wrong = []
    try:
        for bad, path in corpus.values():
            variant, fields = fields_for(bad, path)
            try:
                studio.core.prepare(variant, **fields)
                outcome, message = "accept", ""
            except InputError as e:
                outcome, message = "refuse", str(e)
            ok = outcome == bad.expect and (outcome == "accept" or says_what_to_change(message))
            tally("bad uploads", f"service: {bad.kind}", ok)
            if not ok:
                wrong.append(f"{bad.name}: {outcome} ({message or 'accepted'}), wanted {bad.expect}")
    finally:
        studio.close()
    assert not wrong, "\n".join(wrong)


def test_through_the_app_each_is_answered_and_the_server_keeps_serving(corpus, studio_app):  # noqa: F811
    client = Client(studio_app.url, verbose=False)
    wrong = []
    for name in sorted(THROUGH_THE_APP):
        bad, path = corpus[name]
        try:
            if bad.field == "first_frame":
                client.predict(handle_file(str(path)), "pull back", "720P", 3, False, "", api_name="/image_to_video")
            else:
                client.predict(handle_file(str(path)), "warmer", *([None] * 5), "auto", "720P", False, "",
                               api_name="/video_edit")
            outcome, message = "accept", ""
        except Exception as e:  # the client raises the studio's refusal as an AppError
            outcome, message = "refuse", str(e)
        ok = outcome == bad.expect and (outcome == "accept" or says_what_to_change(message))
        tally("bad uploads", f"app: {bad.kind}", ok)
        if not ok:
            wrong.append(f"{name}: {outcome} ({message or 'accepted'}), wanted {bad.expect}")
        assert client.predict(api_name="/list_jobs") is not None, f"the server stopped serving after {name}"
    assert studio_app.process.poll() is None, "the studio process died"
    assert not wrong, "\n".join(wrong)
