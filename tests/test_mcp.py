"""The studio as an MCP server (GRADIO_MCP_SERVER=true), seen through a real MCP client."""

import asyncio
import json

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from harness.app import start_app, stop_app

GENERATE = ("text_to_video", "image_to_video", "reference_to_video", "video_edit")


@pytest.fixture(scope="module")
def mcp_url(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("mcp") / "data", {"GRADIO_MCP_SERVER": "true"})
    yield app.url + "gradio_api/mcp/"
    stop_app(app)


async def session_run(url: str, work):
    async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        return await work(session)


def payload(result) -> list:
    """The values a tool returned: JSON for records, the address of a clip as text."""
    assert not result.isError, result.content
    values = [c.text if c.text.startswith("http") else json.loads(c.text) for c in result.content
              if c.type == "text"]
    return values[0] if len(values) == 1 else values


def test_tools_say_what_they_cost_and_how_long_they_take(mcp_url):
    tools = asyncio.run(session_run(mcp_url, lambda s: s.list_tools())).tools
    by_name = {t.name: t for t in tools}
    assert set(GENERATE) | {"quote", "list_jobs", "job_status", "cancel_job"} <= set(by_name)
    for name in GENERATE:
        assert "$0.14/s at 720P" in by_name[name].description and "minutes" in by_name[name].description
    assert by_name["text_to_video"].inputSchema["required"] == ["prompt"]
    for name in ("quote", "list_jobs", "job_status"):
        assert "Free and instant" in by_name[name].description


def test_a_preview_job_runs_through_the_tools(mcp_url):
    async def work(session):
        quoted = await session.call_tool("quote", {"variant": "t2v", "duration": 3})
        made = await session.call_tool("text_to_video", {"prompt": "a horse at dawn", "duration": 3})
        listed = await session.call_tool("list_jobs", {})
        return payload(quoted), payload(made), payload(listed)

    quote, (video, record), listed = asyncio.run(session_run(mcp_url, work))
    assert quote["total"] == 0.42
    assert video.endswith(".mp4")
    assert record["state"] == "succeeded" and record["preview"] is True and record["request"]["duration"] == 3
    assert record["id"] in [j["id"] for j in listed]

    async def status(session):
        return payload(await session.call_tool("job_status", {"job_id": record["id"]}))

    again = asyncio.run(session_run(mcp_url, status))
    assert again["id"] == record["id"] and again["state"] == "succeeded"
