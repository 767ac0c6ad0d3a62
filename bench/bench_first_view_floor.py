"""How fast can a Gradio page of the studio's form be, with nothing to wait for but Gradio mounting it?

    python bench/bench_first_view_floor.py [--jobs 5000] [--runs 5]

bench_first_view measures the studio's first view against a bare one-textbox app. This one asks what
is left once the studio's own work is taken away: three pages built from the studio's own UI code, served
with its theme, CSS and script, none of which runs an event on load, against the same bare app:

- studio, unwired: the studio's whole first render (studio.ui.app.build), every event removed;
- open tab only: the header, the text-to-video tab as the studio renders it, the other three tabs empty,
  and the gallery column (library.render), nothing else;
- bare: the anchor of bench_first_view.

Each page says its draft is back in its first render (the header carries the mark studio.js looks for), so
its prompt takes clicks as soon as Gradio has mounted it. "Ready" is bench_first_view's: the prompt is
on the page and a click at its centre reaches it. No gallery is drawn on these pages (that takes a
request); the figure is the floor under the studio's "ready", what Gradio's mount alone costs. If even the
open tab alone is above 1.5x the bare app, no page built of these Gradio components meets #22's 1.5x.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_first_view import load_average, one_view, spread, start_bare, start_script  # noqa: E402
from harness.browser import ARGS, CHROMIUM  # noqa: E402
from harness.gallery import seed_jobs  # noqa: E402

PAGE = """
import sys
from studio.gradio_import import skip_stub_writing
skip_stub_writing()
import gradio as gr
import uvicorn
from fastapi import FastAPI
from studio import config
from studio.service import Studio
from studio.ui import app as page, first_view, library, text_tab
from studio.ui.context import UiContext

kind, port = sys.argv[1], int(sys.argv[2])
studio = Studio(config.load())
if kind == "unwired":
    demo = page.build(studio)
    demo.fns.clear()  # nothing runs on load or on any action: only what Gradio mounts
    header = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "hh-header")
    header.value = header.value + first_view.DRAFT_BACK
else:
    ctx = UiContext(studio)
    with gr.Blocks(title="HappyHorse Studio") as demo:
        gr.HTML(page.header_html(ctx, None) + first_view.DRAFT_BACK, elem_id="hh-header")
        with gr.Row(equal_height=False, elem_id="hh-main"):
            with gr.Column(scale=5, min_width=320, elem_id="hh-workbench"):
                with gr.Tabs(elem_id="hh-tabs"):
                    text_tab.render(ctx)
                    for name in ("Image to video", "Reference to video", "Video edit"):
                        with gr.Tab(name):
                            gr.HTML("")
            with gr.Column(scale=7, min_width=300, elem_id="hh-gallery-col"):
                library.render(ctx)
app = gr.mount_gradio_app(FastAPI(), demo.queue(), path="/", **page.launch_options(studio))
uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")).run()
"""

KINDS = {"unwired": "studio, unwired (whole first render, no events)",
         "open_tab": "open tab only (header, text tab, gallery column)"}


def start_page(kind: str, data: Path) -> tuple[str, subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k not in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND")}
    env.update({"STUDIO_DATA_DIR": str(data), "GRADIO_ANALYTICS_ENABLED": "False"})
    return start_script(PAGE, [kind], f"the {kind} page", data.parent / f"{kind}.log", env, limit=120)


def components(url: str) -> int:
    return len(httpx.get(url + "config", timeout=30).json()["components"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stop:
        data = Path(tmp) / "studio" / "data"
        seed_jobs(data, args.jobs)
        servers = {}
        for kind in KINDS:
            servers[kind] = start_page(kind, data)
            stop.callback(halt, servers[kind][1])  # stopped whatever fails after it starts
        servers["bare"] = start_bare(Path(tmp))
        stop.callback(halt, servers["bare"][1])
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        stop.callback(browser.close)
        print(f"load average at start: {load_average()}", flush=True)
        for url, _ in servers.values():
            one_view(browser, url, False)  # warm each server, not measured
        names = [*KINDS, "bare"]
        ready: dict[str, list[float]] = {name: [] for name in names}
        for i in range(args.runs):  # in turn, the order reversed every other round
            for name in (names if i % 2 == 0 else names[::-1]):
                ready[name].append(one_view(browser, servers[name][0], False)["ready"])
        bare = ready["bare"]
        print(f"bare one-textbox app: prompt takes a click in median {statistics.median(bare):.2f} s "
              f"({spread(bare)})")
        for kind, label in KINDS.items():
            ratios = [s / b for s, b in zip(ready[kind], bare)]
            print(f"{label}: {components(servers[kind][0])} components; prompt takes a click in median "
                  f"{statistics.median(ready[kind]):.2f} s ({spread(ready[kind])}), "
                  f"{statistics.median(ratios):.2f}x the bare app (spread {spread(ratios)})")
        print(f"load average at end: {load_average()}", flush=True)


def halt(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()

if __name__ == "__main__":
    main()
