"""The page and its config go out compressed to browsers that ask; event streams go out as they are, at once.

Over real HTTP: the studio (python app.py) for what it serves, and a small Gradio app behind the same
middleware for a stream whose second update waits until the test has read the first.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import uuid

import brotli
import httpx
import pytest

from harness.app import free_port
from tests.conftest import wait_until

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends


def raw_get(url: str, encoding: str | None) -> tuple[httpx.Headers, bytes]:
    """A GET with this Accept-Encoding (None: the header left out), its body as it came over the wire."""
    headers = {"Accept-Encoding": encoding} if encoding is not None else {}
    with httpx.Client(timeout=30) as client:
        if encoding is None:
            del client.headers["Accept-Encoding"]
        with client.stream("GET", url, headers=headers) as answer:
            assert answer.status_code == 200, url
            return answer.headers, b"".join(answer.iter_raw())


def decoded(headers: httpx.Headers, body: bytes) -> bytes:
    coding = headers.get("content-encoding")
    return brotli.decompress(body) if coding == "br" else gzip.decompress(body) if coding == "gzip" else body


def test_the_page_and_its_config_are_compressed_for_a_browser_that_asks(studio_app):
    plain_headers, plain = raw_get(studio_app.url, None)
    assert "content-encoding" not in plain_headers and b"HappyHorse Studio" in plain
    for asked, expected in [(BROWSER["Accept-Encoding"], "br"), ("gzip", "gzip"), ("br;q=0, gzip;q=0.8", "gzip"),
                            ("*", "br")]:
        headers, body = raw_get(studio_app.url, asked)
        assert headers.get("content-encoding") == expected, asked
        assert "accept-encoding" in headers.get("vary", "").lower()
        assert int(headers["content-length"]) == len(body)
        assert decoded(headers, body) == plain, f"{asked}: the page decoded is not the page"
    headers, body = raw_get(studio_app.url, BROWSER["Accept-Encoding"])
    assert len(body) * 4 < len(plain), f"the page went out as {len(body)} of {len(plain)} bytes"

    headers, body = raw_get(studio_app.url + "config", BROWSER["Accept-Encoding"])
    assert headers.get("content-encoding") == "br"
    assert "components" in json.loads(decoded(headers, body))
    _, none_asked = raw_get(studio_app.url, "identity")
    assert none_asked == plain


def test_gradios_own_compressed_scripts_are_not_compressed_twice(studio_app):
    _, page = raw_get(studio_app.url, None)
    script = re.search(rb'src="([^"]+\.js)"', page).group(1).decode()
    url = httpx.URL(studio_app.url).join(script)
    headers, body = raw_get(str(url), BROWSER["Accept-Encoding"])
    assert headers.get("content-encoding") in ("br", "gzip"), "Gradio compresses its scripts itself"
    text = decoded(headers, body).decode()
    assert "import" in text or "function" in text, "one decoding gives the script"


def test_the_studios_event_stream_is_sent_as_it_is(studio_app):
    config = httpx.get(studio_app.url + "config").json()
    fn = next(d["id"] for d in config["dependencies"] if d["api_name"] == "list_jobs")
    session = uuid.uuid4().hex[:11]
    with httpx.Client(timeout=30, headers=BROWSER) as client:
        joined = client.post(studio_app.url + "gradio_api/queue/join", json={
            "data": [""], "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None})
        assert joined.status_code == 200, joined.text
        with client.stream("GET", studio_app.url + f"gradio_api/queue/data?session_hash={session}") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in stream.headers
            messages = [json.loads(line[5:])["msg"] for line in stream.iter_lines() if line.startswith("data:")]
    assert "process_completed" in messages, messages


@pytest.fixture(scope="module")
def gated_app():
    """A Gradio app behind the studio's Compress whose generator yields once, then waits for the test's word."""
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    from studio.compress import Compress

    word = threading.Event()

    def updates():
        yield "first"
        yield f"second, after the word: {word.wait(20)}"

    with gr.Blocks() as demo:
        shown = gr.Textbox()
        gr.Button("Go").click(updates, None, shown, api_name="updates")
    app = gr.mount_gradio_app(FastAPI(), demo.queue(), path="/")
    app.add_middleware(Compress)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 30, "the gated app started")
    yield f"http://127.0.0.1:{server.config.port}/", word
    server.should_exit = True
    thread.join(20)


@pytest.mark.timeout(90)
def test_a_queued_events_updates_stream_through_one_by_one(gated_app):
    """If the stream were held back (buffered or compressed until it ends), the first update would come only
    after the generator gave up waiting for the word the test sends once it has read that update."""
    url, word = gated_app
    config = httpx.get(url + "config").json()
    fn = next(d["id"] for d in config["dependencies"] if d["api_name"] == "updates")
    session = uuid.uuid4().hex[:11]
    seen = []
    with httpx.Client(timeout=60, headers=BROWSER) as client:
        client.post(url + "gradio_api/queue/join", json={
            "data": [], "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None})
        with client.stream("GET", url + f"gradio_api/queue/data?session_hash={session}") as stream:
            assert "content-encoding" not in stream.headers
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message["msg"] in ("process_generating", "process_completed") and message.get("output"):
                    seen.append(json.dumps(message["output"].get("data")))
                    word.set()  # the first update is here: let the generator go on
                if message["msg"] == "process_completed":
                    break
    assert any("first" in s for s in seen), seen
    assert any("after the word: true" in s.lower() for s in seen), seen
