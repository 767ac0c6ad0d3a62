"""studio.ui.compat reaches into Gradio's internals: these fail loudly when Gradio changes under it."""

from pathlib import Path

import gradio
import gradio.mcp
from gradio_client import Client

from studio.ui import mcp_files
from studio.ui.compat import GRADIO_VERSION, pin_mcp_client


def test_gradio_is_the_release_the_compat_module_was_written_for():
    assert gradio.__version__ == GRADIO_VERSION, (
        f"Gradio {gradio.__version__} is installed; studio/ui/compat.py was written for {GRADIO_VERSION}: "
        "re-read each function there against the new release, then change GRADIO_VERSION")


def test_the_mcp_server_still_keeps_its_client_where_pin_mcp_client_replaces_it():
    server = gradio.mcp.GradioMCPServer
    assert callable(getattr(server, "_get_or_create_client", None))
    assert "_local_url" in server.__init__.__code__.co_names
    assert "token" in Client.__init__.__code__.co_varnames  # token=False: no server token sent


def test_pin_mcp_client_leaves_a_studio_without_mcp_alone():
    with gradio.Blocks() as demo:
        gradio.Textbox()
    pin_mcp_client(demo, "http://127.0.0.1:1/", files=mcp_files)  # no MCP server object: nothing to pin, no error
    assert getattr(demo, "mcp_server_obj", None) is None


# --- every other internal in studio/ui/compat.py -------------------------------------------------------


def test_mark_launched_makes_gradio_refuse_a_file_it_did_not_receive():
    import pytest
    from gradio import processing_utils
    from gradio.context import LocalContext
    from gradio.exceptions import InvalidPathError

    from studio.ui.compat import mark_launched

    with gradio.Blocks() as demo:
        gradio.Image(type="filepath")
    token = LocalContext.blocks.set(demo)
    try:
        processing_utils._check_allowed("/etc/hostname", True)  # not launched: Gradio checks nothing
        mark_launched(demo)
        with pytest.raises(InvalidPathError):
            processing_utils._check_allowed("/etc/hostname", True)
    finally:
        LocalContext.blocks.reset(token)


def test_event_data_reads_what_a_script_sent():
    from studio.ui.compat import event_data

    assert event_data(gradio.EventData(None, {"id": "abc", "act": "fav"})) == {"id": "abc", "act": "fav"}
    assert event_data(gradio.EventData(None, ["not", "a", "dict"])) == {}


def test_api_components_and_document_reach_the_api_page():
    from studio.ui.compat import api_components, document, parameter_descriptions

    def echo(words: str, times: int = 1) -> str:
        """Say it again.

        Args:
            words: what to say
            times: how often
        """
        return words * times

    with gradio.Blocks() as demo:  # (the page's config, and the API page with it, is made at the block's end)
        dep = gradio.api(echo, api_name="echo")
        inputs, outputs = api_components(dep)
        document(inputs[0], "input", additional_description="WORDS-DOC")
        document(outputs[0], "output", description="OUT-DOC")
    assert len(inputs) == 2 and len(outputs) == 1 and all(isinstance(c, gradio.components.Component) for c in inputs)
    assert parameter_descriptions(echo) == {"words": "what to say", "times": "how often"}
    shown = str(demo.get_api_info())
    assert "WORDS-DOC" in shown and "OUT-DOC" in shown


def test_upload_folder_follows_gradio_temp_dir(tmp_path, monkeypatch):
    from studio.ui.compat import upload_folder

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "up"))
    assert upload_folder() == tmp_path / "up"


def test_the_oauth_session_key_and_the_request_behind_a_gr_request():
    import inspect

    import gradio.oauth

    from studio.ui.compat import http_request, oauth_info

    assert 'request.session["oauth_info"] = oauth_info' in inspect.getsource(gradio.oauth)

    class Signed:
        session = {"oauth_info": {"userinfo": {"preferred_username": "ann"}}}

    assert oauth_info(Signed())["userinfo"]["preferred_username"] == "ann"
    assert oauth_info(None) == {} and oauth_info(object()) == {}
    behind = object()
    assert http_request(gradio.Request(request=behind)) is behind and http_request(None) is None


