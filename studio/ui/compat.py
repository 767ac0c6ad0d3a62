"""Every place the studio reaches into Gradio's internals, each written for one Gradio release.

GRADIO_VERSION is the release these were written against; tests/test_compat.py
fails loudly on any other, and checks that each internal still exists and
behaves as relied on here. On an upgrade, re-read each function below against
the new Gradio before changing the pin. Nothing else in the studio touches a
Gradio attribute that is not documented (the guards in studio.guards and
studio.upload_guard take Gradio's routes from here too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
from starlette.requests import HTTPConnection

GRADIO_VERSION = "6.31.0"

API_PREFIX = "/gradio_api/"
UPLOAD_ROUTE = "/gradio_api/upload"  # the one POST whose body is multipart (files), not JSON
# data-testid values of Gradio's own elements that assets/studio.css selects (the test reads the CSS and
# Gradio's built frontend: both must agree)
CSS_TEST_IDS = ("image", "video", "block-label", "upload-text")


def pin_mcp_client(blocks: gr.Blocks, own_url: str) -> None:
    """Gradio's MCP server calls the studio's own queue through a gradio_client it creates on the first tool
    call and then keeps for every caller (gradio/mcp.py, GradioMCPServer._get_or_create_client).

    Under mount_gradio_app nothing sets its `_local_url`, so Gradio takes the address from that first
    request's Host and X-Forwarded-Host headers: a stranger's first call would choose the host that every
    later caller's tool calls (with their tokens and cookies) go to. And gradio_client, given no token,
    sends the server's own HF_TOKEN on every call, so every MCP caller would act as the server's account.

    Here the client is the studio's own loopback address, always, and carries no token or cookie of its
    own: each call carries only the headers of the MCP request it serves (its caller's own credentials).
    """
    server = getattr(blocks, "mcp_server_obj", None)
    if server is None:  # MCP is off (GRADIO_MCP_SERVER unset)
        return
    from gradio_client import Client

    server._local_url = own_url
    state: dict[str, Client] = {}

    def own_client() -> Client:
        if "client" not in state:
            state["client"] = Client(own_url, token=False, download_files=False, verbose=False,
                                     analytics_enabled=False, _skip_components=False,
                                     headers={"x-gradio-user": "mcp"})
            # its config read was given an identity cookie of its own: dropped, or every caller
            # without a cookie would share that one identity
            state["client"].cookies.clear()
        return state["client"]

    server._get_or_create_client = own_client


def mark_launched(blocks: gr.Blocks) -> None:
    """What launch() sets and mount_gradio_app does not (Blocks.has_launched): with it, Gradio refuses a
    file sent to an event that it did not receive itself (processing_utils checks it)."""
    blocks.has_launched = True


def event_data(evt: gr.EventData) -> dict:
    """What a page's script sent with an event (trigger(name, {...})): EventData keeps it in `_data`.
    {} for anything but a dict."""
    data = getattr(evt, "_data", None)
    return data if isinstance(data, dict) else {}


def api_components(dep: dict) -> tuple[list, list]:
    """The input and output components of an endpoint gr.api() just made (inside the Blocks): gr.api
    returns its dependency as a dict of component ids, looked up in the Blocks being built."""
    from gradio.context import get_blocks_context

    blocks = get_blocks_context().blocks
    return [blocks[i] for i in dep["inputs"]], [blocks[i] for i in dep["outputs"]]


def document(component: gr.components.Component, side: str, **schema: Any) -> None:
    """Add to the API schema Gradio shows for a component as an input or output (`side`): its own
    api_info_as_input / api_info_as_output, replaced on this one instance with the schema merged in."""
    method = f"api_info_as_{side}"
    info = {**getattr(component, method)(), **schema}
    setattr(component, method, lambda: info)


def parameter_descriptions(fn) -> dict[str, str]:
    """The Args: lines of a function's docstring, by parameter, as Gradio reads them for its API page."""
    from gradio.utils import get_function_description

    return get_function_description(fn)[1]


def upload_folder() -> Path:
    """Where Gradio keeps this server's uploads (GRADIO_TEMP_DIR, else <tmp>/gradio)."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


def oauth_info(request: gr.Request | None) -> dict:
    """What Gradio's Hugging Face OAuth keeps in the signed session (key "oauth_info"); {} without one."""
    try:
        return request.session.get("oauth_info") or {}
    except (AttributeError, AssertionError, KeyError):  # no session middleware: no sign-in here
        return {}


def http_request(request: gr.Request | None):
    """The Starlette request behind a gr.Request (its `request` attribute), e.g. to read the state the
    studio's middleware left on it; None for a request Gradio made up (no HTTP request behind it)."""
    if request is None:
        return None
    if isinstance(request, HTTPConnection):  # a component's server function gets Starlette's own request
        return request
    return getattr(request, "request", None)


def in_cache(block: gr.blocks.Block, path: str) -> str:
    """A copy of a server file in Gradio's cache for this block (Block.move_resource_to_block_cache), which
    Gradio then serves at gradio_api/file=<path>."""
    return block.move_resource_to_block_cache(path)


def validated_by(component: gr.components.Component, data_model: type) -> gr.components.Component:
    """The same component, its API values validated by `data_model` (Gradio reads `data_model` from the
    instance: Component.api_info, preprocess and Blocks' input validation).

    Set on the instance, not in a subclass: Gradio's ComponentMeta writes a .pyi stub beside the source
    file of every component class defined in a file (component_meta.create_or_modify_pyi), which would
    write into the studio's source tree on import."""
    component.data_model = data_model
    return component


def file_models() -> tuple[type, type]:
    """Gradio's data models for a file and an image value (gradio.data_classes)."""
    from gradio.data_classes import FileData, ImageData

    return FileData, ImageData


def abort_multipart(boundary: bytes) -> bytes:
    """Bytes that end a multipart upload, cut off anywhere before its closing boundary, so that Gradio's
    parser fails: Gradio then deletes every temporary file it wrote for the request (GradioMultiPartParser
    catches python-multipart's MultipartParseError and unlinks _files_to_close_on_error) instead of keeping
    a partial file. A boundary followed by a space and a NUL is an error in every state of the parser; it
    comes twice because right after a header line the first CRLF only ends the part's headers."""
    return (b"\r\n--" + boundary + b" \x00") * 2

