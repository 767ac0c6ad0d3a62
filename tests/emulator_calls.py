"""The `emulator` fixture: a real emulator process on 127.0.0.1, reset before each test.

    from tests.emulator_fixture import emulator   # in a test module

    def test_something(emulator):
        emulator.url                    # "http://127.0.0.1:PORT": both DASHSCOPE and INFERENCE base URL
        emulator.control.add_fault(on="create", kind="http", status=429)
        emulator.control.configure(task_seconds=0.5)

One process serves the whole pytest session (started on first use, stopped
when pytest ends); every test gets it freshly reset: no tasks, files or faults,
task_seconds back to 0.2. The process's log is at `emulator.log_path`.

Helpers for tests that talk to it: make_image / make_video (input media),
probe (read an MP4 with PyAV), oss_upload / inference_upload (each provider's
upload flow), and raw protocol calls ds / ds_get / ds_wait, inf / inf_get / inf_wait.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from studio.emulator.control import EmulatorControl

DS_KEY, INF_KEY = "sk-emulator-test", "inf_emulator_test"
CREATE = "/api/v1/services/aigc/video-generation/video-synthesis"
DS_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"}
APP = "alibaba/happyhorse-1-0-"
ROOT = Path(__file__).resolve().parents[1]
TASK_SECONDS = 0.2
START_TIMEOUT = 30.0
BANNER = "emulator listening on "


@dataclass
class RunningEmulator:
    url: str
    control: EmulatorControl
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_emulator(task_seconds: float = TASK_SECONDS) -> RunningEmulator:
    """Start `python -m studio.emulator --port 0` and read its address from the first line."""
    log_path = Path(tempfile.mkstemp(prefix="emulator-", suffix=".log")[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio.emulator", "--port", "0", "--task-seconds", str(task_seconds),
             "--parent-pid", str(os.getpid())],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True)
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT)
    line = first[0].strip() if first else ""
    if not line.startswith(BANNER):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"the emulator did not start (first line {line!r}); log:\n{log_path.read_text()[-3000:]}")
    url = line[len(BANNER):]
    return RunningEmulator(url=url, control=EmulatorControl(url), process=proc, log_path=log_path)


def stop_emulator(running: RunningEmulator) -> None:
    proc = running.process
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


HTTP = httpx.Client(timeout=30)  # one pool for the helpers: a new client per call costs ~40 ms

_shared: dict[str, RunningEmulator] = {}


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> RunningEmulator:
    running = _shared.get("process")
    if running is None or running.process.poll() is not None:
        running = start_emulator()
        _shared["process"] = running
        request.config.add_cleanup(lambda: stop_emulator(_shared.pop("process", running)))
    running.control.reset()
    return running


# ---- media and upload helpers for tests that talk to the emulator ---------------

def make_image(path: Path, width: int, height: int, fmt: str = "PNG") -> Path:
    """A small gradient image of the given size, in the given Pillow format."""
    from PIL import Image

    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    img.save(path, format=fmt)
    return path


def make_video(path: Path, width: int = 640, height: int = 360, seconds: float = 4.0, fps: int = 24) -> Path:
    """An H.264 + AAC clip (container from the suffix: .mp4, .mov, .mkv ...)."""
    from studio.media.ffmpeg import run_sync

    run_sync(["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
              "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
              "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
              "-shortest", str(path)])
    return path


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
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = ds_get(emulator, task_id).json()
        if body["output"]["task_status"] in DS_TERMINAL:
            return body
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not end")


def inf(emulator, app, inp, key=INF_KEY, **extra):
    return HTTP.post(f"{emulator.url}/apps/run", headers={"Authorization": f"Bearer {key}"},
                      json={"app": APP + app if "/" not in app else app, "input": inp, "infra": "cloud", **extra})


def inf_get(emulator, task_id):
    return HTTP.get(f"{emulator.url}/tasks/{task_id}", headers={"Authorization": f"Bearer {INF_KEY}"})


def inf_wait(emulator, task_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        task = inf_get(emulator, task_id).json()["data"]
        if task["status"] >= 10:
            return task
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not end")


def assert_clip(data, width, height, seconds):
    info = probe(data)
    assert (info["width"], info["height"]) == (width, height)
    assert abs(info["seconds"] - seconds) < 0.25, info
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
