"""Every place the studio reaches into Gradio's internals, each written for one Gradio release.

GRADIO_VERSION is the release these were written against; tests/test_compat.py
fails loudly on any other, and checks that each internal still exists and
behaves as relied on here. On an upgrade, re-read each function below against
the new Gradio before changing the pin.
"""

from __future__ import annotations

import gradio as gr

GRADIO_VERSION = "6.31.0"


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
