"""The Gradio API as a gradio_client user meets it: keyword calls, readable view_api(), clear refusals."""

import pytest
from gradio_client import Client, handle_file

from harness.app import start_app, stop_app
from harness.media import make_image, make_video

ESSENTIAL = {
    "/text_to_video": ["prompt"],
    "/image_to_video": ["first_frame"],
    "/reference_to_video": ["prompt", "image_1"],
    "/video_edit": ["video", "prompt"],
}


@pytest.fixture(scope="module")
def studio_app(tmp_path_factory):
    """A studio serving many users: each Client is its own anonymous user."""
    app = start_app(tmp_path_factory.mktemp("api") / "data", {"STUDIO_MULTI_USER": "1"})
    yield app
    stop_app(app)


@pytest.fixture(scope="module")
def client(studio_app):
    return Client(studio_app.url, verbose=False)


@pytest.fixture(scope="module")
def api(client):
    return client.view_api(print_info=False, return_format="dict")["named_endpoints"]


def params(api, endpoint):
    return {p["parameter_name"]: p for p in api[endpoint]["parameters"]}


def test_only_the_essential_inputs_are_required(api):
    for endpoint, essential in ESSENTIAL.items():
        required = [name for name, p in params(api, endpoint).items() if not p["parameter_has_default"]]
        assert required == essential, endpoint


def test_parameters_have_plain_types_defaults_and_descriptions(api):
    for endpoint in ESSENTIAL:
        ps = params(api, endpoint)
        assert ps["seed"]["python_type"]["type"] == "int" and ps["seed"]["parameter_default"] is None
        assert ps["resolution"]["parameter_default"] == "720P"
        assert all(p["python_type"]["description"] for p in ps.values()), endpoint
        assert "$0.14/s at 720P" in api[endpoint]["description"] and "minutes" in api[endpoint]["description"]
        returns = api[endpoint]["returns"]
        assert returns[1]["label"] == "Job record" and returns[1]["python_type"]["type"] == "dict(str, Any)"
        assert "cost_usd" in returns[1]["python_type"]["description"]
        if endpoint != "/video_edit":
            duration = ps["duration"]
            assert duration["python_type"]["type"] == "int" and duration["parameter_default"] == 5
            assert "3 to 15" in duration["python_type"]["description"]
    edit = params(api, "/video_edit")
    assert edit["video"]["python_type"]["type"] == "filepath"
    assert "MP4 or MOV" in edit["video"]["python_type"]["description"]
    assert edit["audio"]["parameter_default"] == "auto"


def test_each_endpoint_runs_with_only_its_essential_inputs_by_keyword(client, tmp_path):
    _, t2v = client.predict(prompt="a horse on a beach at sunset", api_name="/text_to_video")
    assert t2v["state"] == "succeeded" and t2v["request"]["duration"] == 5 and t2v["request"]["ratio"] == "16:9"
    frame = handle_file(str(make_image(tmp_path / "frame.jpg", 800, 600, fmt="JPEG")))
    _, i2v = client.predict(first_frame=frame, api_name="/image_to_video")
    assert i2v["state"] == "succeeded" and (i2v["width"], i2v["height"]) == (960, 720)
    ref = handle_file(str(make_image(tmp_path / "ref.png", 720, 900)))
    _, r2v = client.predict(prompt="[Image 1] waves", image_1=ref, api_name="/reference_to_video")
    assert r2v["state"] == "succeeded" and len(r2v["request"]["references"]) == 1
    src = handle_file(str(make_video(tmp_path / "src.mp4", 640, 360, seconds=3)))
    _, edit = client.predict(video=src, prompt="black and white", api_name="/video_edit")
    assert edit["state"] == "succeeded" and edit["request"]["audio"] == "auto"


def test_each_endpoint_takes_every_parameter_by_keyword(client, tmp_path):
    shape = dict(resolution="1080P", watermark=True, seed=42)
    _, t2v = client.predict(prompt="a horse", ratio="9:16", duration=3, **shape, api_name="/text_to_video")
    assert (t2v["seed"], t2v["request"]["ratio"], t2v["request"]["duration"]) == (42, "9:16", 3)
    assert t2v["request"]["resolution"] == "1080P" and t2v["request"]["watermark"] is True
    frame = handle_file(str(make_image(tmp_path / "frame.jpg", 800, 600, fmt="JPEG")))
    _, i2v = client.predict(first_frame=frame, prompt="pull back", duration=4, **shape, api_name="/image_to_video")
    assert i2v["request"]["prompt"] == "pull back" and i2v["request"]["duration"] == 4 and i2v["seed"] == 42
    refs = {f"image_{n}": handle_file(str(make_image(tmp_path / f"r{n}.png", 720, 900))) for n in range(1, 10)}
    _, r2v = client.predict(prompt="[Image 1] and [Image 9]", ratio="1:1", duration=3, **refs, **shape,
                            api_name="/reference_to_video")
    assert len(r2v["request"]["references"]) == 9 and r2v["request"]["ratio"] == "1:1"
    src = handle_file(str(make_video(tmp_path / "src.mp4", 640, 360, seconds=3)))
    edit_refs = {f"reference_{n}": refs[f"image_{n}"] for n in range(1, 6)}
    _, edit = client.predict(video=src, prompt="warmer", audio="remove", **edit_refs, **shape,
                             api_name="/video_edit")
    assert edit["request"]["audio"] == "remove" and len(edit["request"]["references"]) == 5


