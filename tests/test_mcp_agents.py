"""MCP and the HTTP API as an agent meets them, attacked like a stranger would, over real HTTP on 127.0.0.1.

Two studios on the emulator (DashScope protocol, each task takes TASK_SECONDS):
- `studio`: as shipped (the real link policy): links to this machine or its network are refused in words,
  an oversize data: URL is refused before anything is written, a data: URL or an uploaded path makes a job
  and leaves no copy, `submit` returns the job at once and takes a model, results are JSON.
- `open_studio`: the same studio with links allowed to one loopback file server only (tests/open_links_app.py):
  a link is fetched and leaves nothing behind; a link past the cap or redirected inward is refused.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from harness.app import ROOT, RunningApp, free_port, start_app, stop_app
from harness.emulator import start_emulator, stop_emulator
from harness.media import make_video
from harness.process import Starting
from studio import fetch
from tests.conftest import wait_until
from tests.link_server import LinkServer, png

TASK_SECONDS = 8.0
INWARD = ["https://127.0.0.1/frame.png", "http://127.0.0.1:{port}/gradio_api/info", "https://10.0.0.5/frame.png",
          "https://169.254.169.254/latest/meta-data/", "https://localhost/frame.png", "https://[::1]/frame.png"]


async def _session(url: str, work, headers: dict | None = None):
    async with (httpx.AsyncClient(headers=headers or {}, timeout=120) as http,
                streamable_http_client(url, http_client=http) as (read, write, _),
                ClientSession(read, write) as session):
        await session.initialize()
        return await work(session)


def call(app: RunningApp, tool: str, args: dict):
    return asyncio.run(_session(app.url + "gradio_api/mcp/", lambda s: s.call_tool(tool, args)))


def texts(result) -> list[str]:
    return [c.text for c in result.content if c.type == "text"]


def record_of(result) -> dict:
    """The one JSON object a tool answered (a generate tool answers the clip's address, then its record)."""
    assert not result.isError, texts(result)
    return json.loads(texts(result)[-1])


def data_url(body: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64," + base64.b64encode(body).decode()


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def env_for(emulator, temp: Path) -> dict:
    return {"GRADIO_MCP_SERVER": "true", "GRADIO_TEMP_DIR": str(temp), "DASHSCOPE_API_KEY": "sk-test-4242",
            "DASHSCOPE_BASE_URL": emulator.url, "STUDIO_BUDGET_USER_DAY": "none",
            "STUDIO_MAX_RUNNING_PER_USER": "none", "STUDIO_REQUESTS_PER_MINUTE": "0"}


@pytest.fixture(scope="module")
def emulator():
    running = start_emulator(task_seconds=TASK_SECONDS)
    yield running
    stop_emulator(running)


@pytest.fixture(scope="module")
def studio(tmp_path_factory, emulator):
    root = tmp_path_factory.mktemp("agents")
    app = start_app(root / "data", env_for(emulator, root / "uploads"))
    app.uploads = root / "uploads"
    yield app
    stop_app(app)


def start_open_app(root: Path, env: dict, link_port: int) -> RunningApp:
    """tests/open_links_app.py as harness.app.start_app starts app.py."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if k not in ("DASHSCOPE_API_KEY", "STUDIO_BACKEND")}
    full.update({"STUDIO_DATA_DIR": str(root / "data"), "GRADIO_SERVER_PORT": str(port),
                 "GRADIO_ANALYTICS_ENABLED": "False", **env})
    (root / "data").mkdir(parents=True, exist_ok=True)
    log_path = root / f"app-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "tests/open_links_app.py", str(link_port)], cwd=ROOT, env=full,
                                stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    starting = Starting(proc, "the studio", log_path)
    while True:
        try:
            if httpx.get(url + "gradio_api/info", timeout=5).status_code == 200:
                return RunningApp(url=url, process=proc, log_path=log_path, data_dir=root / "data")
        except httpx.HTTPError:
            pass
        starting.check()
        time.sleep(0.3)


@pytest.fixture(scope="module")
def open_studio(tmp_path_factory, emulator):
    links = LinkServer(slow=30.0)
    root = tmp_path_factory.mktemp("agents-open")
    app = start_open_app(root, env_for(emulator, root / "uploads"), links.port)
    app.uploads, app.links = root / "uploads", links
    yield app
    stop_app(app)
    links.close()


# --- what an agent is told ------------------------------------------------------------------------------


def test_every_tool_says_how_to_give_files_and_none_points_to_a_missing_upload_tool(studio):
    tools = asyncio.run(_session(studio.url + "gradio_api/mcp/", lambda s: s.list_tools())).tools
    by_name = {t.name: t for t in tools}
    assert {"submit", "compare", "advise", "collect_again", "job_status", "list_jobs", "cancel_job", "quote",
            "image_to_video", "reference_to_video", "video_edit", "text_to_video"} <= set(by_name)
    for tool in tools:
        words = json.dumps(tool.inputSchema) + tool.description
        assert "upload_file_to_gradio" not in words and "links are not fetched" not in words, tool.name
        assert "$ref" not in json.dumps(tool.inputSchema), tool.name  # every schema resolves (advise's did not)
    for name in ("image_to_video", "video_edit", "advise", "reference_to_video"):
        assert "https link" in by_name[name].description and "gradio_api/upload" in by_name[name].description
    advise = by_name["advise"].inputSchema["properties"]
    assert all(advise[name]["description"] for name in ("variant", "prompt", "first_frame", "references"))
    submit = by_name["submit"].inputSchema["properties"]
    assert {"model", "negative_prompt", "prompt_extend", "first_frame", "references", "video"} <= set(submit)
    assert "happyhorse-1.1" in submit["model"]["description"] and "wan2.7" in submit["model"]["description"]


# --- links and data: URLs, refused --------------------------------------------------------------------


@pytest.mark.parametrize("tool,arg,extra", [
    ("image_to_video", "first_frame", {"duration": 3}),
    ("submit", "first_frame", {"variant": "i2v", "duration": 3}),
    ("video_edit", "video", {"prompt": "warmer light"}),
    ("advise", "first_frame", {"variant": "i2v", "prompt": "a horse"}),
])
def test_links_to_this_machine_or_its_network_are_refused_in_words(studio, tool, arg, extra):
    port = studio.url.rsplit(":", 1)[1].strip("/")
    for link in INWARD:
        result = call(studio, tool, {arg: link.format(port=port), **extra})
        said = " ".join(texts(result))
        assert result.isError, (link, said)
        assert "private, local or reserved" in said or "must start with https://" in said, (link, said)
        assert "400 Bad Request" not in said and "gradio_api" not in said and "127.0.0.1" not in said
    assert json.loads(texts(call(studio, "list_jobs", {}))[0]) == []  # nothing was made or paid for


def test_a_local_path_that_is_not_an_upload_is_refused(studio):
    for path in ("/etc/passwd", str(studio.data_dir / "ledger.sqlite3"), "frame.png"):
        said = " ".join(texts(call(studio, "image_to_video", {"first_frame": path, "duration": 3})))
        assert "not uploaded to this studio" in said or "https link" in said, said
        said = " ".join(texts(call(studio, "submit", {"variant": "i2v", "first_frame": path})))
        assert "not uploaded to this studio" in said or "https link" in said, said


def test_an_oversize_data_url_is_refused_before_anything_is_written(studio):
    """A data: URL travels inside the call: a call over 4 MB is refused whole before it is read (413, in
    words); one under it that is not a usable file is refused after its check, and leaves nothing."""
    before = files_in(studio.uploads)
    huge = data_url(b"\x89PNG\r\n\x1a\n" + os.urandom(fetch.KINDS["image"] + 1024))
    for tool, args in [("image_to_video", {"first_frame": huge}), ("submit", {"variant": "i2v", "first_frame": huge}),
                       ("advise", {"variant": "r2v", "references": [huge]})]:
        answer = httpx.post(studio.url + "gradio_api/mcp/", timeout=60,
                            headers={"Accept": "application/json, text/event-stream"},
                            json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                  "params": {"name": tool, "arguments": args}})
        assert answer.status_code == 413 and "send files as uploads" in answer.json()["error"], answer.text[:300]
    not_an_image = data_url(b"\x89PNG\r\n\x1a\n" + os.urandom(2 * fetch.MB))
    for tool, args in [("image_to_video", {"first_frame": not_an_image}),
                       ("submit", {"variant": "i2v", "first_frame": not_an_image}),
                       ("reference_to_video", {"prompt": "[Image 1] runs", "image_1": not_an_image})]:
        result = call(studio, tool, args)
        assert result.isError and "not an image" in " ".join(texts(result)), (tool, texts(result))
    assert files_in(studio.uploads) == before  # no copy, no partial file, no scratch folder


# --- submit, and files that work -----------------------------------------------------------------------


def test_submit_returns_the_job_at_once_and_a_data_url_leaves_no_copy(studio):
    frame = png(720, 480, (10, 200, 90))
    started = time.monotonic()
    result = call(studio, "submit", {"variant": "i2v", "first_frame": data_url(frame), "duration": 3,
                                     "prompt": "the field sways"})
    took = time.monotonic() - started
    record = record_of(result)
    assert record["state"] in ("queued", "submitting", "running") and took < TASK_SECONDS / 2, (record, took)
    assert record["model"] == "happyhorse-1.1" and record["request"]["first_frame"]

    done = wait_until(lambda: (r := record_of(call(studio, "job_status", {"job_id": record["id"]})))["state"]
                      in ("succeeded", "failed") and r, timeout=120, what="the submitted job to finish")
    assert done["state"] == "succeeded", done
    leftovers = [p for p in studio.uploads.rglob("*") if p.is_file() and p.read_bytes() == frame]
    assert leftovers == [] and not list(studio.uploads.glob("studio-link-*"))


def test_submit_takes_a_model_and_wans_own_fields(studio):
    wan = record_of(call(studio, "submit", {"variant": "t2v", "prompt": "a red kite over dunes", "duration": 3,
                                            "model": "wan2.7", "negative_prompt": "blur, text",
                                            "prompt_extend": False}))
    assert wan["model"] == "wan2.7" and wan["request"]["negative_prompt"] == "blur, text"
    assert wan["request"]["prompt_extend"] is False
    old = record_of(call(studio, "submit", {"variant": "t2v", "prompt": "a grey kite", "model": "happyhorse-1.0"}))
    assert old["model"] == "happyhorse-1.0" and old["quote"]["per_second"] == 0.14
    refused = call(studio, "submit", {"variant": "t2v", "prompt": "wide", "model": "happyhorse-1.0", "ratio": "21:9"})
    assert refused.isError and "21:9" in texts(refused)[0] and "HappyHorse 1.1" in texts(refused)[0]
    refused = call(studio, "submit", {"variant": "t2v", "prompt": "x", "negative_prompt": "blur"})
    assert refused.isError and "negative prompt" in texts(refused)[0]
    refused = call(studio, "submit", {"variant": "t2v", "prompt": "x", "first_frame": "https://example.com/a.png"})
    assert refused.isError and "first_frame is for i2v" in texts(refused)[0]
    quoted = json.loads(texts(call(studio, "quote", {"variant": "t2v", "resolution": "1080P",
                                                      "model": "happyhorse-1.0"}))[0])
    assert quoted["total"] == 1.2 and quoted["model"] == "happyhorse-1.0"


def test_a_file_uploaded_first_is_taken_by_its_path_over_mcp_and_the_http_api(studio):
    frame = png(800, 450, (30, 60, 220))
    answer = httpx.post(studio.url + "gradio_api/upload", files={"files": ("still.png", frame, "image/png")})
    path = answer.json()[0]
    record = record_of(call(studio, "submit", {"variant": "i2v", "first_frame": path, "duration": 3}))
    assert record["request"]["first_frame"] and record["state"] in ("queued", "submitting", "running")

    client = Client(studio.url, verbose=False)
    made = client.predict(variant="i2v", first_frame=path, duration=4, prompt="over http", api_name="/submit")
    assert isinstance(made, dict) and made["request"]["duration"] == 4
    wan = client.predict(variant="t2v", prompt="a kite over http", model="wan2.7", negative_prompt="blur",
                         prompt_extend=True, duration=2, api_name="/submit")
    assert (wan["model"], wan["request"]["prompt_extend"], wan["request"]["duration"]) == ("wan2.7", True, 2)
    with pytest.raises(Exception, match="private, local or reserved"):
        client.predict(variant="i2v", first_frame="https://169.254.169.254/latest/meta-data/", api_name="/submit")


def test_the_link_gradios_upload_tool_returns_is_taken_as_the_upload_it_names(studio):
    """Gradio's File Upload MCP server (upload_file_to_gradio) answers <studio>/gradio_api/file=<path>: the
    studio takes its own upload by that path, never by fetching itself; any other file= path is a link."""
    from gradio_client.utils import encode_file_path

    frame = png(640, 640, (250, 250, 0))
    path = httpx.post(studio.url + "gradio_api/upload", files={"files": ("sun.png", frame, "image/png")}).json()[0]
    link = f"{studio.url.rstrip('/')}/gradio_api/file={encode_file_path(path)}"
    record = record_of(call(studio, "submit", {"variant": "i2v", "first_frame": link, "duration": 3}))
    assert record["request"]["first_frame"]
    advice = call(studio, "advise", {"variant": "i2v", "prompt": "the sun rises", "first_frame": link})
    assert not advice.isError and isinstance(json.loads(texts(advice)[0]), list)
    stranger = f"{studio.url.rstrip('/')}/gradio_api/file=/etc/passwd"
    said = " ".join(texts(call(studio, "submit", {"variant": "i2v", "first_frame": stranger})))
    assert "private, local or reserved" in said or "must start with https://" in said, said


def test_an_edit_takes_its_clip_as_a_data_url(studio, tmp_path):
    clip = make_video(tmp_path / "source.mp4", 640, 360, seconds=3.0)
    record = record_of(call(studio, "submit", {"variant": "edit", "video": data_url(clip.read_bytes(), "video/mp4"),
                                               "prompt": "make it black and white", "audio": "remove"}))
    assert record["variant"] == "edit" and record["model"] == "happyhorse-1.0" and record["request"]["video"]
    assert record["request"]["audio"] == "remove" and not list(studio.uploads.glob("studio-link-*"))


def test_compare_sends_one_shot_to_each_model_and_returns_every_record_at_once(studio):
    started = time.monotonic()
    result = call(studio, "compare", {"variant": "t2v", "models": "happyhorse-1.1,wan2.7", "duration": 3,
                                      "prompt": "a lighthouse in a storm", "negative_prompt": "blur"})
    took = time.monotonic() - started
    assert not result.isError, texts(result)
    jobs = json.loads(texts(result)[0])
    assert [j["model"] for j in jobs] == ["happyhorse-1.1", "wan2.7"] and took < TASK_SECONDS / 2
    assert len({j["compare_id"] for j in jobs}) == 1 and len({j["seed"] for j in jobs}) == 1
    assert all(j["state"] in ("queued", "submitting", "running") for j in jobs)
    assert [j["request"].get("negative_prompt") for j in jobs] == [None, "blur"]  # only Wan takes one

    frame = data_url(png(720, 480, (120, 0, 200)))
    shot = record_of_list(call(studio, "compare", {"variant": "i2v", "models": ["happyhorse-1.0", "happyhorse-1.1"],
                                                   "first_frame": frame, "duration": 3}))
    assert [j["model"] for j in shot] == ["happyhorse-1.0", "happyhorse-1.1"]
    assert all(j["request"]["first_frame"] for j in shot) and not list(studio.uploads.glob("studio-link-*"))

    for models, words in [("wan2.7", "2 or 3 models"), ("happyhorse-1.1,happyhorse-1.1", "named twice")]:
        refused = call(studio, "compare", {"variant": "t2v", "models": models, "prompt": "x"})
        assert refused.isError and words in texts(refused)[0], texts(refused)
    refused = call(studio, "compare", {"variant": "t2v", "models": "happyhorse-1.0,wan2.7", "prompt": "x",
                                       "ratio": "21:9"})
    assert refused.isError and "21:9" in texts(refused)[0]

    client = Client(studio.url, verbose=False)
    over_http = client.predict(variant="t2v", models=["happyhorse-1.1", "happyhorse-1.0"], prompt="a gull",
                               duration=3, api_name="/compare")
    assert [j["model"] for j in over_http] == ["happyhorse-1.1", "happyhorse-1.0"]


def record_of_list(result) -> list:
    assert not result.isError, texts(result)
    return json.loads(texts(result)[0])


def test_every_result_is_json(studio, emulator):
    # Every task made during the test takes an hour at the emulator, so the job cannot end with a clip before
    # collect_again: cancel_job finds it queued, being sent or running, and ends it cancelled (in time, or
    # "stopped waiting", which is not collectable either); either way there is nothing to collect.
    emulator.control.configure(task_seconds=3600)
    try:
        made = record_of(call(studio, "submit", {"variant": "t2v", "prompt": "json please", "duration": 3}))
        for tool, args in [("list_jobs", {}), ("job_status", {"job_id": made["id"]}), ("quote", {"variant": "t2v"}),
                           ("cancel_job", {"job_id": made["id"]})]:
            result = call(studio, tool, args)
            assert not result.isError, (tool, texts(result))
            json.loads(texts(result)[0])  # not Python's repr: None, True and 'quotes' would fail here
        assert json.loads(texts(result)[0])["state"] == "cancelled", texts(result)
        refused = call(studio, "collect_again", {"job_id": made["id"]})  # cancelled: nothing to collect, in words
        assert refused.isError and "collect again is for" in texts(refused)[0]
    finally:
        emulator.control.configure(task_seconds=TASK_SECONDS)


# --- a "public" link (only the one loopback server the test allows) --------------------------------------


def test_a_public_link_is_fetched_and_leaves_nothing_behind(open_studio):
    links = open_studio.links
    record = record_of(call(open_studio, "submit", {"variant": "i2v", "first_frame": links.url + "/frame.png",
                                                    "duration": 3}))
    assert record["request"]["first_frame"] and links.hosts
    made = call(open_studio, "image_to_video", {"first_frame": links.url + "/frame.png?again", "duration": 3,
                                                "prompt": "slow push in"})
    assert record_of(made)["state"] == "succeeded" and texts(made)[0].endswith(".mp4")
    refs = record_of(call(open_studio, "submit", {"variant": "r2v", "prompt": "[Image 1] beside [Image 2]",
                                                  "references": [links.url + "/frame.png",
                                                                 data_url(png(720, 720))]}))
    assert refs["request"]["references"]
    assert not [p for p in open_studio.uploads.rglob("*") if p.is_file() and p.read_bytes() == links.frame]
    assert not list(open_studio.uploads.glob("studio-link-*"))


@pytest.mark.parametrize("route,words", [("/big.png", "larger than the 10 MB"),
                                         ("/long.png", "larger than the 10 MB"),
                                         ("/to-metadata", "private, local or reserved"),
                                         ("/to-other-port", "private, local or reserved"),
                                         ("/missing.png", "answered HTTP 404")])
def test_a_link_past_the_cap_or_redirected_inward_is_refused_and_leaves_nothing(open_studio, route, words):
    before = files_in(open_studio.uploads)
    for tool, args in [("submit", {"variant": "i2v"}), ("image_to_video", {"duration": 3})]:
        result = call(open_studio, tool, {"first_frame": open_studio.links.url + route, **args})
        assert result.isError and words in " ".join(texts(result)), (tool, texts(result))
    assert files_in(open_studio.uploads) == before
