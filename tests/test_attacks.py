"""A stranger attacks a shared studio over HTTP, as curl would: every event that takes a file.

Each attack names a file the caller never uploaded: a server path, another
user's clip, /proc and /dev files, a symlink and a FIFO planted in the upload
folder, a link for the server to fetch. Every event with a file input (read
from the page's own config, so a new one is covered the day it is added,
public or private) must refuse it in words, and nothing may be copied.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from PIL import Image

from harness.app import start_app, stop_app
from harness.media import make_image

FILE_TYPES = ("image", "video", "file", "gallery")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    uploads = root / "gradio-uploads"
    app = start_app(root / "data", {"STUDIO_MULTI_USER": "1", "GRADIO_TEMP_DIR": str(uploads)})
    app.uploads = uploads
    yield app
    stop_app(app)


CONFIGS: dict[tuple[str, int], dict] = {}


def page_config(app) -> dict:
    """The page's config, read once per studio: every cookieless read is a new visitor, and one address may
    make only so many an hour (the module's tests together made more, and the last met a 429)."""
    key = (app.url, app.process.pid)
    if key not in CONFIGS:
        CONFIGS[key] = httpx.get(app.url + "config").json()
    return CONFIGS[key]


def file_events(app, private: bool = False) -> list[tuple[int, str | None, list[str]]]:
    """(fn_index, api name, input types) of every event that takes a file (only private ones if asked)."""
    config = page_config(app)
    types = {c["id"]: c["type"] for c in config["components"]}
    events = []
    for i, dep in enumerate(config["dependencies"]):
        kinds = [types[t] for t in dep["inputs"]]
        if any(k in FILE_TYPES for k in kinds) and (not private or dep.get("api_visibility") == "private"):
            events.append((i, dep.get("api_name"), kinds))
    return events


def payload(kinds: list[str], file_value) -> list:
    defaults = {"textbox": "a horse", "radio": "720P", "slider": 3, "checkbox": False}
    return [file_value if k in FILE_TYPES else defaults.get(k) for k in kinds]


def join(app, client: httpx.Client, fn_index: int, data: list) -> httpx.Response:
    return client.post(app.url + "gradio_api/queue/join",
                       json={"data": data, "fn_index": fn_index, "session_hash": uuid.uuid4().hex[:11],
                             "event_data": None, "trigger_id": None})


def all_jobs(app) -> int:
    with sqlite3.connect(app.data_dir / "ledger.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]


def cached_files(app) -> set[str]:
    return {str(p) for p in app.uploads.rglob("*") if p.is_file()} if app.uploads.exists() else set()


def attack_paths(app, victim_clip: str) -> dict[str, str]:
    planted = app.uploads / "planted"
    planted.mkdir(parents=True, exist_ok=True)
    link, fifo = planted / "frame.png", planted / "pipe.png"
    if not link.is_symlink():
        link.symlink_to("/etc/hostname")
    if not fifo.exists():
        os.mkfifo(fifo)
    return {
        "server file": "/etc/hostname",
        "the ledger": str(app.data_dir / "ledger.sqlite3"),
        "another user's clip": victim_clip,
        "/proc": "/proc/self/environ",
        "/dev": "/dev/zero",
        "dot-dot out of the uploads": str(app.uploads / ".." / ".." / "etc" / "hostname"),
        "symlink out": str(link),
        "FIFO": str(fifo),
        "a link to fetch": "http://127.0.0.1:1/secret.png",
    }


def test_no_event_opens_a_file_the_caller_did_not_upload(shared):
    _, victim = Client(shared.url, verbose=False).predict(
        "a horse, slow pan", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    events = file_events(shared)
    assert {name for _, name, _ in events} >= {"image_to_video", "reference_to_video", "video_edit",
                                                "frame_facts", "source_facts"}
    assert len(file_events(shared, private=True)) >= 6  # private ones (quotes, facts, advice) are attacked too
    before, jobs_before = cached_files(shared), all_jobs(shared)
    with httpx.Client(timeout=30) as attacker:
        for what, path in attack_paths(shared, victim["output_path"]).items():
            for fn_index, name, kinds in events:
                answer = join(shared, attacker, fn_index, payload(kinds, {
                    "path": path, "meta": {"_type": "gradio.FileData"}}))
                assert answer.status_code == 400, (what, name, answer.text)
                message = answer.json()["error"]
                assert "upload" in message.lower() and path not in message, (what, name, message)
    planted = {str(p) for p in (shared.uploads / "planted").iterdir()}
    assert cached_files(shared) - before - planted == set()  # nothing was copied anywhere
    assert all_jobs(shared) == jobs_before  # and nothing was run


def test_a_bare_string_path_is_refused_too_and_runs_no_job(shared):
    """A path sent as a plain string (not file data) slips past file handling: the event must still refuse."""
    jobs_before = all_jobs(shared)
    with httpx.Client(timeout=30) as attacker:
        for fn_index, name, kinds in file_events(shared):
            answer = join(shared, attacker, fn_index, payload(kinds, "/etc/hostname"))
            assert answer.status_code in (200, 400), answer.text
    with httpx.Client(timeout=30) as attacker:
        event = attacker.post(shared.url + "gradio_api/call/image_to_video",
                              json={"data": ["/etc/hostname", "p", "720P", 3, False, ""]})
        result = attacker.get(shared.url + f"gradio_api/call/image_to_video/{event.json()['event_id']}")
    assert "event: error" in result.text
    assert not [p for p in shared.uploads.rglob("hostname") if p.is_file()]
    assert all_jobs(shared) == jobs_before


def test_a_page_of_another_origin_can_neither_read_nor_spend(shared):
    own = shared.url.rstrip("/")
    port = own.rsplit(":", 1)[1]
    body = {"data": ["a horse", "720P", "16:9", 3, False, ""]}
    with httpx.Client(timeout=30) as browser:
        assert browser.get(shared.url).status_code == 200  # the user's own visit: cookie set
        for origin in (f"http://127.0.0.1:{int(port) + 1}", f"http://localhost:{port}", "null",
                       "http://studio.example.com.evil.test"):
            spend = browser.post(shared.url + "gradio_api/call/text_to_video", json=body,
                                 headers={"Origin": origin})
            assert spend.status_code == 403 and "other websites" in spend.json()["error"], origin
            read = browser.get(shared.url + "config", headers={"Origin": origin})
            assert read.status_code == 403, origin
        sibling = browser.post(shared.url + "gradio_api/call/text_to_video", json=body,
                               headers={"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"})
        assert sibling.status_code == 403
        same = browser.post(shared.url + "gradio_api/call/text_to_video", json=body, headers={"Origin": own})
        assert same.status_code == 200 and "event_id" in same.json()


def test_uploads_are_capped_by_the_server_and_refused_ones_leave_nothing(shared):
    before = cached_files(shared)
    with httpx.Client(timeout=120) as client:
        files = [("files", (f"f{i}.png", b"x" * 100, "image/png")) for i in range(10)]
        many = client.post(shared.url + "gradio_api/upload", files=files)
        assert many.status_code == 400 and "At most 9 files" in many.json()["error"]
        big = b"\0" * (100 * 1024 * 1024 + 1)
        huge = client.post(shared.url + "gradio_api/upload", files=[("files", ("big.mp4", big, "video/mp4"))])
        assert huge.status_code == 413
        ok = client.post(shared.url + "gradio_api/upload", files=[("files", ("ok.png", b"y" * 100, "image/png"))])
        assert ok.status_code == 200 and len(ok.json()) == 1
    names = {Path(p).name for p in cached_files(shared) - before}  # (other tests' clips may land meanwhile)
    assert "ok.png" in names and not names & {"big.mp4", *(f"f{i}.png" for i in range(10))}, names


def test_cookieless_callers_cannot_mint_endless_identities(tmp_path):
    app = start_app(tmp_path / "data", {"STUDIO_MULTI_USER": "1"})
    try:
        kept = httpx.get(app.url).cookies["happyhorse_studio_id"]  # a caller that keeps its cookie
        codes = [httpx.get(app.url, cookies={"happyhorse_studio_id": f"made-up-{n}.{'0' * 32}"}).status_code
                 for n in range(29)]  # made-up cookies are no identity: each mints one, and counts
        assert codes == [200] * 29
        refused = httpx.post(app.url + "gradio_api/call/text_to_video",
                             json={"data": ["a horse", "720P", "16:9", 3, False, ""]})
        assert refused.status_code == 429 and "Too many new sessions" in refused.json()["error"]
        assert httpx.get(app.url, cookies={"happyhorse_studio_id": kept}).status_code == 200
    finally:
        stop_app(app)


def test_a_dns_rebound_name_is_not_answered(shared):
    for host in ("attacker.example", "127.0.0.1.nip.io", "evil.localhost.example"):
        answer = httpx.get(shared.url + "config", headers={"Host": host})
        assert answer.status_code == 421 and "own address" in answer.json()["error"], host
    assert httpx.get(shared.url + "config", headers={"Host": "localhost"}).status_code == 200


def test_guessed_file_urls_serve_nothing_of_another_users(shared):
    _, victim = Client(shared.url, verbose=False).predict(
        "a horse, crane up", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    clip = victim["output_path"]
    serve_dirs = sorted(Path(tempfile.gettempdir()).glob("happyhorse-serve-*"), key=lambda p: p.stat().st_mtime)
    guesses = [clip, str(shared.data_dir / "ledger.sqlite3"), "/etc/hostname"]
    guesses += [str(d / Path(clip).name) for d in serve_dirs]
    with httpx.Client(timeout=30) as stranger:
        for path in guesses:
            for url in (f"gradio_api/file={path}", f"file={path}"):
                assert stranger.get(shared.url + url).status_code in (403, 404), url


BOARD_STATES = [None, None]  # the storyboard's events read two states (the plan, the size choice): the server's own


def event_of(app, elem_id: str, event: str) -> int:
    """The fn_index of the page's handler for `event` on the component with this elem_id."""
    config = page_config(app)
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
    return next(i for i, dep in enumerate(config["dependencies"])
                if any(t[0] in ids and t[1] == event for t in dep["targets"]))


def run_event(app, client: httpx.Client, fn_index: int, event_data: dict, data: list | None = None) -> dict:
    """Send one event as the page would, with forged event data (and inputs), and wait for its end."""
    session = uuid.uuid4().hex[:11]
    joined = client.post(app.url + "gradio_api/queue/join", json={
        "data": data or [None], "fn_index": fn_index, "session_hash": session, "event_data": event_data, "trigger_id": None})
    assert joined.status_code == 200, joined.text
    with client.stream("GET", app.url + f"gradio_api/queue/data?session_hash={session}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and '"process_completed"' in line:
                return json.loads(line[5:])
    raise AssertionError("the event never ended")


def test_a_stranger_cannot_pick_star_or_board_another_users_clip_by_forging_event_data(shared):
    _, victim = Client(shared.url, verbose=False).predict(
        "a horse, dolly in", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    with httpx.Client(timeout=60) as stranger:
        assert stranger.get(shared.url).status_code == 200  # a visitor of its own, with its own cookie
        viewer = event_of(shared, "hh-detail-body", "click")  # the viewer's buttons: takes, lineage, actions
        pick = run_event(shared, stranger, viewer, {"act": "pick", "id": victim["id"]})
        made_up = run_event(shared, stranger, viewer, {"act": "pick", "id": "0" * 16})
        star = run_event(shared, stranger, viewer, {"act": "fav", "id": victim["id"]})  # no clip open: refused
        assert star["success"] is False and "Open a clip first" in star["output"]["error"]
        assert pick["success"] is False and made_up["success"] is False
        # the same words as for an id that does not exist: no hint that the victim's job is there
        assert pick["output"]["error"].replace(victim["id"], "ID") == made_up["output"]["error"].replace("0" * 16, "ID")
        # The plan is the server's session state (Gradio never takes a State from the request; what a plan
        # may hold is tested in test_storyboard_plan): hostile event data must neither break nor show a shot.
        for data in ({"plan": [{"id": victim["id"], "start": 1, "end": 2, "fade": 1}]}, {"plan": "x" * 10_000},
                     {"plan": [{"id": {"$ne": 1}}] * 500}):
            edit = run_event(shared, stranger, event_of(shared, "hh-board", "input"), data, BOARD_STATES)
            assert edit["success"] is True, edit
            assert edit["output"]["data"][1:3] == [{"visible": False, "__type__": "update"}, ""]  # no shot shown
        for data in ({"act": "left", "i": 1, "plan": None}, {"act": "remove", "i": -5}, {"act": ["x"], "i": "0"}):
            move = run_event(shared, stranger, event_of(shared, "hh-board", "click"), data, BOARD_STATES)
            assert move["success"] is True and move["output"]["data"][2] == "", move
        # The export bar: a forged size choice, a Cancel with nothing of theirs running, an export of no shots
        for data in ({"fit": "../../etc/passwd"}, {"fit": {"$ne": 1}}, {"plan": [], "sel": {"x": 1}}):
            choice = run_event(shared, stranger, event_of(shared, "hh-story-acts", "input"), data, BOARD_STATES)
            assert choice["success"] is True and choice["output"]["data"][2] == "", choice
        cancel = run_event(shared, stranger, event_of(shared, "hh-story-acts", "click"), {"act": "cancel"}, BOARD_STATES)
        assert cancel["success"] is True, cancel
        export = run_event(shared, stranger, event_of(shared, "hh-story-acts", "submit"), {}, BOARD_STATES)
        assert export["success"] is False and "at least two clips" in export["output"]["error"], export
        # A join's Preview: the victim's clips named in the plan, a join out of range, not a number: refused in
        # words, nothing rendered (the plan is the stranger's own, empty: their shots are never the victim's)
        for data in ({"i": 0, "plan": [{"id": victim["id"], "start": 0, "end": 2, "fade": 0}] * 2},
                     {"i": 10**9}, {"i": -1}, {"i": "0; rm -rf /"}, {"i": [0], "plan": {"x": 1}}):
            join = run_event(shared, stranger, event_of(shared, "hh-board", "submit"), data, BOARD_STATES)
            assert join["success"] is False and "There is no join" in join["output"]["error"], join
        assert not list((shared.data_dir / "joins").glob("*"))
    with sqlite3.connect(shared.data_dir / "ledger.sqlite3") as db:
        assert db.execute("SELECT favourite FROM jobs WHERE id = ?", (victim["id"],)).fetchone() == (0,)


def test_a_forged_reframe_chip_names_no_file_and_cuts_only_from_the_callers_own_original(shared, tmp_path):
    """The Reframe chips send {ratio} or {anchor}; whatever else forged event data says (a path, an original, a
    ratio no model makes), nothing is read or written, and a cut is always made from the caller's own original."""
    photo = make_image(tmp_path / "photo.png", 1200, 900)
    with httpx.Client(timeout=60) as owner, httpx.Client(timeout=60) as stranger:
        for visitor in (owner, stranger):
            assert visitor.get(shared.url).status_code == 200  # a visitor of its own, with its own cookie
        sent = owner.post(shared.url + "gradio_api/upload",
                          files=[("files", ("photo.png", photo.read_bytes(), "image/png"))]).json()[0]
        chips = event_of(shared, "hh-frame-facts", "click")

        def press(client, path, data) -> tuple[str | None, str]:
            done = run_event(shared, client, chips, data, [{"path": path, "meta": {"_type": "gradio.FileData"}}, None])
            assert done["success"] is True, done
            frame, box = done["output"]["data"]
            return (frame or {}).get("path"), box

        before = cached_files(shared)
        for data in ({"ratio": "../../etc/passwd"}, {"ratio": "7:3"}, {"ratio": {"$ne": 1}}, {"anchor": ["end"]},
                     {"file": "/etc/hostname"}, {"original": str(shared.data_dir / "ledger.sqlite3")}, {"ratio": None},
                     {"anchor": "end"}, ["9:16"]):
            made, box = press(owner, sent, data)
            assert made is None and "Not" in box and "/etc" not in box, (data, box)
        # event data shaped as a file is refused at the door, before any handler runs
        forged = owner.post(shared.url + "gradio_api/queue/join", json={
            "data": [{"path": sent, "meta": {"_type": "gradio.FileData"}}, None], "fn_index": chips,
            "session_hash": uuid.uuid4().hex[:11], "event_data": {"ratio": "1:1", "path": "/etc/hostname"},
            "trigger_id": None})
        assert forged.status_code == 400 and "upload" in forged.json()["error"]
        assert cached_files(shared) == before  # nothing was written
        cut, box = press(owner, sent, {"ratio": "9:16", "file": "/etc/hostname", "original": "/etc/passwd"})
        assert Image.open(cut).size == (506, 900) and "Cut to <strong>9:16</strong>" in box
        again, _ = press(owner, cut, {"ratio": "16:9", "anchor": "end"})  # from the original, not the cut
        assert Image.open(again).size == (1200, 675)
        back, _ = press(owner, again, {"ratio": "original"})
        assert back == sent
        theirs, _ = press(stranger, cut, {"ratio": "1:1"})  # someone else's cut is only a picture to them:
        assert Image.open(theirs).size == (506, 506)       # cut from it as it is, not from the owner's original
        nothing, box = press(stranger, theirs, {"ratio": "16:9"})  # 506 x 285 px: too small, refused
        assert nothing is None and "would leave" in box