def test_a_fractional_duration_is_refused_in_words(client):
    with pytest.raises(Exception, match="whole seconds"):
        client.predict(prompt="a horse", duration=4.5, api_name="/text_to_video")


def test_a_plain_path_says_to_use_handle_file(client, tmp_path):
    frame = str(make_image(tmp_path / "frame.png", 640, 480))
    with pytest.raises(Exception, match=r"handle_file\(\)") as caught:
        client.predict(first_frame=frame, api_name="/image_to_video")
    assert "validation error" not in str(caught.value)
    src = str(make_video(tmp_path / "src.mp4", 640, 360, seconds=3))
    with pytest.raises(Exception, match=r"handle_file\(\)"):
        client.predict(video=src, prompt="warmer", api_name="/video_edit")


def test_gallery_actions_act_on_your_own_jobs_only(studio_app, client):
    _, mine = client.predict(prompt="a horse", duration=3, api_name="/text_to_video")
    listed = client.predict(api_name="/list_jobs")
    assert mine["id"] in [j["id"] for j in listed]
    assert client.predict(job_id=mine["id"], api_name="/job_status")["state"] == "succeeded"
    cancelled = client.predict(job_id=mine["id"], api_name="/cancel_job")
    assert cancelled["state"] == "succeeded"  # a finished job is returned unchanged
    other = Client(studio_app.url, verbose=False)
    assert mine["id"] not in [j["id"] for j in other.predict(api_name="/list_jobs")]
    for endpoint in ("/job_status", "/cancel_job"):
        with pytest.raises(Exception, match="No job"):
            other.predict(job_id=mine["id"], api_name=endpoint)


def test_quote_prices_a_shape_before_any_file(client):
    q = client.predict(variant="t2v", resolution="1080P", duration=10, api_name="/quote")
    assert q["total"] == 1.8 and q["billed_seconds"] == 10 and q["model"] == "happyhorse-1.1"  # the job's model
    q = client.predict(variant="t2v", resolution="1080P", duration=10, model="happyhorse-1.0", api_name="/quote")
    assert q["total"] == 2.4
    edit = client.predict(variant="edit", source_seconds=20, api_name="/quote")
    assert (edit["input_seconds"], edit["output_seconds"], edit["total"]) == (20, 15, 4.9)
    with pytest.raises(Exception, match="source"):
        client.predict(variant="edit", api_name="/quote")


def test_gallery_actions_refuse_values_of_the_wrong_kind_in_words(studio_app):
    import httpx

    for name, data in (("list_jobs", ["many"]), ("job_status", [123]), ("cancel_job", [None])):
        event = httpx.post(f"{studio_app.url}gradio_api/call/{name}", json={"data": data}).json()["event_id"]
        answer = httpx.get(f"{studio_app.url}gradio_api/call/{name}/{event}").text
        assert "event: error" in answer and ("wrong kind" in answer or "Check your input" in answer), (name, answer)


def test_an_unknown_or_endless_job_id_is_refused_in_one_bounded_line_that_names_the_door(studio_app, client):
    with pytest.raises(Exception, match="among your jobs: list_jobs gives their ids") as unknown:
        client.predict(job_id="0123456789abcdef", api_name="/job_status")
    assert "gallery" not in str(unknown.value)  # an API caller has no gallery
    log_before = len(studio_app.log())
    endless = "x" * 1_000_000
    for endpoint in ("/job_status", "/cancel_job", "/collect_again"):
        with pytest.raises(Exception, match="16 letters and digits") as refused:
            client.predict(job_id=endless, api_name=endpoint)
        assert len(str(refused.value)) < 500
    grown = studio_app.log()[log_before:]
    assert len(grown) < 5_000 and "Traceback" not in grown  # a line per refusal, not the id, not a traceback
