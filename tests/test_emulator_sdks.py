"""The providers' official SDKs finish real jobs against the emulator, so it speaks what they speak.

dashscope 2.0.2 takes its base URL from `dashscope.base_http_api_url` (read from
DASHSCOPE_HTTP_BASE_URL at import, so tests set the attribute); inferencesh
0.36.0 takes `Inference(base_url=...)`.
"""

from __future__ import annotations

import dashscope
import pytest
from dashscope import VideoSynthesis
from inferencesh import Inference

from harness.media import make_image
from tests.emulator_calls import HTTP, probe

DS_KEY, INF_KEY = "sk-emulator-sdk", "inf_emulator_sdk"
APP = "alibaba/happyhorse-1-0-"


@pytest.fixture
def ds_emulator(emulator, monkeypatch):
    monkeypatch.setattr(dashscope, "base_http_api_url", emulator.url + "/api/v1")
    return emulator


def shape_of(url):
    info = probe(HTTP.get(url).raise_for_status().content)
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
    return info["width"], info["height"], round(info["seconds"])


def test_dashscope_sdk_uploads_a_local_first_frame_and_finishes(ds_emulator, tmp_path):
    frame = make_image(tmp_path / "frame.png", 900, 600)
    rsp = VideoSynthesis.call(model="happyhorse-1.0-i2v", api_key=DS_KEY, prompt="the horse turns its head",
                              media=[{"type": "first_frame", "url": str(frame)}],
                              resolution="720P", duration=3, watermark=False, seed=5)
    assert rsp.status_code == 200, rsp
    assert rsp.output.task_status == "SUCCEEDED"
    assert rsp.usage.duration == 3 and rsp.usage.SR == 720
    assert shape_of(rsp.output.video_url) == (1080, 720, 3)
    calls = [(r["method"], r["path"]) for r in ds_emulator.control.requests(protocol="dashscope")]
    assert calls[:3] == [("GET", "/api/v1/uploads"), ("POST", "/oss"),
                         ("POST", "/api/v1/services/aigc/video-generation/video-synthesis")]
    sent = next(iter(ds_emulator.control.tasks().values()))["request"]
    assert sent["headers"]["x-dashscope-async"] == "enable"
    assert sent["headers"]["x-dashscope-ossresourceresolve"] == "enable"
    assert sent["body"]["input"]["media"][0]["url"].startswith("oss://dashscope-instant/")
    assert sent["body"]["parameters"] == {"duration": 3, "watermark": False, "resolution": "720P", "seed": 5}
    # What PROTOCOLS.md does not list but the SDK sends, and the service accepts:
    assert sent["body"]["input"]["extend_prompt"] is True
    assert sent["body"]["input"]["function"] == "video-synthesis"


def test_dashscope_sdk_text_to_video(ds_emulator):
    rsp = VideoSynthesis.call(model="happyhorse-1.0-t2v", api_key=DS_KEY, prompt="a horse on a beach at dawn",
                              resolution="720P", ratio="1:1", duration=3, watermark=False)
    assert rsp.status_code == 200 and rsp.output.task_status == "SUCCEEDED", rsp
    assert shape_of(rsp.output.video_url) == (720, 720, 3)


def test_dashscope_sdk_sees_the_services_errors(ds_emulator):
    # call() turns a refused create into InvalidTask; async_call() shows the service's answer.
    bad = VideoSynthesis.async_call(model="happyhorse-1.0-t2v", api_key=DS_KEY, prompt="x", duration=20)
    assert (bad.status_code, bad.code) == (400, "InvalidParameter") and "duration" in bad.message
    ds_emulator.control.configure(strict_keys=True)
    with pytest.raises(dashscope.common.error.InvalidTask, match="InvalidApiKey"):
        VideoSynthesis.call(model="happyhorse-1.0-t2v", api_key="not-a-key", prompt="x")
    ds_emulator.control.configure(strict_keys=False)
    ds_emulator.control.add_fault(kind="fail_task", protocol="dashscope", code="DataInspectionFailed",
                                  message="Output data may contain inappropriate content.")
    failed = VideoSynthesis.call(model="happyhorse-1.0-t2v", api_key=DS_KEY, prompt="x", resolution="720P")
    assert failed.output.task_status == "FAILED" and failed.output.code == "DataInspectionFailed"


def test_inferencesh_sdk_runs_text_to_video(emulator):
    client = Inference(api_key=INF_KEY, base_url=emulator.url)
    result = client.run({"app": APP + "t2v", "input": {"prompt": "a horse", "resolution": "720P",
                                                         "ratio": "16:9", "duration": 3, "watermark": False}})
    assert result["status"] == 10
    assert shape_of(result["output"]["video"]["uri"]) == (1280, 720, 3)
    calls = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in emulator.control.requests(protocol="inferencesh")]
    assert calls[0] == ("POST", "run") and ("GET", "stream") in calls


def test_inferencesh_sdk_uploads_a_local_file_for_image_to_video(emulator, tmp_path):
    frame = make_image(tmp_path / "portrait.jpg", 600, 900, "JPEG")
    client = Inference(api_key=INF_KEY, base_url=emulator.url)
    result = client.run({"app": APP + "i2v", "input": {"first_frame": str(frame), "prompt": "she smiles",
                                                         "resolution": "720P", "duration": 3}})
    assert shape_of(result["output"]["video"]["uri"]) == (720, 1080, 3)
    methods = [(r["method"], r["path"].split("/")[1]) for r in emulator.control.requests(protocol="inferencesh")]
    assert methods[:3] == [("POST", "files"), ("PUT", "upload"), ("POST", "apps")]
    sent = next(iter(emulator.control.tasks().values()))["request"]["body"]
    assert sent["input"]["first_frame"].startswith(emulator.url + "/files/")


def test_inferencesh_sdk_accepts_status_names_and_plain_url_output(emulator):
    emulator.control.configure(string_status=True, output_as_string=True, heartbeat_seconds=0.05)
    client = Inference(api_key=INF_KEY, base_url=emulator.url)
    result = client.run({"app": APP + "t2v", "input": {"prompt": "a horse", "resolution": "720P", "duration": 3}})
    assert result["status"] == "completed" and isinstance(result["output"]["video"], str)


def test_inferencesh_sdk_raises_when_the_task_fails(emulator):
    emulator.control.add_fault(kind="fail_task", protocol="inferencesh", message="blocked by moderation")
    client = Inference(api_key=INF_KEY, base_url=emulator.url)
    with pytest.raises(RuntimeError, match="blocked by moderation"):
        client.run({"app": APP + "t2v", "input": {"prompt": "a horse", "resolution": "720P", "duration": 3}})
