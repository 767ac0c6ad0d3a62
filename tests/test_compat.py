"""studio.ui.compat reaches into Gradio's internals: these fail loudly when Gradio changes under it."""

import gradio
import gradio.mcp
from gradio_client import Client

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
    pin_mcp_client(demo, "http://127.0.0.1:1/")  # no MCP server object: nothing to pin, no error
    assert getattr(demo, "mcp_server_obj", None) is None
