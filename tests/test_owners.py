"""Many users on one studio: each browser sees only its own jobs; the data directory is never served."""

import httpx
import pytest
from gradio_client import Client

from harness.app import start_app, stop_app
from studio.jobs.ledger import Ledger


@pytest.fixture(scope="module")
def shared_studio(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("shared") / "data", {"STUDIO_MULTI_USER": "1"})
    yield app
    stop_app(app)


def test_each_browser_gets_its_own_identity_and_jobs(shared_studio):
    ann, bob = Client(shared_studio.url, verbose=False), Client(shared_studio.url, verbose=False)
    _, a = ann.predict("a horse", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    _, b = bob.predict("a pony", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    _, a2 = ann.predict("a horse again", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    ledger = Ledger(shared_studio.data_dir / "ledger.sqlite3")
    owners = {ledger.get(j["id"]).owner for j in (a, b, a2)}
    assert len(owners) == 2 and all(o.startswith("anon:") for o in owners)
    assert ledger.get(a["id"]).owner == ledger.get(a2["id"]).owner != ledger.get(b["id"]).owner
    assert [j.id for j in ledger.list(ledger.get(b["id"]).owner)] == [b["id"]]
    first_visit = httpx.get(shared_studio.url)
    token = first_visit.cookies.get("happyhorse_studio_id")
    assert token and "httponly" in first_visit.headers["set-cookie"].lower()
    assert all(len(o) == len("anon:") + 24 and token not in o for o in owners)  # only a hash is kept


def test_the_data_directory_is_not_served(shared_studio):
    ledger = shared_studio.data_dir / "ledger.sqlite3"
    for url in (f"{shared_studio.url}gradio_api/file={ledger}", f"{shared_studio.url}file={ledger}"):
        assert httpx.get(url).status_code in (403, 404)
