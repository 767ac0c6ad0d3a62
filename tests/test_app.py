"""One generate per variant through gradio_client against a launched studio, then a restart."""

import json
import subprocess
import sys

from gradio_client import Client, handle_file

from harness.app import ROOT, start_app, stop_app
from harness.media import make_image, make_video
from studio.media.inspect import probe_video


def video_path(value) -> str:
    return value["video"] if isinstance(value, dict) else value


def test_four_named_endpoints_make_clips_that_survive_a_restart(tmp_path):
    studio_app = start_app(tmp_path / "data")
    try:
        run_all_four_then_restart(studio_app, tmp_path)
    finally:
        stop_app(studio_app)


def run_all_four_then_restart(studio_app, tmp_path):
    client = Client(studio_app.url, verbose=False)
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) >= {
        "/text_to_video", "/image_to_video", "/reference_to_video", "/video_edit"}

    video, t2v = client.predict("a horse on a beach at sunset, tracking shot", "720P", "16:9", 3, False, "7",
                                api_name="/text_to_video")
    assert t2v["state"] == "succeeded" and t2v["seed"] == 7 and t2v["preview"] is True
    info = probe_video(video_path(video))
    assert (info.width, info.height, round(info.duration)) == (1280, 720, 3)

    frame = make_image(tmp_path / "frame.jpg", 800, 600, fmt="JPEG")
    video, i2v = client.predict(handle_file(str(frame)), "pull back", "720P", 3, False, "",
                                api_name="/image_to_video")
    assert (i2v["width"], i2v["height"]) == (960, 720)

    refs = [handle_file(str(make_image(tmp_path / f"r{i}.png", 720, 900))) for i in range(2)]
    video, r2v = client.predict("[Image 1] waves, orbit", *refs, *([None] * 7), "720P", "1:1", 3, False, "",
                                api_name="/reference_to_video")
    assert (r2v["width"], r2v["height"]) == (720, 720)
    assert len(r2v["request"]["references"]) == 2

    src = make_video(tmp_path / "src.mp4", 640, 360, seconds=3)
    video, edit = client.predict(handle_file(str(src)), "black and white", *([None] * 5), "remove",
                                 "720P", False, "", api_name="/video_edit")
    assert edit["state"] == "succeeded" and edit["quote_usd"] == 0.84
    assert probe_video(video_path(video)).audio_codec is None

    stop_app(studio_app)
    again = start_app(studio_app.data_dir)
    try:
        listed = subprocess.run([sys.executable, "-m", "studio", "jobs", "--json"], cwd=ROOT, capture_output=True,
                                text=True, env={"STUDIO_DATA_DIR": str(studio_app.data_dir), "PATH": ""})
        jobs = json.loads(listed.stdout)
        assert [j["id"] for j in jobs] == [edit["id"], r2v["id"], i2v["id"], t2v["id"]]
        assert all(j["state"] == "succeeded" for j in jobs)
    finally:
        stop_app(again)


def test_bad_input_through_the_api_says_what_to_change(studio_app):
    client = Client(studio_app.url, verbose=False)
    try:
        client.predict("x" * 5001, "720P", "16:9", 5, False, "", api_name="/text_to_video")
    except Exception as e:  # gradio_client raises AppError carrying the gr.Error message
        assert "too long" in str(e) and "5000" in str(e)
    else:
        raise AssertionError("a 5001-character prompt was accepted")


def test_a_file_that_is_not_an_image_is_refused_in_words(studio_app, tmp_path):
    fake = tmp_path / "frame.png"
    fake.write_bytes(b"this is text, not a picture")
    client = Client(studio_app.url, verbose=False)
    try:
        client.predict(handle_file(str(fake)), "", "720P", 3, False, "", api_name="/image_to_video")
    except Exception as e:
        assert "First frame is not an image file" in str(e)
    else:
        raise AssertionError("a text file was accepted as a first frame")


def test_uploads_reach_the_studio_untouched(studio_app, tmp_path):
    frame = make_image(tmp_path / "rgba.png", 640, 480)
    from PIL import Image

    Image.open(frame).convert("RGBA").save(frame)  # gr.Image would re-encode non-RGB images by default
    client = Client(studio_app.url, verbose=False)
    _, record = client.predict(handle_file(str(frame)), "", "720P", 3, False, "", api_name="/image_to_video")
    kept = record["request"]["first_frame"]
    assert kept.endswith(".png") and open(kept, "rb").read() == frame.read_bytes()