def test_in_cache_gives_a_file_gradio_serves(tmp_path):
    from studio.ui.compat import in_cache

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x" * 10)
    block = gradio.Video()
    cached = in_cache(block, str(clip))
    assert cached != str(clip) and open(cached, "rb").read() == b"x" * 10 and cached in block.temp_files


def test_validated_by_sets_the_model_gradio_validates_with_and_writes_no_stub(tmp_path):
    import inspect

    import gradio.blocks
    from pydantic import model_validator

    import studio.ui.files
    from studio.ui.compat import file_models, validated_by

    FileData, ImageData = file_models()

    class Marked(ImageData):
        @model_validator(mode="before")
        @classmethod
        def _mark(cls, value):
            return {"path": "MARKED"} if isinstance(value, str) else value

    image = validated_by(gradio.Image(type="filepath"), Marked)
    assert type(image) is gradio.Image and image.data_model is Marked
    assert image.api_info()["title"] == "Marked"
    assert "block.data_model" in inspect.getsource(gradio.blocks.Blocks.preprocess_data)  # read per instance
    assert issubclass(FileData, gradio.data_classes.GradioModel)
    assert not list(Path(studio.ui.files.__file__).parent.glob("*.pyi"))  # nothing written beside the source


def test_abort_multipart_makes_gradios_parser_remove_what_it_wrote_wherever_the_upload_was_cut(tmp_path):
    import asyncio

    import pytest
    from gradio.route_utils import GradioMultiPartParser, MultiPartException
    from starlette.datastructures import Headers

    from studio.ui.compat import abort_multipart

    body = (b"--hh-b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.mp4\"\r\n"
            b"Content-Type: video/mp4\r\n\r\n" + b"\0" * 5000 + b"\r\n--hh-b\r\n"
            b"Content-Disposition: form-data; name=\"files\"; filename=\"b.png\"\r\n\r\n" + b"\1" * 300 +
            b"\r\n--hh-b--\r\n")
    end = body.rindex(b"\r\n--hh-b--")
    for cut in [*range(0, 160), *range(160, end, 97), *range(end - 20, end + 1)]:  # every header byte, then on
        upload_dir = tmp_path / str(cut)
        upload_dir.mkdir()

        async def stream(cut=cut):
            yield body[:cut]  # an upload cut off here...
            yield abort_multipart(b"hh-b")  # ...and ended by the guard

        parser = GradioMultiPartParser(Headers({"content-type": "multipart/form-data; boundary=hh-b"}), stream(),
                                       upload_dir=upload_dir, max_file_size=10**9)
        with pytest.raises(MultiPartException):
            asyncio.run(parser.parse())
        assert list(upload_dir.iterdir()) == [], cut


def test_the_routes_and_test_ids_the_studio_relies_on_are_gradios():
    import re

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from gradio import route_utils

    from studio.ui.compat import API_PREFIX, CSS_TEST_IDS, UPLOAD_ROUTE

    assert API_PREFIX == route_utils.API_PREFIX + "/"
    with gradio.Blocks() as demo:
        gradio.Textbox()
    with TestClient(gradio.mount_gradio_app(FastAPI(), demo, path="/")) as client:
        uploaded = client.post(UPLOAD_ROUTE, files=[("files", ("a.txt", b"words", "text/plain"))])
    assert uploaded.status_code == 200 and Path(uploaded.json()[0]).read_bytes() == b"words"  # a list of paths
    css = (Path(__file__).resolve().parents[1] / "assets" / "studio.css").read_text()
    assert set(re.findall(r'data-testid="([^"]+)"', css)) <= set(CSS_TEST_IDS)
    frontend = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
    bundle = "".join(p.read_text(errors="ignore") for p in frontend.glob("*.js"))
    for test_id in CSS_TEST_IDS:
        assert f'data-testid="{test_id}"' in bundle, test_id
