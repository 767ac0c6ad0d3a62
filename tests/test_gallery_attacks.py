"""A stranger forges the gallery's Select mode over HTTP, as curl would: the browser's list of ids is hostile.

Each bulk action (favourite, delete, add to storyboard, download) is sent with another user's job id, made-up
ids, too many ids and ids that are not strings. Nothing of the victim's may change or leave the server, and
the answer for the victim's id must be word for word the answer for an id that names nothing.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from harness.app import start_app, stop_app
from tests.test_attacks import event_of, run_event


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("gallery-attacks") / "data", {"STUDIO_MULTI_USER": "1"})
    yield app
    stop_app(app)


@pytest.fixture(scope="module")
def visitors(shared):
    """Two visitors with cookies of their own, kept for the module (new visitors per address are limited)."""
    with httpx.Client(timeout=120) as owner, httpx.Client(timeout=120) as stranger:
        assert owner.get(shared.url).status_code == 200 and stranger.get(shared.url).status_code == 200
        yield owner, stranger


def several(app, client: httpx.Client, op: str, ids, **extra) -> dict:
    """The grid's click event as the Select mode sends it, with forged ids."""
    return run_event(app, client, event_of(app, "hh-gallery", "click"), {"act": "several", "op": op, "ids": ids,
                                                                          **extra},
                     [None] * 4)  # the page's States: shown, window, the filters, the storyboard


def server_function(app, client: httpx.Client, elem_id: str, name: str, data):
    """A gr.HTML's server function, called as the page calls it."""
    config = client.get(app.url + "config").json()
    box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    answer = client.post(app.url + "gradio_api/component_server", json={
        "session_hash": uuid.uuid4().hex[:11], "component_id": box, "fn_name": name, "data": data})
    assert answer.status_code == 200, answer.text
    return answer.json()


def zip_url(app, client: httpx.Client, ids) -> dict:
    """The grid's server function behind Download."""
    return server_function(app, client, "hh-gallery", "zip_url", ids)


def filtered(app, client: httpx.Client, chosen, fn_index: int) -> dict:
    """The search and filters' event (fn_index: event_of(app, "hh-filterbox", "input")) as assets/filters.js
    sends it, with forged values."""
    return run_event(app, client, fn_index, chosen, [None])  # (the window)


def victim_row(app, job_id: str) -> tuple:
    with sqlite3.connect(app.data_dir / "ledger.sqlite3") as db:
        return db.execute("SELECT favourite, deleted_at FROM jobs WHERE id = ?", (job_id,)).fetchone()


def words(answer: dict) -> list:
    """What an answer shows the caller: its success, its error, the grid's count line and the toasts."""
    out = answer.get("output") or {}
    grid = next((d for d in out.get("data") or [] if isinstance(d, str) and "hh-count" in d), "")
    return [answer.get("success"), out.get("error"), grid.split("hh-count")[1][:80] if grid else ""]


def test_a_stranger_can_neither_star_delete_board_nor_download_another_users_clip(shared, visitors):
    _, victim = Client(shared.url, verbose=False).predict(
        "a horse, crane up", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    clip = Path(victim["output_path"])
    made_up = "0" * 16
    stranger = visitors[1]
    for op in ("fav", "delete", "board"):
        theirs = several(shared, stranger, op, [victim["id"]])
        nobody = several(shared, stranger, op, [made_up])
        assert words(theirs) == words(nobody), op  # the victim's id answers as an unknown one
        assert theirs["success"] is True, theirs
    board = several(shared, stranger, "board", [victim["id"], made_up])
    assert board["success"] is True
    assert all(not (isinstance(d, list) and d) for d in board["output"]["data"]), "a shot was added"
    assert zip_url(shared, stranger, [victim["id"]]) == zip_url(shared, stranger, [made_up])
    assert "error" in zip_url(shared, stranger, [victim["id"]])
    for hostile in (["a"] * 201, "0" * 16, {"$in": [victim["id"]]}, [[victim["id"]]], [None, 5, {}],
                    ["x" * 10_000], None, []):
        for op in ("fav", "delete"):
            answer = several(shared, stranger, op, hostile)
            assert answer["success"] is False, (op, hostile, answer)
            error = answer["output"]["error"]
            assert "at most 200" in error or "Select one or more" in error, error
        assert "error" in zip_url(shared, stranger, hostile)
    unknown = several(shared, stranger, "drop tables", [victim["id"]])
    assert unknown["success"] is False and victim["id"] not in unknown["output"]["error"]
    assert victim_row(shared, victim["id"]) == (0, None)
    assert clip.exists()


def test_the_owner_can_do_all_of_it_to_their_own_clips(shared, visitors):
    """The same events on the caller's own clips do act: the attack test above can fail."""
    owner = visitors[0]
    cookie = owner.cookies["happyhorse_studio_id"]
    mine = Client(shared.url, verbose=False, headers={"Cookie": f"happyhorse_studio_id={cookie}"})
    ids = [mine.predict(f"a paper boat, take {n}", "720P", "16:9", 3, False, "", api_name="/text_to_video")[1]["id"]
           for n in range(2)]
    assert several(shared, owner, "fav", ids)["success"] is True
    assert [victim_row(shared, i)[0] for i in ids] == [1, 1]
    packed = zip_url(shared, owner, ids)
    assert packed.get("count") == 2 and packed["url"], packed
    assert owner.get(shared.url + packed["url"]).content[:2] == b"PK"
    assert several(shared, owner, "delete", ids)["success"] is True
    assert all(victim_row(shared, i)[1] for i in ids)


def test_forged_filters_and_backend_lists_show_a_stranger_nothing_of_another_users(shared, visitors):
    """The filter box's values come from the browser: any shape of them filters only the caller's own clips,
    and the backend list names only the caller's own backends and models. The owner's same search finds the
    clip, so the stranger's empty answers are not an empty gallery's."""
    owner, stranger = visitors
    cookie = owner.cookies["happyhorse_studio_id"]
    _, victim = Client(shared.url, verbose=False, headers={"Cookie": f"happyhorse_studio_id={cookie}"}).predict(
        "a heron over reeds, pull back", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    box = event_of(shared, "hh-filterbox", "input")
    assert "heron" in filtered(shared, owner, {"search": "heron"}, box)["output"]["data"][3]
    assert len(server_function(shared, owner, "hh-filterbox", "backends", [])) > 1
    for hostile in ({"search": "heron"}, {"search": victim["id"]}, {"search": "x" * 100_000, "favourites": "yes"},
                    {"state": "'; DROP TABLE jobs; --", "variant": ["t2v"], "backend": {"$ne": ""}},
                    {"backend": "model:" + "w" * 5000}, {"favourites": 1, "state": None}, ["heron"], "heron", None):
        answer = filtered(shared, stranger, hostile, box)
        assert answer["success"] is True, (hostile, answer)
        grid = answer["output"]["data"][3]  # (the State it keeps is checked in tests/test_filters.py)
        assert "hh-count" in grid and "heron" not in grid and victim["id"] not in grid, hostile
    assert server_function(shared, stranger, "hh-filterbox", "backends", []) == [["Any backend or model", ""]]
