"""On the page, a job above STUDIO_CONFIRM_ABOVE on a paid backend is sent only on a second press."""

from __future__ import annotations

import gradio as gr
import pytest

from studio import config
from studio.service import LOCAL, Caller, Studio
from studio.ui.context import UiContext


class PageRequest:
    """What an event handler sees of a request: its headers."""

    def __init__(self, origin: str | None):
        self.headers = {"origin": origin} if origin else {}


@pytest.fixture
def ctx(tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path), "DASHSCOPE_API_KEY": "sk-x",
                                 "STUDIO_CONFIRM_ABOVE": "1.00"}))
    yield UiContext(studio)
    studio.close()


def test_a_costly_job_from_the_page_asks_first_then_goes_on_the_second_press(ctx):
    final = ctx.studio.core.prepare("t2v", prompt="a horse", duration=10, resolution="1080P")  # $1.80 on 1.1
    page = PageRequest("http://127.0.0.1:7860")
    with pytest.raises(gr.Error) as asked:
        ctx.confirm_spend(LOCAL, final.quote.total, "dashscope", "final", page)
    assert "$1.80 on dashscope" in asked.value.message and "Press the button again" in asked.value.message
    ctx.confirm_spend(LOCAL, final.quote.total, "dashscope", "final", page)  # the second press sends it
    with pytest.raises(gr.Error):
        ctx.confirm_spend(LOCAL, final.quote.total, "dashscope", "final", page)  # and a third job asks again


def test_cheap_jobs_the_preview_and_api_clients_are_not_asked(ctx):
    cheap = ctx.studio.core.prepare("t2v", prompt="a horse", duration=5)  # $0.70
    costly = ctx.studio.core.prepare("t2v", prompt="a horse", duration=15, resolution="1080P")
    page = PageRequest("http://127.0.0.1:7860")
    ctx.confirm_spend(LOCAL, cheap.quote.total, "dashscope", "cheap", page)
    ctx.confirm_spend(LOCAL, costly.quote.total, "preview", "costly", page)
    ctx.confirm_spend(LOCAL, costly.quote.total, "dashscope", "costly", PageRequest(None))  # gradio_client sends no Origin
    with pytest.raises(gr.Error):
        ctx.confirm_spend(Caller.of("user:ann"), costly.quote.total, "dashscope", "costly", page)
    with pytest.raises(gr.Error):  # another user's first press is theirs, not ann's second
        ctx.confirm_spend(Caller.of("user:bob"), costly.quote.total, "dashscope", "costly", page)
