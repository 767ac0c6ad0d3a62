"""The page: a slim header, the four variant tabs (left on a wide screen, above on a phone), the gallery."""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from studio.service import Caller, Studio
from studio.service.billing import Spend
from studio.ui import api, chain_actions, detail, edit_tab, first_view, form, image_tab, library, live, reference_tab
from studio.ui import compare_view, storyboard, text_tab
from studio.ui import own_key as own_key_ui
from studio.ui.context import UiContext
from studio.ui.controls import TabUi, document_api, result_api
from studio.ui.uploads import MAX_UPLOAD_BYTES

ASSETS = Path(__file__).resolve().parents[2] / "assets"


PROVIDER_NAMES = {"dashscope": "DashScope", "inferencesh": "inference.sh"}


def header_html(ctx: UiContext, caller: Caller | None) -> str:
    studio = ctx.studio
    backend = studio.settings.backend
    test = studio.is_test_backend()
    badge = "preview" if test else "live"  # the preview colour: nothing here costs money
    label = html.escape(studio.backend_label() + (" — an emulator on this machine: test runs, no money"
                                                  if test and backend != "preview" else ""))
    spend = studio.billing.spend(caller) if caller else Spend(0.0, 0.0, (), 0)
    # the phone shows the short words on the brand's line (studio.css): the long ones took two more lines
    spent = (f'<span class="hh-spent-long">{html.escape(spend_words(spend))}</span>'
             f'<span class="hh-spent-short">{html.escape(spend_short(spend))}</span>')
    allowance = studio.billing.allowance(caller) if caller else None
    caps = f'<span class="hh-caps">{html.escape(allowance)}</span>' if allowance else ""
    return (f'<div class="hh-header"><div class="hh-brand">HappyHorse Studio</div>'
            f'<div class="hh-meta"><span class="hh-badge hh-{badge}">{html.escape(backend)}</span> {label}'
            f'<span class="hh-spent">{spent}</span>{caps}</div></div>')


def spend_words(spend: Spend) -> str:
    """Money spent on real providers, and which; test runs are named apart, never as money."""
    if spend.total:
        names = ", ".join(PROVIDER_NAMES.get(p, p) for p in spend.providers)
        words = f"Spent on {names}: ${spend.today:.2f} today · ${spend.total:.2f} in total"
    else:
        words = "Spent on providers: $0.00"
    if spend.test_runs:
        words += f" · {spend.test_runs} test run{'s' if spend.test_runs != 1 else ''} (preview or emulator): no money"
    return words


def spend_short(spend: Spend) -> str:
    """The spend in a phone's width: the amounts, and test runs as free (the long words name providers)."""
    words = f"${spend.today:.2f} today · ${spend.total:.2f} total" if spend.total else "$0.00 spent"
    if spend.test_runs:
        words += f" · {spend.test_runs} free run{'s' if spend.test_runs != 1 else ''}"
    return words


def build(studio: Studio) -> gr.Blocks:
    ctx = UiContext(studio)
    # Gradio's copies of uploads and served clips are removed after a day (the studio keeps its own).
    with gr.Blocks(title="HappyHorse Studio", delete_cache=(3600, 24 * 3600)) as demo:
        header = gr.HTML(header_html(ctx, None), elem_id="hh-header")
        if not studio.settings.persistent:
            gr.Markdown("**This Space keeps no files across restarts:** clips made here vanish when it "
                        "restarts. Download the ones you want to keep.", elem_classes=["hh-ephemeral"])
        own_key = None
        if studio.settings.multi_user and studio.settings.on_space:
            gr.LoginButton(size="sm")  # Hugging Face sign-in: each account sees only its own jobs
            own_key = own_key_ui.render(ctx)
        with gr.Row(equal_height=False, elem_id="hh-main"):
            with gr.Column(scale=5, min_width=320, elem_id="hh-workbench"):
                with gr.Tabs(elem_id="hh-tabs") as tab_box:
                    tabs = [text_tab.render(ctx), image_tab.render(ctx), reference_tab.render(ctx),
                            edit_tab.render(ctx)]
            with gr.Column(scale=7, min_width=300, elem_id="hh-gallery-col"):
                versus = compare_view.render()  # the same shot on 2-3 models, side by side
                story = storyboard.render()
                lib = library.render(ctx)
            panel = detail.render()  # the clip viewer: beside the gallery on a wide screen (studio.css)
        follow = live.render()
        redraw = live.wire(ctx, follow, lib, panel, story, tabs, header, lambda caller: header_html(ctx, caller))
        redraw_after = redraw.after
        open_view = detail.wire(ctx, panel, redraw_after)
        chain_actions.wire(ctx, panel.body, panel.notes, panel.selected, tabs, tab_box, redraw_after)
        storyboard.wire(ctx, story, panel.body, panel.selected, open_view, panel.outputs, redraw_after)
        library.wire(ctx, lib, panel, open_view, redraw_after, story)
        compare_restore = compare_view.wire(ctx, versus, tabs, open_view, panel.outputs, redraw_after)
        # The four generate endpoints return into one hidden pair: the page shows a tab's clip in its own
        # gr.HTML (studio.ui.live), so the API's clip and record need no components in every tab (#22).
        api_outputs = [gr.Video(label="Latest from this tab", visible=False, interactive=False),
                       gr.JSON(label="Job record", visible=False)]
        document_api_outputs = result_api(*api_outputs)
        for n, tab in enumerate(tabs):
            form.wire(ctx, tab, quote_on_show=n > 0)  # the open tab's comes with the first view
            _wire_api(tab, api_outputs, document_api_outputs)
        api.wire(ctx, extra=tuple(api.billing_actions(ctx)))
        # one load event for the first view: the draft and its checks first, then the gallery and the rest
        first_view.wire(ctx, demo, tabs, header, lambda caller: header_html(ctx, caller), redraw, story, own_key,
                        restorers=(compare_restore,))
    return demo


def _wire_api(tab: TabUi, outputs: list, returns: dict) -> None:
    """API callers get the finished clip and its record (the page's Generate only sends, see studio.ui.live)."""
    document_api(tab.generate, tab.inputs, returns)
    gr.on([], tab.generate, tab.inputs, outputs, api_name=tab.api_name, concurrency_limit=None,
          preprocess=False)


def theme() -> gr.themes.Base:
    """Soft, in the studio's orange; an unticked box or radio drawn with a border that shows (Soft's is
    slate-100 on white, and barely off the panel in dark)."""
    return gr.themes.Soft(primary_hue="orange", neutral_hue="slate").set(
        checkbox_border_color="*neutral_400", checkbox_border_color_dark="*neutral_500")


def launch_options(studio: Studio) -> dict:
    """Serving settings: no run history (it would keep inputs), css from assets, no data dir exposed,
    uploads capped by the server, no internal error text sent to browsers."""
    return dict(
        server_name=studio.settings.host,
        server_port=studio.settings.port,
        run_history=False,
        ssr_mode=False,
        css_paths=[ASSETS / "studio.css"],
        js=(ASSETS / "studio.js").read_text(),
        theme=theme(),
        allowed_paths=[str(ASSETS)],
        footer_links=["api", "gradio"],
        max_file_size=MAX_UPLOAD_BYTES,  # enforced by the server; a refused upload leaves no file
        show_error=False,  # only messages the studio wrote (gr.Error) reach a browser, never a traceback's
    )
