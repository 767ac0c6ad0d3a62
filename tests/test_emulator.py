"""The emulator speaks both protocols over real HTTP: results, refusals, faults, streams, webhooks."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from harness.media import make_image, make_video
from tests.conftest import wait_until
from tests.emulator_calls import (
    APP,
    CREATE,
    DS_KEY,
    HTTP,
    INF_KEY,
    assert_clip,
    ds,
    ds_get,
    ds_wait,
    inf,
    inf_get,
    inf_wait,
    inference_upload,
    oss_upload,
)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    return {
        "frame": make_image(d / "frame.png", 900, 600), "portrait": make_image(d / "portrait.webp", 600, 900, "WEBP"),
        "ref": make_image(d / "ref.jpg", 512, 512, "JPEG"), "small": make_image(d / "small.png", 200, 200),
        "gif": make_image(d / "anim.gif", 640, 480, "GIF"), "wide": make_image(d / "wide.png", 1500, 400),
        "ref_small": make_image(d / "ref_small.jpg", 350, 350, "JPEG"),
        "source": make_video(d / "source.mp4", 640, 360, 4), "short": make_video(d / "short.mp4", 640, 360, 2),
        "mkv": make_video(d / "source.mkv", 640, 360, 4, fmt="matroska"),
    }


# ---- happy paths ------------------------------------------------------------------

@pytest.mark.parametrize("variant, model, media_keys, params, shape", [
    ("t2v", "happyhorse-1.0-t2v", [], {"ratio": "9:16", "duration": 3}, (720, 1280, 3)),
    ("i2v", "happyhorse-1.0-i2v", [("first_frame", "frame")], {"duration": 3}, (1080, 720, 3)),
    ("r2v", "happyhorse-1.0-r2v", [("reference_image", "ref")] * 2, {"ratio": "1:1", "duration": 3}, (720, 720, 3)),
    ("edit", "happyhorse-1.0-video-edit", [("video", "source"), ("reference_image", "ref")],
     {"audio_setting": "origin"}, (1280, 720, 4)),
])
def test_dashscope_variant_makes_the_clip_it_was_asked_for(emulator, media, variant, model, media_keys, params, shape):
    items = [{"type": t, "url": oss_upload(emulator.url, DS_KEY, model, media[k])} for t, k in media_keys]
    inp = {"prompt": "a horse gallops on the beach", **({"media": items} if items else {})}
    resp = ds(emulator, model, inp, {"resolution": "720P", "watermark": False, "seed": 7, **params},
              **({"X-DashScope-OssResourceResolve": "enable"} if items else {}))
    assert resp.status_code == 200, resp.text
    assert resp.json()["output"]["task_status"] == "PENDING"
    done = ds_wait(emulator, resp.json()["output"]["task_id"])
    out, usage = done["output"], done["usage"]
    assert out["task_status"] == "SUCCEEDED" and {"submit_time", "scheduled_time", "end_time"} <= set(out)
    video = HTTP.get(out["video_url"])
    assert video.status_code == 200 and int(video.headers["content-length"]) == len(video.content)
    assert_clip(video.content, *shape)
    assert usage["SR"] == 720 and usage["video_count"] == 1 and usage["output_video_duration"] == shape[2]
    assert usage["duration"] == (2 * shape[2] if variant == "edit" else shape[2])  # edit bills input + output


@pytest.mark.parametrize("app, files, inp, shape", [
    ("t2v", {}, {"ratio": "4:3", "duration": 3}, (960, 720, 3)),
    ("i2v", {"first_frame": "portrait"}, {"duration": 3}, (720, 1080, 3)),
    ("r2v", {"reference_images": ["ref", "ref"]}, {"ratio": "16:9", "duration": 3}, (1280, 720, 3)),
    ("video-edit", {"video": "source", "reference_images": ["ref"]}, {"audio_setting": "auto"}, (1280, 720, 4)),
])
def test_inferencesh_app_makes_the_clip_it_was_asked_for(emulator, media, app, files, inp, shape):
    for field, keys in files.items():
        uris = [inference_upload(emulator.url, INF_KEY, media[k]) for k in ([keys] if isinstance(keys, str) else keys)]
        inp[field] = uris[0] if isinstance(keys, str) else [{"uri": u} for u in uris]
    resp = inf(emulator, app, {"prompt": "a horse", "resolution": "720P", "seed": 1, **inp})
    assert resp.status_code == 200, resp.text
    assert resp.json()["messages"] == [] and resp.json()["data"]["status"] == 1
    task = inf_wait(emulator, resp.json()["data"]["id"])
    assert task["status"] == 10 and task["error"] is None
    assert [e["status"] for e in task["events"]][:2] == [1, 2] and task["events"][-1]["status"] == 10
    assert task["logs"] and task["input"]["prompt"] == "a horse"
    assert_clip(HTTP.get(task["output"]["video"]["uri"]).content, *shape)


def test_a_chinese_prompt_of_2500_characters_is_accepted(emulator):
    assert ds(emulator, "happyhorse-1.0-t2v", {"prompt": "马" * 2500}).status_code == 200


# ---- refusals ----------------------------------------------------------------------

T2V, I2V, R2V, EDIT = "happyhorse-1.0-t2v", "happyhorse-1.0-i2v", "happyhorse-1.0-r2v", "happyhorse-1.0-video-edit"
HTTP_IMG = {"type": "first_frame", "url": "https://example.com/a.png"}
REF = {"type": "reference_image", "url": "https://example.com/r.png"}


@pytest.mark.parametrize("model, inp, params, headers, status, code", [
    (T2V, {"prompt": "x"}, {}, {"X-DashScope-Async": None}, 403, "AccessDenied"),
    (T2V, {"prompt": "x"}, {}, {"Authorization": None}, 401, "InvalidApiKey"),
    (T2V, {"prompt": "x"}, {}, {"Authorization": "Bearer inf_wrong_provider"}, 401, "InvalidApiKey"),
    ("happyhorse-9-t2v", {"prompt": "x"}, {}, {}, 404, "ModelNotFound"),
    (T2V, {}, {}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "a" * 5001}, {}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "马" * 2501}, {}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"resolution": "480P"}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"ratio": "2:1"}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"duration": 2}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"duration": 16}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"duration": 5.5}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"seed": -1}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x"}, {"seed": 2147483648}, {}, 400, "InvalidParameter"),
    (T2V, {"prompt": "x", "media": [HTTP_IMG]}, {}, {}, 400, "InvalidParameter"),
    (I2V, {"media": [HTTP_IMG]}, {"ratio": "16:9"}, {}, 400, "InvalidParameter"),
    (I2V, {"media": [HTTP_IMG, HTTP_IMG]}, {}, {}, 400, "InvalidParameter"),
    (I2V, {"media": [HTTP_IMG]}, {}, {}, 400, "InvalidParameter"),  # not downloadable
    (I2V, {"media": [{"type": "first_frame", "url": "oss://dashscope-instant/x/a.png"}]}, {}, {}, 400, "InvalidParameter"),
    (I2V, {"media": [{"type": "first_frame", "url": "oss://dashscope-instant/x/a.png"}]}, {},
     {"X-DashScope-OssResourceResolve": "enable"}, 400, "InvalidParameter"),
    (R2V, {"prompt": "x", "media": []}, {}, {}, 400, "InvalidParameter"),
    (R2V, {"prompt": "x", "media": [REF] * 10}, {}, {}, 400, "InvalidParameter"),
    (EDIT, {"prompt": "x", "media": [REF]}, {}, {}, 400, "InvalidParameter"),
    (EDIT, {"prompt": "x", "media": [REF, {"type": "video", "url": "https://e.com/v.mp4"}]}, {}, {}, 400, "InvalidParameter"),
    (EDIT, {"prompt": "x", "media": [{"type": "video", "url": "https://e.com/v.mp4"}] + [REF] * 6}, {}, {}, 400, "InvalidParameter"),
    (EDIT, {"prompt": "x", "media": [{"type": "video", "url": "https://e.com/v.mp4"}]}, {"duration": 5}, {}, 400, "InvalidParameter"),
    (EDIT, {"prompt": "x", "media": [{"type": "video", "url": "https://e.com/v.mp4"}]}, {"audio_setting": "remove"}, {}, 400, "InvalidParameter"),
])
def test_dashscope_refuses_what_the_service_refuses(emulator, model, inp, params, headers, status, code):
    emulator.control.configure(strict_keys=True)  # key shapes as the service checks them
    resp = ds(emulator, model, inp, params, **headers)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and body["message"] and body["request_id"]
    assert emulator.control.creates("dashscope") == 0


@pytest.mark.parametrize("model, kind, key", [
    (I2V, "first_frame", "small"), (I2V, "first_frame", "gif"), (I2V, "first_frame", "wide"),
    (R2V, "reference_image", "ref_small"), (EDIT, "video", "short"), (EDIT, "video", "mkv"),
])
def test_dashscope_checks_uploaded_media_by_content(emulator, media, model, kind, key):
    url = oss_upload(emulator.url, DS_KEY, model, media[key])
    resp = ds(emulator, model, {"prompt": "x", "media": [{"type": kind, "url": url}]}, {},
              **{"X-DashScope-OssResourceResolve": "enable"})
    assert resp.status_code == 400 and resp.json()["code"] == "InvalidParameter", resp.text


def test_oss_files_belong_to_the_model_they_were_uploaded_for(emulator, media):
    url = oss_upload(emulator.url, DS_KEY, I2V, media["ref"])
    resp = ds(emulator, R2V, {"prompt": "x", "media": [{"type": "reference_image", "url": url}]},
              **{"X-DashScope-OssResourceResolve": "enable"})
    assert resp.status_code == 400 and "upload it again" in resp.json()["message"]


def test_oss_upload_checks_the_policy_it_was_given(emulator, media):
    policy = HTTP.get(f"{emulator.url}/api/v1/uploads", params={"action": "getPolicy", "model": I2V},
                       headers={"Authorization": f"Bearer {DS_KEY}"}).json()["data"]
    good = {"OSSAccessKeyId": policy["oss_access_key_id"], "Signature": policy["signature"],
            "policy": policy["policy"], "key": policy["upload_dir"] + "/a.png", "x-oss-object-acl": "private",
            "x-oss-forbid-overwrite": "true", "success_action_status": "200"}
    file = {"file": ("a.png", media["frame"].read_bytes())}
    for change, status, code in [({"Signature": "AAAA"}, 403, "SignatureDoesNotMatch"),
                                 ({"key": "elsewhere/a.png"}, 403, "AccessDenied"),
                                 ({"x-oss-object-acl": "public-read"}, 403, "AccessDenied")]:
        resp = HTTP.post(policy["upload_host"], data={**good, **change}, files=file)
        assert resp.status_code == status and f"<Code>{code}</Code>" in resp.text
    assert HTTP.post(policy["upload_host"], data=good, files=file).status_code == 200
    again = HTTP.post(policy["upload_host"], data=good, files=file)
    assert again.status_code == 409 and "FileAlreadyExists" in again.text


@pytest.mark.parametrize("key, app, inp, status, code", [
    (None, "t2v", {"prompt": "x"}, 401, "unauthorized"),
    ("sk-dashscope-key", "t2v", {"prompt": "x"}, 401, "unauthorized"),
    (INF_KEY, "alibaba/nope", {"prompt": "x"}, 404, "not_found"),
    (INF_KEY, "t2v", {}, 422, "validation_error"),
    (INF_KEY, "t2v", {"prompt": "x", "resolution": "4K"}, 422, "validation_error"),
    (INF_KEY, "t2v", {"prompt": "马" * 2501}, 422, "validation_error"),
    (INF_KEY, "t2v", {"prompt": "x", "seed": 2**31}, 422, "validation_error"),
    (INF_KEY, "t2v", {"prompt": "x", "first_frame": "http://127.0.0.1:1/a.png"}, 422, "validation_error"),
    (INF_KEY, "i2v", {"first_frame": "http://127.0.0.1:1/a.png", "ratio": "1:1"}, 422, "validation_error"),
    (INF_KEY, "r2v", {"prompt": "x", "reference_images": []}, 422, "validation_error"),
    (INF_KEY, "video-edit", {"prompt": "x", "video": "u", "duration": 5}, 422, "validation_error"),
    (INF_KEY, "video-edit", {"prompt": "x", "video": "u", "audio_setting": "remove"}, 422, "validation_error"),
])
def test_inferencesh_refuses_with_problem_json(emulator, key, app, inp, status, code):
    emulator.control.configure(strict_keys=True)
    resp = inf(emulator, app, inp, key=key) if key else HTTP.post(
        f"{emulator.url}/apps/run", json={"app": APP + app, "input": inp})
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["type"].endswith("/" + code) and body["status"] == status and body["title"] and body["detail"]


def test_inferencesh_checks_files_by_uri_and_content(emulator, media):
    made = HTTP.post(f"{emulator.url}/files", headers={"Authorization": f"Bearer {INF_KEY}"},
                      json={"files": [{"filename": "f.png", "content_type": "image/png", "size": 10}]}).json()["data"][0]
    for uri in (made["uri"], f"{emulator.url}/files/nope/f.png", inference_upload(emulator.url, INF_KEY, media["small"])):
        resp = inf(emulator, "i2v", {"first_frame": uri})
        assert resp.status_code == 422 and resp.json()["type"].endswith("/validation_error"), uri
    resp = inf(emulator, "video-edit", {"prompt": "x", "video": inference_upload(emulator.url, INF_KEY, media["short"])})
    assert resp.status_code == 422 and "3 to 60" in resp.json()["detail"]


# ---- faults -------------------------------------------------------------------------

def test_http_fault_answers_with_the_providers_error_and_retry_after(emulator):
    emulator.control.add_fault(on="create", protocol="dashscope", kind="http", status=429,
                               code="Throttling.RateQuota", retry_after=2, times=2)
    for _ in range(2):
        resp = ds(emulator, T2V, {"prompt": "x"})
        assert resp.status_code == 429 and resp.headers["retry-after"] == "2"
        assert resp.json()["code"] == "Throttling.RateQuota"
    assert inf(emulator, "t2v", {"prompt": "x"}).status_code == 200  # other protocol untouched
    assert ds(emulator, T2V, {"prompt": "x"}).status_code == 200     # times used up
    emulator.control.add_fault(on="status", protocol="inferencesh", kind="http", status=503)
    resp = inf_get(emulator, "anything")
    assert resp.status_code == 503 and resp.json()["type"].endswith("/service_unavailable")


def test_drop_on_create_leaves_a_task_behind(emulator):
    emulator.control.add_fault(on="create", kind="drop", times=2)
    with pytest.raises(httpx.RemoteProtocolError):
        ds(emulator, T2V, {"prompt": "x"})
    with pytest.raises(httpx.RemoteProtocolError):
        inf(emulator, "t2v", {"prompt": "x"})
    assert emulator.control.creates() == {"dashscope": 1, "inferencesh": 1}
    assert [r["status"] for r in emulator.control.requests(method="POST")] == [None, None]


def test_slow_and_malformed_status(emulator):
    task_id = ds(emulator, T2V, {"prompt": "x"}).json()["output"]["task_id"]
    emulator.control.add_fault(on="status", kind="slow", delay=0.4)
    start = time.time()
    assert ds_get(emulator, task_id).status_code == 200 and time.time() - start >= 0.4
    emulator.control.add_fault(on="status", kind="malformed")
    resp = ds_get(emulator, task_id)
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        resp.json()


def test_fail_task_and_rejection(emulator):
    emulator.control.add_fault(kind="fail_task", protocol="dashscope", code="DataInspectionFailed", message="Unsafe.")
    out = ds_wait(emulator, ds(emulator, T2V, {"prompt": "x"}).json()["output"]["task_id"])["output"]
    assert (out["task_status"], out["code"], out["message"]) == ("FAILED", "DataInspectionFailed", "Unsafe.")
    emulator.control.add_fault(kind="fail_task", protocol="inferencesh", message="moderation blocked it")
    task = inf_wait(emulator, inf(emulator, "t2v", {"prompt": "x"}).json()["data"]["id"])
    assert task["status"] == 11 and task["error"] == "moderation blocked it" and task["output"] is None
    emulator.control.add_fault(kind="fail_task", protocol="inferencesh", rejected=True)
    assert inf(emulator, "t2v", {"prompt": "x"}).json()["data"]["status"] == 13


def test_unknown_fault_expires_the_task(emulator):
    ds_id = ds(emulator, T2V, {"prompt": "x"}).json()["output"]["task_id"]
    inf_id = inf(emulator, "t2v", {"prompt": "x"}).json()["data"]["id"]
    emulator.control.add_fault(on="status", kind="unknown", times=2)
    assert ds_get(emulator, ds_id).json()["output"]["task_status"] == "UNKNOWN"
    assert ds_get(emulator, ds_id).json()["output"]["task_status"] == "UNKNOWN"  # stays expired
    assert inf_get(emulator, inf_id).status_code == 404
    assert ds_get(emulator, ds_id, key="sk-someone-else").json()["output"]["task_status"] == "UNKNOWN"


def test_download_faults_and_signed_urls(emulator):
    url = ds_wait(emulator, ds(emulator, T2V, {"prompt": "x"}, {"resolution": "720P", "duration": 3})
                  .json()["output"]["task_id"])["output"]["video_url"]
    size = int(HTTP.head(url).headers["content-length"])
    assert HTTP.get(url, headers={"Range": "bytes=0-99"}).status_code == 206
    assert HTTP.get(url.split("?")[0]).status_code == 403  # OSS wants the signature
    emulator.control.add_fault(kind="forbidden")
    resp = HTTP.get(url)
    assert resp.status_code == 403 and "<Code>AccessDenied</Code>" in resp.text
    emulator.control.add_fault(kind="truncate")
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        with HTTP.stream("GET", url) as resp:
            assert int(resp.headers["content-length"]) == size
            for chunk in resp.iter_bytes():
                received += chunk
    assert 0 < len(received) < size
    emulator.control.add_fault(on="download", kind="malformed")
    assert HTTP.get(url).content[4:8] != b"ftyp"
    assert len(HTTP.get(url).content) == size


def test_upload_policy_and_files_faults(emulator, media):
    emulator.control.add_faults({"on": "policy", "kind": "http", "status": 500},
                                {"on": "files", "kind": "http", "status": 429, "retry_after": 1},
                                {"on": "upload", "protocol": "inferencesh", "kind": "http", "status": 503})
    with pytest.raises(httpx.HTTPStatusError):
        oss_upload(emulator.url, DS_KEY, I2V, media["frame"])
    with pytest.raises(httpx.HTTPStatusError):
        inference_upload(emulator.url, INF_KEY, media["frame"])
    with pytest.raises(httpx.HTTPStatusError):
        inference_upload(emulator.url, INF_KEY, media["frame"])
    assert inference_upload(emulator.url, INF_KEY, media["frame"])


def test_control_api_refuses_nonsense(emulator):
    for bad in ({"kind": "explode"}, {"kind": "http", "on": "nowhere"}, {"kind": "truncate", "on": "create"}):
        with pytest.raises(Exception, match="kind|on|acts"):
            emulator.control.add_fault(**bad)
    with pytest.raises(Exception):
        emulator.control.configure(task_seconds="fast")


# ---- cancel, streams, webhooks, stats ---------------------------------------------

def test_dashscope_cancels_only_pending_tasks(emulator):
    emulator.control.configure(task_seconds=3)
    first = ds(emulator, T2V, {"prompt": "x"}).json()["output"]["task_id"]
    headers = {"Authorization": f"Bearer {DS_KEY}"}
    assert HTTP.post(f"{emulator.url}/api/v1/tasks/{first}/cancel", headers=headers).status_code == 200
    assert ds_get(emulator, first).json()["output"]["task_status"] == "CANCELED"
    second = ds(emulator, T2V, {"prompt": "x"}).json()["output"]["task_id"]
    wait_until(lambda: ds_get(emulator, second).json()["output"]["task_status"] != "PENDING", 10, "the task started")
    refused = HTTP.post(f"{emulator.url}/api/v1/tasks/{second}/cancel", headers=headers)
    assert refused.status_code == 400 and refused.json()["code"] == "UnsupportedOperation"


def test_inferencesh_cancel_and_stream_to_the_end(emulator):
    emulator.control.configure(task_seconds=3)
    task_id = inf(emulator, "t2v", {"prompt": "x"}).json()["data"]["id"]
    resp = HTTP.post(f"{emulator.url}/tasks/{task_id}/cancel", headers={"Authorization": f"Bearer {INF_KEY}"})
    assert resp.status_code == 200 and inf_get(emulator, task_id).json()["data"]["status"] == 12
    again = HTTP.post(f"{emulator.url}/tasks/{task_id}/cancel", headers={"Authorization": f"Bearer {INF_KEY}"})
    assert again.status_code == 409


def stream_lines(emulator, task_id, accept="application/x-ndjson"):
    with HTTP.stream("GET", f"{emulator.url}/tasks/{task_id}/stream", timeout=30,
                      headers={"Authorization": f"Bearer {INF_KEY}", "Accept": accept}) as resp:
        assert resp.status_code == 200
        return [line for line in resp.iter_lines() if line]


@pytest.mark.parametrize("string_status", [False, True])
def test_stream_sends_updates_heartbeats_and_ends_at_the_end(emulator, string_status):
    emulator.control.configure(task_seconds=1.2, heartbeat_seconds=0.1, string_status=string_status,
                               output_as_string=string_status)
    task_id = inf(emulator, "t2v", {"prompt": "x", "resolution": "720P", "duration": 3}).json()["data"]["id"]
    lines = [json.loads(line) for line in stream_lines(emulator, task_id)]
    assert {"type": "heartbeat"} in lines
    statuses = [(msg.get("data") or msg)["status"] for msg in lines if msg.get("type") != "heartbeat"]
    assert statuses[-1] == ("completed" if string_status else 10)
    assert ("running" if string_status else 7) in statuses
    final = lines[-1]
    video = final["output"]["video"]
    assert isinstance(video, str) if string_status else video["uri"].endswith(".mp4")


def test_stream_speaks_sse_and_can_be_dropped(emulator):
    task_id = inf(emulator, "t2v", {"prompt": "x"}).json()["data"]["id"]
    lines = stream_lines(emulator, task_id, accept="text/event-stream")
    assert lines[0].startswith("event: ") and "event: done" in lines
    emulator.control.add_fault(on="stream", kind="drop", after_lines=1)
    task_id = inf(emulator, "t2v", {"prompt": "x"}).json()["data"]["id"]
    with pytest.raises(httpx.RemoteProtocolError):
        stream_lines(emulator, task_id)


def test_webhook_gets_the_final_task(emulator):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = f"http://127.0.0.1:{server.server_port}/hook"
        task_id = inf(emulator, "t2v", {"prompt": "x", "resolution": "720P", "duration": 3},
                      webhook=hook).json()["data"]["id"]
        inf_wait(emulator, task_id)
        wait_until(lambda: received, 5, "the webhook's call")
        # the emulator records the call once our answer reaches it, a moment after the call itself
        wait_until(lambda: emulator.control.webhooks(), 5, "the emulator's record of the call")
    finally:
        server.shutdown()
    assert received and received[0]["id"] == task_id and received[0]["status"] == 10
    assert received[0]["output"]["video"]["uri"].endswith(".mp4")
    assert emulator.control.webhooks()[0]["status"] == 204


def test_many_jobs_finish_quickly_and_are_counted(emulator):
    ids = [ds(emulator, T2V, {"prompt": f"shot {i}"}, {"resolution": "720P", "duration": 3}).json()["output"]["task_id"]
           for i in range(20)]
    assert all(ds_wait(emulator, i)["output"]["task_status"] == "SUCCEEDED" for i in ids)
    stats = emulator.control.stats()
    assert stats["creates"]["dashscope"] == 20 and len(stats["tasks"]) == 20
    assert {"method": "POST", "path": CREATE, "protocol": "dashscope", "status": 200} in [
        {k: r[k] for k in ("method", "path", "protocol", "status")} for r in stats["requests"]]
    emulator.control.reset()
    assert emulator.control.creates() == {"dashscope": 0, "inferencesh": 0}


def test_any_non_empty_key_is_accepted_unless_strict(emulator):
    assert ds(emulator, T2V, {"prompt": "x"}, {}, Authorization="Bearer my-own-key").status_code == 200
    assert inf(emulator, "t2v", {"prompt": "x"}, key="inf-try").status_code == 200
    assert ds(emulator, T2V, {"prompt": "x"}, {}, Authorization="Bearer").status_code == 401
    emulator.control.configure(strict_keys=True)
    assert ds(emulator, T2V, {"prompt": "x"}, {}, Authorization="Bearer my-own-key").status_code == 401
    assert inf(emulator, "t2v", {"prompt": "x"}, key="inf-try").status_code == 401
