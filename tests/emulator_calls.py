"""Talking to the emulator as a provider's client would, for the tests of its protocols.

Raw protocol calls (ds / ds_get / ds_wait, inf / inf_get / inf_wait), each provider's upload flow
(oss_upload, inference_upload), and probe / assert_clip to read the MP4s it returns. The emulator itself
is the `emulator` fixture (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import wait_until

DS_KEY, INF_KEY = "sk-emulator-test", "inf_emulator_test"
CREATE = "/api/v1/services/aigc/video-generation/video-synthesis"
DS_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"}
APP = "alibaba/happyhorse-1-0-"


HTTP = httpx.Client(timeout=30)  # one pool for the helpers: a new client per call costs ~40 ms


# ---- reading clips and uploading inputs as a client does ----------------------------------


def probe(data: bytes) -> dict:
    """Width, height, seconds, codecs and whether there is sound, read with PyAV."""
    import io

    import av

    with av.open(io.BytesIO(data)) as box:
        video = box.streams.video[0]
        audio = box.streams.audio[0] if box.streams.audio else None
        return {"width": video.codec_context.width, "height": video.codec_context.height,
                "seconds": box.duration / 1_000_000, "video_codec": video.codec_context.name,
                "audio_codec": audio.codec_context.name if audio else None, "format": box.format.name}


def oss_upload(base_url: str, api_key: str, model: str, path: Path) -> str:
    """DashScope's temporary upload, as its SDK does it: getPolicy, then the OSS form POST."""
    import mimetypes

    policy = HTTP.get(f"{base_url}/api/v1/uploads", params={"action": "getPolicy", "model": model},
                       headers={"Authorization": f"Bearer {api_key}"}).raise_for_status().json()["data"]
    key = f"{policy['upload_dir']}/{path.name}"
    form = {"OSSAccessKeyId": policy["oss_access_key_id"], "Signature": policy["signature"],
            "policy": policy["policy"], "key": key, "x-oss-object-acl": policy["x_oss_object_acl"],
            "x-oss-forbid-overwrite": policy["x_oss_forbid_overwrite"], "success_action_status": "200",
            "x-oss-content-type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"}
    HTTP.post(policy["upload_host"], data=form, files={"file": (path.name, path.read_bytes())}).raise_for_status()
    return f"oss://{key}"


def inference_upload(base_url: str, api_key: str, path: Path) -> str:
    """inference.sh's upload: POST /files, then PUT the bytes to upload_url. Returns the file uri."""
    import mimetypes

    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    data = path.read_bytes()
    made = HTTP.post(f"{base_url}/files", headers={"Authorization": f"Bearer {api_key}"},
                      json={"files": [{"filename": path.name, "content_type": ctype, "size": len(data)}]})
    file = made.raise_for_status().json()["data"][0]
    HTTP.put(file["upload_url"], content=data, headers={"Content-Type": ctype}).raise_for_status()
    return file["uri"]


# ---- raw protocol calls: create, read and wait, as a client would -----------------

def ds(emulator, model, inp, params=None, **headers):
    h = {"Authorization": f"Bearer {DS_KEY}", "X-DashScope-Async": "enable", **headers}
    h = {k: v for k, v in h.items() if v is not None}
    body = {"model": model, "input": inp, "parameters": params or {}}
    return HTTP.post(emulator.url + CREATE, headers=h, json=body)


def ds_get(emulator, task_id, key=DS_KEY):
    return HTTP.get(f"{emulator.url}/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {key}"})


def ds_wait(emulator, task_id, timeout=30):
    return wait_until(lambda: (body := ds_get(emulator, task_id).json())["output"]["task_status"] in DS_TERMINAL
                      and body, timeout, f"task {task_id} ended")


def inf(emulator, app, inp, key=INF_KEY, **extra):
    return HTTP.post(f"{emulator.url}/apps/run", headers={"Authorization": f"Bearer {key}"},
                      json={"app": APP + app if "/" not in app else app, "input": inp, "infra": "cloud", **extra})


def inf_get(emulator, task_id):
    return HTTP.get(f"{emulator.url}/tasks/{task_id}", headers={"Authorization": f"Bearer {INF_KEY}"})


def inf_wait(emulator, task_id, timeout=30):
    return wait_until(lambda: (task := inf_get(emulator, task_id).json()["data"])["status"] >= 10 and task,
                      timeout, f"task {task_id} ended")


def assert_clip(data, width, height, seconds):
    info = probe(data)
    assert (info["width"], info["height"]) == (width, height)
    assert abs(info["seconds"] - seconds) < 0.25, info
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
