"""Every place the studio reaches into Gradio's internals, each written for one Gradio release.

GRADIO_VERSION is the release these were written against; tests/test_compat.py
fails loudly on any other, and checks that each internal still exists and
behaves as relied on here. On an upgrade, re-read each function below against
the new Gradio before changing the pin. Nothing else in the studio touches a
Gradio attribute that is not documented (the guards in studio.guards and
studio.upload_guard take Gradio's routes from here too).
"""

from __future__ import annotations

import json
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


def pin_mcp_client(blocks: gr.Blocks, own_url: str, files) -> None:
    """Gradio's MCP server calls the studio's own queue through a gradio_client it creates on the first tool
    call and then keeps for every caller (gradio/mcp.py, GradioMCPServer._get_or_create_client).

    Under mount_gradio_app nothing sets its `_local_url`, so Gradio takes the address from that first
    request's Host and X-Forwarded-Host headers: a stranger's first call would choose the host that every
    later caller's tool calls (with their tokens and cookies) go to. And gradio_client, given no token,
    sends the server's own HF_TOKEN on every call, so every MCP caller would act as the server's account.

    files: the module that turns a tool call's file arguments into checked uploads (studio.ui.mcp_files).

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
            _upload_nothing(state["client"])
        return state["client"]

    server._get_or_create_client = own_client
    serve_agents(server, files)


def _upload_nothing(client) -> None:
    """The studio's own client never uploads a file of this server's disk for a caller: a file a tool call
    names is already in the upload folder (studio.ui.mcp_files put it there, checked), so it is passed on
    as it is (Endpoint._upload_file would read it and upload a second copy); any other path is refused
    (uploading it would hand a caller any file the server can read)."""
    from gradio.utils import get_upload_folder, is_in_or_equal

    def keep(f: dict, data_index: int) -> dict:
        path = f.get("path")
        if not isinstance(path, str) or not is_in_or_equal(path, get_upload_folder()):
            raise ValueError("A file must be an https link, a data: URL or the path an upload returned.")
        return {"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}

    for endpoint in client.endpoints.values():
        endpoint._upload_file = keep


def serve_agents(server, files) -> None:
    """Gradio's MCP server (gradio/mcp.py, GradioMCPServer), made usable by an agent and safe:

    - file arguments: Gradio writes a data: URL to disk unchecked and never removes it
      (convert_strings_to_filedata -> save_base64_to_cache) and hands a link to the queue, which refuses
      it as "400 Bad Request" naming the studio's internal address. Here each call's file arguments go
      through `files` (studio.ui.mcp_files): links fetched and data: URLs decoded off the event loop,
      bounded, into a scratch folder removed when the call ends;
    - results: Gradio writes a dict or list result as Python's repr (str()); here as JSON;
    - descriptions: Gradio tells the agent to use an upload tool ("upload_file_to_gradio") that this
      server does not have; here the description says how files are given.
    """
    from gradio_client.utils import is_file_obj_with_meta
    from mcp import types

    handler = server.mcp_server.request_handlers[types.CallToolRequest]

    async def call_tool(req: types.CallToolRequest):
        try:
            _, positions = server.get_input_schema(req.params.name)
        except (ValueError, KeyError, AssertionError):  # not a tool: Gradio answers it
            return await handler(req)
        with files.Scratch() as scratch:
            try:
                req.params.arguments = await files.localise(req.params.arguments or {}, positions, scratch)
            except Exception as e:  # noqa: BLE001  (the refusal is the tool's answer, in its words)
                return types.ServerResult(types.CallToolResult(
                    content=[types.TextContent(type="text", text=files.words(e))], isError=True))
            return await handler(req)

    server.mcp_server.request_handlers[types.CallToolRequest] = call_tool
    server.convert_strings_to_filedata = files.as_filedata

    gradio_results = server.postprocess_output_data

    def as_json(data, root_url):
        content = []
        if len(data) == 1 and isinstance(data[0], tuple):  # several outputs (a clip and its record)
            data = list(data[0])
        for item in data:
            if isinstance(item, (dict, list)) and not is_file_obj_with_meta(item):
                content.append(types.TextContent(type="text", text=json.dumps(item, ensure_ascii=False,
                                                                               default=str)))
            else:
                content.extend(gradio_results([item], root_url))
        return content

    server.postprocess_output_data = as_json
    upload_tool_words = server._file_data_tool_description
    gradio_description = server.get_fn_description

    def describe(block_fn, tool_name):
        description, parameters = gradio_description(block_fn, tool_name)
        description = description.replace(upload_tool_words, " " + files.FILE_WORDS.rstrip("."))
        return description, files.with_words(block_fn.fn, parameters)

    server.get_fn_description = describe
    gradio_schema = server.get_input_schema

    def input_schema(tool_name, parameters=None):
        schema, positions = gradio_schema(tool_name, parameters)
        return _without_dangling_refs(schema), positions

    server.get_input_schema = input_schema


def _without_dangling_refs(schema: Any) -> Any:
    """A tool's input schema without the "$ref"s Gradio leaves on file entries (a list of files keeps
    "items": {"$ref": "#/$defs/FileData"} while its "$defs" are moved away, so the MCP schema check refused
    every call); the file entries are plain strings by then, and unused "$defs" go too."""
    def files_plain(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("type") == "string" and "format" in node:
                node = {k: v for k, v in node.items() if k not in ("$ref", "$defs")}
            return {k: files_plain(v) for k, v in node.items()}
        return [files_plain(v) for v in node] if isinstance(node, list) else node

    def no_defs(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: no_defs(v) for k, v in node.items() if k != "$defs"}
        return [no_defs(v) for v in node] if isinstance(node, list) else node

    plain = files_plain(schema)
    return plain if '"$ref"' in json.dumps(plain) else no_defs(plain)


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

