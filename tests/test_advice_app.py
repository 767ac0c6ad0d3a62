"""Advice, the builder and reference slots in the UI: handler functions, and the named API of a launched studio."""

import pytest
from gradio_client import Client, handle_file

from harness.media import make_image
from studio import config
from studio.service import Studio
from studio.ui import advice_view, builder
from studio.ui.context import UiContext


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))  # files made in tmp_path count as this server's uploads
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    yield UiContext(s)
    s.close()


def test_live_advice_names_the_empty_slot_and_still_shows_prompt_advice(ctx, tmp_path):
    ref = str(make_image(tmp_path / "r.png", 800, 800))
    text = advice_view.advice_text(ctx, "r2v", "[Image 2] waves with no hat", "720P", references=[ref, None])
    assert text.startswith("**Fix before generating:** The prompt names [Image 2], but slot Image 2 is empty")
    assert "no hat" in text
    assert advice_view.advice_text(ctx, "r2v", "[Image 1] waves, orbit, golden hour", "720P",
                                   references=[ref, None]) == ""


def test_live_advice_for_a_first_frame_upload(ctx, tmp_path):
    frame = make_image(tmp_path / "f.jpg", 640, 480, fmt="JPEG")
    text = advice_view.advice_text(ctx, "i2v", "pull back", "1080P", first_frame=str(frame))
    assert "**First frame** — It is 640×480 px; a 1080P video is 1080 px" in text


def test_builder_appends_and_an_empty_builder_leaves_the_prompt_alone():
    typed = "A horse on a beach"
    empty = [None] * 13
    assert builder.append_built(typed, *empty) == typed
    filled = ["", "", "wide shot", "crane up"] + [None] * 9
    assert builder.append_built(typed, *filled) == "A horse on a beach, wide shot, crane up."
    assert builder.add_example(typed, None) == typed
    assert builder.add_example("", "Make it warmer.") == "Make it warmer."


def test_advise_endpoint_and_slot_numbers_through_the_launched_app(studio_app, tmp_path):  # noqa: F811
    client = Client(studio_app.url, verbose=False)
    ref = handle_file(str(make_image(tmp_path / "r.png", 800, 800)))
    items = client.predict("t2v", "Five people with no umbrellas", None, [], "720P", api_name="/advise")
    assert {i["kind"] for i in items} == {"crowded", "negative", "no_camera"}
    with pytest.raises(Exception, match=r"slot Image 3 is empty"):
        client.predict("r2v", "[Image 3] waves", None, [ref], "720P", api_name="/advise")

    _, record = client.predict("[Image 2] waves, orbit", None, ref, *([None] * 7), "720P", "1:1", 3, False, "",
                               api_name="/reference_to_video")
    assert record["request"]["prompt"] == "[Image 1] waves, orbit"
    assert record["request"]["prompt_written"] == "[Image 2] waves, orbit"
    assert record["request"]["reference_slots"] == [2]
    with pytest.raises(Exception, match=r"slot Image 1 is empty"):
        client.predict("[Image 1] waves", None, ref, *([None] * 7), "720P", "1:1", 3, False, "",
                       api_name="/reference_to_video")


def test_the_builder_widget_joins_on_the_server_and_takes_only_strings_from_a_browser():
    values = {"subject": "a horse", "action": "galloping", "camera": "crane up"}
    assert builder.joined("At dusk.", values)["prompt"] == "At dusk. A horse galloping, crane up."
    assert builder.joined("A horse at dusk", {"action": "galloping"}, 7)["prompt"] == "A horse, galloping, at dusk"
    empty = builder.joined("Typed", {"subject": ["not", "text"], "shot": {"x": 1}}, at=True)
    assert empty["prompt"] == "Typed" and "unchanged" in empty["said"]
    assert builder.joined(None, None)["prompt"] == ""
    assert builder.joined("Typed", {}, example="")["prompt"] == "Typed"
    assert builder.joined("", {}, example="Make it warmer.")["prompt"] == "Make it warmer."
    huge = builder.joined("x" * 10**6, {"subject": "y" * 10**6})["prompt"]
    assert len(huge) < builder.MAX_PROMPT + 2 * builder.MAX_FIELD
    assert builder.joined("Typed", {"subject": "a horse"}, at=999)["prompt"] == "Typed, a horse."
    parts = builder.parts("t2v")
    assert [f["label"] for f in parts["fields"]][:3] == ["Subject", "Action", "Shot size"] and parts["examples"]
