"""MCP attacked the way a stranger would: through its HTTP door, with headers of their choosing.

- The first caller after a start cannot choose, with X-Forwarded-Host, where Gradio's MCP server sends
  its calls to the studio (and so every later caller's tokens and cookies): they go to the studio itself.
- With HF_TOKEN in the server's environment (a Space secret), an MCP caller is not the server's account:
  it is whoever its own credentials say, or anonymous.
- On a multi-user studio, an MCP caller cannot choose its payer (and so escape the caps) with
  X-Forwarded-For: forwarded headers count only from proxies the owner names.
"""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from gradio_client import Client
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from harness.app import start_app, stop_app
from harness.emulator import start_emulator, stop_emulator
from studio.jobs.ledger import Ledger
from tests.conftest import wait_until
from tests.fake_hub import start_hub


class Trap:
    """A server on loopback that notes every request: nothing of the studio's should ever reach it."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                seen.append((self.command, self.path, dict(self.headers)))
                self.send_response(404)
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def _call(url: str, tool: str, args: dict, headers: dict | None = None):
    async with httpx.AsyncClient(headers=headers or {}, timeout=120) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool(tool, args)


def call(url: str, tool: str, args: dict, headers: dict | None = None):
    return asyncio.run(_call(url, tool, args, headers))


def text_of(result) -> str:
    return " ".join(c.text for c in result.content if c.type == "text")


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    """A public Space's studio with MCP on, the server's own HF_TOKEN (ann's) in its environment."""
    hub_url, hub = start_hub()
    emulator = start_emulator(task_seconds=0.2)
    env = {"SPACE_ID": "owner/happyhorse-studio", "SPACE_HOST": "owner-happyhorse-studio.hf.space",
           "HF_ENDPOINT": hub_url, "HF_TOKEN": "hf_ann_token", "GRADIO_MCP_SERVER": "true",
           "DASHSCOPE_API_KEY": "sk-space-owner-key-4242", "DASHSCOPE_BASE_URL": emulator.url,
           "STUDIO_BUDGET_USER_DAY": "none", "STUDIO_MAX_RUNNING_PER_USER": "none",
           "STUDIO_REQUESTS_PER_MINUTE": "0"}
    app = start_app(tmp_path_factory.mktemp("mcp-space") / "data", env)
    yield app
    stop_app(app)
    stop_emulator(emulator)
    hub.shutdown()


def every_job(app) -> list:
    ledger = Ledger(app.data_dir / "ledger.sqlite3")
    with ledger.store.read() as db:
        ids = [row[0] for row in db.execute("SELECT id FROM jobs")]
    return [ledger.get(i) for i in ids]


def owners(app) -> dict[str, str]:
    return {job.request.prompt: job.owner for job in every_job(app)}


def test_the_first_mcp_caller_cannot_send_the_studios_own_calls_elsewhere(space):
    trap = Trap()
    forged = {"X-Forwarded-Host": f"127.0.0.1:{trap.port}", "X-Forwarded-Proto": "http"}
    first = call(space.url + "gradio_api/mcp/", "text_to_video", {"prompt": "a horse at dawn", "duration": 3},
                 headers=forged)
    assert not first.isError, text_of(first)
    later = call(space.url + "gradio_api/mcp/", "list_jobs", {})  # another caller, plain headers
    assert not later.isError, text_of(later)
    assert trap.seen == []  # not the first call, not any later one: nothing went to the forged host
    trap.server.shutdown()


def test_an_mcp_caller_is_not_the_servers_hugging_face_account(space):
    ann = Client(space.url, verbose=False, token="hf_ann_token")  # the account whose token the server holds
    ann.predict("ann's private horse", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    assert owners(space)["ann's private horse"] == "user:ann"

    listed = call(space.url + "gradio_api/mcp/", "list_jobs", {})
    assert not listed.isError and "ann's private horse" not in text_of(listed)
    made = call(space.url + "gradio_api/mcp/", "text_to_video", {"prompt": "a stranger's horse", "duration": 3})
    assert not made.isError, text_of(made)
    assert owners(space)["a stranger's horse"].startswith("anon:")  # anonymous, not the server's account

    bob = call(space.url + "gradio_api/mcp/", "text_to_video", {"prompt": "bob's horse", "duration": 3},
               headers={"Authorization": "Bearer hf_bob_token"})
    assert not bob.isError, text_of(bob)
    assert owners(space)["bob's horse"] == "user:bob"  # a caller is who its own credentials say


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    """A multi-user studio (not a Space: no proxy in front) with MCP on and tight caps."""
    emulator = start_emulator(task_seconds=0.2)
    env = {"STUDIO_MULTI_USER": "1", "GRADIO_MCP_SERVER": "true",
           "DASHSCOPE_API_KEY": "sk-owner-key-4242", "DASHSCOPE_BASE_URL": emulator.url,
           "STUDIO_BUDGET_USER_DAY": "1.00", "STUDIO_MAX_RUNNING_PER_USER": "1", "STUDIO_REQUESTS_PER_MINUTE": "0"}
    app = start_app(tmp_path_factory.mktemp("mcp-capped") / "data", env)
    yield app
    stop_app(app)
    stop_emulator(emulator)


def test_an_mcp_caller_cannot_choose_its_payer_with_forwarded_headers(capped):
    results = []
    for n in range(4):  # each a fresh anonymous caller claiming another address
        forged = {"X-Forwarded-For": f"203.0.113.{n + 1}", "X-Real-IP": f"203.0.113.{n + 1}",
                  "Forwarded": f"for=203.0.113.{n + 1}", "X-Studio-Address": f"203.0.113.{n + 1}"}
        results.append(call(capped.url + "gradio_api/mcp/", "text_to_video",
                            {"prompt": f"horse number {n}", "duration": 5}, headers=forged))
    made = [r for r in results if not r.isError]
    refused = [r for r in results if r.isError]
    assert len(made) == 1  # $0.70 of the $1.00 a payer may spend today; a second would pass it
    assert refused and all("budget" in text_of(r).lower() for r in refused), [text_of(r) for r in refused]
    payers = {job.payer for job in every_job(capped)}
    assert len(payers) == 1  # every caller counted against the one address they really came from


def test_a_page_caller_cannot_choose_its_payer_with_forwarded_headers_either(capped):
    client = Client(capped.url, verbose=False, headers={"X-Forwarded-For": "198.51.100.7",
                                                        "X-Studio-Address": "198.51.100.7"})
    with pytest.raises(Exception, match=r"(?i)budget"):
        client.predict("one more horse", "720P", "16:9", 5, False, "", api_name="/text_to_video")
    assert len({job.payer for job in every_job(capped)}) == 1  # nothing was made for the claimed address


def test_submit_cannot_choose_its_payer_with_forwarded_headers_either(capped):
    """`submit` returns at once, but its caller is worked out as every tool's: by the address it came from."""
    results = []
    for n in range(3):
        forged = {"X-Forwarded-For": f"192.0.2.{n + 1}", "X-Real-IP": f"192.0.2.{n + 1}"}
        results.append(call(capped.url + "gradio_api/mcp/", "submit",
                            {"variant": "t2v", "prompt": f"submitted horse {n}", "duration": 5}, headers=forged))
        if not results[-1].isError:  # made: let it end, or the next call meets the one-running cap before the budget
            made = json.loads(text_of(results[-1]))["id"]
            ledger = Ledger(capped.data_dir / "ledger.sqlite3")
            wait_until(lambda: ledger.get(made).state.finished, timeout=120, what=f"submitted job {made} to end")
    refused = [r for r in results if r.isError]
    assert len(results) - len(refused) <= 1  # whatever other tests spent first, one payer's $1.00 holds
    assert refused and all("budget" in text_of(r).lower() for r in refused), [text_of(r) for r in refused]
    assert len({job.payer for job in every_job(capped)}) == 1
