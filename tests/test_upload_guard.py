"""A stranger attacks the running studio's upload route and Gradio's other POST routes over HTTP.

An upload cut off midway, or refused, leaves no file in the upload folder; a part named "files" that is no
file is refused in words (Gradio alone answers it with a server error); and every POST but the upload is
checked for the files it names, whatever its route, so a route a Gradio upgrade adds is not a way around
the check (6.31's POST /gradio_api/stream/{event_id} was one).
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from harness.app import start_app, stop_app
from tests.conftest import wait_until

BOUNDARY = "hh-attack-boundary"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    root = tmp_path_factory.mktemp("upload-guard")
    uploads = root / "uploads"  # this studio's own upload folder: nothing else writes there
    app = start_app(root / "data", {"GRADIO_TEMP_DIR": str(uploads)})
    app.uploads = uploads
    yield app
    stop_app(app)


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def part(name: str, filename: str | None, content: bytes) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    kind = "Content-Type: application/octet-stream\r\n" if filename else ""
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + content + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_upload(app, body: bytes) -> httpx.Response:
    return httpx.post(app.url + "gradio_api/upload", content=body, timeout=60,
                      headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


def test_an_upload_cut_off_midway_leaves_no_partial_file(guarded):
    before = files_in(guarded.uploads)
    head = part("files", "cut-off.mp4", b"")[:-2]  # the part's headers; its content follows
    declared = len(head) + 50_000_000
    address = urlsplit(guarded.url)
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(f"POST /gradio_api/upload HTTP/1.1\r\nHost: {address.netloc}\r\n"
                     f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode() + head + b"\0" * 2_000_000)
        partial = wait_until(lambda: files_in(guarded.uploads) - before, timeout=30,
                             what="the upload's partial file in the upload folder")
    # the client is gone with 48 MB unsent: what Gradio wrote of it must go too
    wait_until(lambda: not any(p.exists() for p in partial), timeout=30, what=f"{partial} removed")
    assert files_in(guarded.uploads) == before


@pytest.mark.parametrize("order", ["file first", "text first"])
def test_a_part_named_files_that_is_no_file_is_refused_in_words_and_nothing_is_kept(guarded, order):
    before = files_in(guarded.uploads)
    upload = part("files", "kept-not.png", b"\x89PNG" + b"y" * 300_000)
    text = part("files", None, b"/etc/hostname")
    answer = post_upload(guarded, multipart(*((upload, text) if order == "file first" else (text, upload))))
    assert answer.status_code == 400, answer.text
    assert 'part named "files" must be a file' in answer.json()["error"]
    assert files_in(guarded.uploads) == before
    fine = post_upload(guarded, multipart(upload))  # the same file alone is taken
    assert fine.status_code == 200 and Path(fine.json()[0]).name == "kept-not.png"


def test_every_post_but_the_upload_is_checked_whatever_its_route(guarded):
    named = {"data": [{"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}], "fn_index": 0,
             "session_hash": "attacker01", "event_data": None}
    for route in ("gradio_api/stream/some-event", "gradio_api/stream/some-event/close",
                  "gradio_api/a-route-of-a-later-gradio", "gradio_api/queue/join", "a-page-route"):
        answer = httpx.post(guarded.url + route, json=named, timeout=30)
        assert answer.status_code == 400 and "was not uploaded to this studio" in answer.json()["error"], route
        linked = httpx.post(guarded.url + route, json={"data": [{"path": "https://example.com/a.png"}]}, timeout=30)
        assert linked.status_code == 400 and "links are not fetched" in linked.json()["error"], route
        unread = httpx.post(guarded.url + route, content=b"\x00not json", timeout=30,
                            headers={"Content-Type": "application/octet-stream"})
        assert unread.status_code == 400 and "takes JSON" in unread.json()["error"], route
    huge = httpx.post(guarded.url + "gradio_api/stream/x", content=b"[" + b"0," * 3_000_000 + b"0]", timeout=60,
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
