"""The Gradio internals studio.ui.compat.serve_agents and pin_mcp_client rely on, checked on the pinned
release: if an upgrade renames one, this fails by name (the HTTP tests in test_mcp_agents.py would fail
too, less plainly)."""

from __future__ import annotations

import inspect

from gradio.mcp import GradioMCPServer
from gradio_client.client import Endpoint
from mcp import types
from mcp.server import Server

from studio.ui.compat import GRADIO_VERSION


def test_the_mcp_server_still_has_every_hook_the_studio_wraps():
    assert GRADIO_VERSION == "6.31.0"
    for name in ("convert_strings_to_filedata", "postprocess_output_data", "get_fn_description", "get_input_schema",
                 "_get_or_create_client", "create_mcp_server"):
        assert callable(getattr(GradioMCPServer, name, None)), name
    assert isinstance(GradioMCPServer._file_data_tool_description, property)
    assert "upload_file_to_gradio" in GradioMCPServer._file_data_tool_description.fget(None)
    # the call path the wrapper sits in front of: Gradio converts file strings inside _prepare_tool_call_args
    assert "convert_strings_to_filedata" in inspect.getsource(GradioMCPServer._prepare_tool_call_args)
    assert "self.postprocess_output_data" in inspect.getsource(GradioMCPServer.create_mcp_server)


def test_the_mcp_library_keeps_tool_calls_in_its_handler_table():
    server = Server("probe")

    @server.call_tool()
    async def call(name, arguments):
        return []

    assert types.CallToolRequest in server.request_handlers


def test_gradio_client_uploads_files_through_one_endpoint_method():
    assert "_upload_file" in inspect.getsource(Endpoint.process_input_files)
