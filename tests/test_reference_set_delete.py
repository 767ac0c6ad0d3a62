"""Deleting a reference set from the page (#19 item 4): it asks first, deletes on the second press, and only ever
finds the caller's own sets. A stranger who sends the delete event for another user's set name, over HTTP as a
page would, deletes nothing and learns nothing (the same words as for a name that does not exist)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from harness.app import start_app, stop_app
from harness.media import make_image
from studio.ui.reference_sets import Confirmations, set_name
from tests.test_attacks import event_of, run_event

SLOTS = 9


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("setdelete") / "data", {"STUDIO_MULTI_USER": "1"})
    yield app
    stop_app(app)


def visitor(app) -> httpx.Client:
    client = httpx.Client(timeout=60)
    assert client.get(app.url).status_code == 200  # the page gives this browser its own identity cookie
    return client


def saved_set(app, client: httpx.Client, name: str, tmp_path) -> None:
    picture = make_image(tmp_path / f"{name}.png", 800, 800)
    with picture.open("rb") as f:
        uploaded = client.post(app.url + "gradio_api/upload", files={"files": (picture.name, f, "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    image = {"path": uploaded.json()[0], "meta": {"_type": "gradio.FileData"}}
    done = run_event(app, client, event_of(app, "hh-sets-r2v", "click"), {"act": "save", "name": name},
                     ["", image] + [None] * (SLOTS - 1))
    assert done["success"] and "Saved" in said(done), done


def said(done: dict) -> str:
    """The status line of the redrawn box, its <strong> read back as **bold** (the handlers' words)."""
    box = done["output"]["data"][-1]
    box = box.get("value", box) if isinstance(box, dict) else box
    line = re.search(r'<p class="hh-bsay"[^>]*>(.*?)</p>', box, re.S).group(1)
    return re.sub(r"</?strong>", "**", line).replace("&amp;", "&")


def delete(app, client: httpx.Client, name) -> str:
    """Delete pressed with `name` picked (anything, as a forged page would send it)."""
    done = run_event(app, client, event_of(app, "hh-sets-r2v", "click"), {"act": "delete", "set": name},
                     [""] + [None] * SLOTS)
    assert done["success"], done
    return said(done)


def names(app, client: httpx.Client) -> list[str]:
    """What the picker lists when it gets focus: the box's server function, as the page asks it."""
    config = httpx.get(app.url + "config", timeout=30).json()
    box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "hh-sets-r2v")
    answer = client.post(app.url + "gradio_api/component_server",
                         json={"session_hash": uuid.uuid4().hex[:11], "component_id": box, "fn_name": "set_names",
                               "data": ""})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_set_is_deleted_on_the_second_press_and_another_users_set_cannot_be(shared, tmp_path):
    owner, stranger = visitor(shared), visitor(shared)
    try:
        saved_set(shared, owner, "Captain Mara", tmp_path)
        saved_set(shared, owner, "Red kettle", tmp_path)
        assert names(shared, owner) == ["Captain Mara", "Red kettle"] and names(shared, stranger) == []
        for _ in range(2):  # the ask, then what would be the confirmation
            said = delete(shared, stranger, "Captain Mara")
            assert said.startswith("**Not deleted:**") and "no reference set named" in said
            assert said.replace("Captain Mara", "X") == delete(shared, stranger, "Nobody").replace("Nobody", "X")
        for hostile in ({"name": "Captain Mara"}, ["Captain Mara"], "x" * 100_000, None, "", 7):
            assert delete(shared, stranger, hostile).startswith("**Not deleted:**")
        assert names(shared, owner) == ["Captain Mara", "Red kettle"]  # all still there
        for act in ({"act": "nuke", "set": "Captain Mara"}, {"act": ["delete"]}, {}):  # no act the box has
            done = run_event(shared, stranger, event_of(shared, "hh-sets-r2v", "click"), act, [""] + [None] * SLOTS)
            assert done["success"], done
        assert names(shared, owner) == ["Captain Mara", "Red kettle"]

        asked = delete(shared, owner, "Captain Mara")
        assert asked.startswith("Delete **Captain Mara** (1 images)?") and names(shared, owner) == [
            "Captain Mara", "Red kettle"]
        assert delete(shared, owner, "Red kettle").startswith("Delete **Red kettle**")  # another set: asks anew
        assert delete(shared, owner, "Captain Mara").startswith("Delete **Captain Mara**")
        assert delete(shared, owner, "Captain Mara") == "Deleted **Captain Mara**. The slots keep what they show."
        assert names(shared, owner) == ["Red kettle"]
    finally:
        owner.close()
        stranger.close()


def test_a_confirmation_is_for_one_set_and_runs_out():
    asked = Confirmations()
    assert not asked.confirmed("a", "Mara", now=0.0)
    assert not asked.confirmed("b", "Mara", now=1.0)      # another owner's press is their own
    assert asked.confirmed("a", "Mara", now=2.0)
    assert not asked.confirmed("a", "Mara", now=3.0)      # used up: asks again
    assert not asked.confirmed("a", "Mara", now=40.0)     # too late: asks again
    assert not asked.confirmed("a", "Kettle", now=41.0)   # a different set: asks for that one
    assert set_name("  Mara ") == "Mara" and set_name({"x": 1}) is None and set_name("x" * 201) is None
