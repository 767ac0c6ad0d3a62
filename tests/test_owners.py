"""Many users on one studio: each sees only their own jobs and files; nobody unsigned can spend."""

import pytest
from gradio_client import Client

from tests.app_fixture import start_app, stop_app


@pytest.fixture(scope="module")
def shared_studio(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("shared") / "data", {"STUDIO_MULTI_USER": "1"})
    yield app
    stop_app(app)


def test_an_unsigned_visitor_cannot_start_a_job(shared_studio):
    client = Client(shared_studio.url, verbose=False)
    with pytest.raises(Exception, match="Sign in first"):
        client.predict("a horse", "720P", "16:9", 3, False, "", api_name="/text_to_video")


def test_the_data_directory_is_not_served(shared_studio):
    import httpx

    ledger = shared_studio.data_dir / "ledger.sqlite3"
    for url in (f"{shared_studio.url}gradio_api/file={ledger}", f"{shared_studio.url}file={ledger}"):
        assert httpx.get(url).status_code in (403, 404)
