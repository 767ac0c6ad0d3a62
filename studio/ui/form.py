"""Each tab's form follows itself through one listener: the prompt's length, the advice, the quote that
gates Generate, and the draft a reload puts back.

One listener, not four. A `.change` listener is "always_last" in Gradio (a change made while it runs is
sent once more when it ends), and Gradio does that by sending the whole change event again, to every
listener on the input. Two such listeners on one input therefore re-send each other for as long as the
page stays open: measured before this module, a tab that had a few quick changes saved its draft twice a
second until it was closed, loading the server and overwriting what the user typed in another window.
So every other listener on a form input runs as "multiple" (tests/test_page_events.py holds the rule).
"""

from __future__ import annotations

import gradio as gr

from studio.ui import draft
from studio.ui.context import UiContext
from studio.ui.controls import TabUi, notes_text, ready


def checked(tab: TabUi, values: list, advice: bool = True) -> dict:
    """What the form shows beside these values: the prompt's length, the advice, the quote and whether
    Generate can be pressed. The first view draws it with the restored draft, so a draft never shows
    beside "0 / 5000" or a grey Generate (studio.ui.first_view)."""
    text = tab.quote(*values)
    prompt = values[tab.inputs.index(tab.prompt)]
    return {tab.notes: notes_text(prompt, tab.advise(*values) if advice else ""),
            tab.result.quote: text, tab.result.button: gr.update(interactive=ready(text))}


def shown_values(tab: TabUi, restored: dict) -> list:
    """The tab's values as the page shows them after the draft is back: restored, or each field's default."""
    return [restored[c] if c in restored else getattr(c, "value", None) for c in tab.inputs]


def tab_item(tab: TabUi) -> gr.Tab | None:
    """The gr.Tab this tab's form sits in."""
    block = tab.prompt
    while block is not None and not isinstance(block, gr.Tab):
        block = getattr(block, "parent", None)
    return block


def wire(ctx: UiContext, tab: TabUi, quote_on_show: bool = True) -> None:
    """quote_on_show: quote the tab when it is first shown (not for the open tab: the first view checks it, and
    Gradio selects the open tab as the page mounts, whose answer, made from the empty form, could land after
    the restored draft's and put "needs a prompt" beside it)."""
    r = tab.result
    at_prompt = tab.inputs.index(tab.prompt)

    def quote(*values):
        text = tab.quote(*values)
        return text, gr.update(interactive=ready(text))

    def follow(request: gr.Request, *values):
        draft.save(ctx, request, tab, values)
        # comparepage: the request goes to the advice, so image checks count against this page's user (#19 item 5)
        return notes_text(values[at_prompt], tab.advise(*values, request=request)), *quote(*values)

    gr.on([c.change for c in tab.inputs], follow, tab.inputs, [tab.notes, r.quote, r.button],
          api_visibility="private", show_progress="hidden", trigger_mode="always_last", preprocess=False,
          api_name=f"{tab.api_name}_form")
    # A tab's quote is made when the tab is first shown, not for every hidden tab on load (the open tab's
    # comes with the first view); named, so a private listener never takes a public endpoint's name. Outside
    # the queue, so it is answered at once: queued behind other work, its answer (made from the values at
    # the click) could land after the first edit's and put "needs a prompt" back beside a written prompt.
    item = tab_item(tab)
    if item is not None and quote_on_show:
        item.select(quote, tab.inputs, [r.quote, r.button], api_visibility="private", show_progress="hidden",
                    preprocess=False, queue=False, api_name=f"{tab.api_name}_quote_on_show")
