"""The page's compare as a stranger meets it over HTTP (#21 item 5): a user's compare is quoted and sent through the
page's own events; another browser that forges "pick this one" with that user's job id, or sends the view's events
without an offer of its own, changes nothing and learns nothing. And the view's words, without a browser."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid

import httpx
import pytest

from harness.app import start_app, stop_app
from studio.ui.compare_view import first_choice, offer_html
from tests.conftest import wait_until
from tests.test_attacks import event_of, run_event


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("comparepage") / "data", {"STUDIO_MULTI_USER": "1"})
    yield app
    stop_app(app)


def visitor(app) -> httpx.Client:
    client = httpx.Client(timeout=60)
    assert client.get(app.url).status_code == 200  # its own identity cookie
    return client


def in_session(app, client: httpx.Client, session: str, fn_index: int, data: list, event_data=None) -> dict:
    """One event in a page session that stays the same across calls (its State is the server's)."""
    joined = client.post(app.url + "gradio_api/queue/join", json={
        "data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data, "trigger_id": None})
    assert joined.status_code == 200, joined.text
    with client.stream("GET", app.url + f"gradio_api/queue/data?session_hash={session}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and '"process_completed"' in line:
                return json.loads(line[5:])
    raise AssertionError("the event never ended")


def jobs(app) -> list[tuple]:
    with sqlite3.connect(app.data_dir / "ledger.sqlite3") as db:
        return db.execute("SELECT id, compare_id, favourite, owner, state FROM jobs ORDER BY created_at").fetchall()


def test_a_users_compare_is_sent_through_the_page_and_a_stranger_cannot_pick_from_it(shared):
    owner, stranger = visitor(shared), visitor(shared)
    try:
        session = uuid.uuid4().hex[:11]
        ask = in_session(shared, owner, session, event_of(shared, "hh-compare-t2v", "click"),
                         ["a heron lands on a pier", "720P", "16:9", 3, False, "", "happyhorse-1.1", "", False])
        assert ask["success"], ask
        offer = ask["output"]["data"][0]["value"]
        assert "Send to 3 models · $1.14 in all" in offer  # 3 s at 720P: 0.42 + 0.42 + 0.30
        view = event_of(shared, "hh-compare-view", "click")
        sent = in_session(shared, owner, session, view, [None], {"act": "send", "models": ["happyhorse-1.1", "wan2.7"]})
        assert sent["success"], sent
        made = wait_until(lambda: [r for r in jobs(shared) if r[1]], 20, "the compare's jobs")
        assert len(made) == 2 and made[0][1] == made[1][1] and made[0][3] == made[1][3]
        wait_until(lambda: all(r[4] == "succeeded" for r in jobs(shared) if r[1]), 90, "the compare's clips")

        forged = run_event(shared, stranger, view, {"act": "pick", "id": made[0][0]}, [None])
        unknown = run_event(shared, stranger, view, {"act": "pick", "id": "0" * 16}, [None])
        assert forged["success"] is False and unknown["success"] is False
        assert forged["output"]["error"].replace(made[0][0], "ID") == unknown["output"]["error"].replace("0" * 16, "ID")
        for data in ({"act": "send", "models": ["happyhorse-1.1", "wan2.7"]}, {"act": "models", "models": "x" * 10_000},
                     {"act": ["pick"], "id": {"$ne": 1}}, {"act": "pick", "id": "x" * 100_000}, {}):
            answer = run_event(shared, stranger, view, data, [None])
            assert "hh-cmp" not in json.dumps(answer), answer  # no offer of its own: nothing drawn, nothing sent
        assert len([r for r in jobs(shared) if r[1]]) == 2 and len(jobs(shared)) == 2  # nothing sent for the stranger
        assert [r[2] for r in jobs(shared)] == [0, 0]  # nothing starred

        picked = in_session(shared, owner, session, view, [None], {"act": "pick", "id": made[1][0]})
        assert picked["success"], picked
        assert [r[2] for r in jobs(shared)] == [0, 1]
    finally:
        owner.close()
        stranger.close()


def test_the_offer_names_each_line_and_what_stops_it():
    assert first_choice("wan2.7", ["happyhorse-1.1", "happyhorse-1.0", "wan2.7"]) == [
        "wan2.7", "happyhorse-1.1", "happyhorse-1.0"]
    assert first_choice("gpt", ["happyhorse-1.0", "wan2.7"]) == ["happyhorse-1.0", "wan2.7"]
    shown = offer_html(["happyhorse-1.1", "wan2.7"], ["happyhorse-1.1"], {}, None,
                       "A compare sends the same shot to 2 or 3 models; you gave 1 <b>", "Text to video")
    assert "Can't compare yet:" in shown and "&lt;b&gt;" in shown and "data-act=\"send\" disabled" in shown
    assert 'data-model="wan2.7">' in shown and 'data-model="happyhorse-1.1" checked>' in shown


def test_an_image_to_video_compare_is_quoted_with_its_frame_and_refused_in_words_without_one(tmp_path):
    from PIL import Image

    from studio import config
    from studio.service import Studio
    from studio.ui.app import build
    from studio.ui.compat import upload_folder

    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    folder = upload_folder() / f"compare-{tmp_path.name}"  # where Gradio keeps uploads: the page takes only those
    folder.mkdir(parents=True, exist_ok=True)
    try:
        demo = build(studio)
        button = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "hh-compare-i2v")
        ask = next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "ask"
                   and any(t[0] == button._id for t in f.targets))
        frame = folder / "frame.png"
        Image.new("RGB", (960, 540), (30, 90, 160)).save(frame)
        offer = next(iter(ask(None, str(frame), "a slow push in", "1080P", 3, False, "", "wan2.7", "", False).values()))
        text = offer["value"]
        assert 'data-model="wan2.7" checked' in text  # the tab's model is compared first
        assert "Send to 3 models · $1.71 in all" in text  # 3 s at 1080P: 0.45 + 0.54 + 0.72
        bare = next(iter(ask(None, None, "a slow push in", "720P", 3, False, "", "wan2.7", "", False).values()))
        assert "Can't compare yet:" in bare["value"] and "data-act=\"send\" disabled" in bare["value"]
    finally:
        studio.close()
        shutil.rmtree(folder, ignore_errors=True)
