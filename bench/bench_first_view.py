"""The first view: how soon a creator can type a prompt and see the gallery, against a bare Gradio app.

    python bench/bench_first_view.py [--jobs 5000] [--runs 7]

Two servers run side by side on this machine: the studio (python app.py) on a
data directory seeded with `--jobs` finished jobs (tests.gallery_seed), and the
anchor, a bare Gradio Blocks with one textbox, served the same way (mounted on
FastAPI, under uvicorn, same Gradio and theme, nothing added). In Debian's
Chromium, each run opens a fresh browser context (nothing cached, no storage),
and the two apps are visited in turn (studio, bare, bare, studio, ...) so that a
change in the machine's load falls on both.

"Ready" is measured in the page, from navigation start (performance.now()):
- bare: its textbox is on the page and takes a click (the element at its
  centre is the textbox itself: a rule like `pointer-events: none` fails it);
- studio: the same for the prompt of the open tab, AND the gallery drawn (at
  least 12 tiles, every poster in view loaded).

Printed: the ratio studio / bare (median over the pairs and its spread), each
side's median, where the studio's time goes (Gradio mounted the page, the
saved draft put back), bytes on the wire for GET / when asking for gzip and
brotli, and the whole first view's bytes; from /config, the components of the
first render, the events and how many run on load.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.app import free_port, start_app, stop_app  # noqa: E402
from harness.browser import ARGS, CHROMIUM  # noqa: E402
from harness.gallery import seed_jobs  # noqa: E402

# The prompt of the open tab (the bare app's only textbox), ready for a click: on the page, visible, enabled,
# and the element a click at its centre would reach.
PROMPT_READY = """() => {
    const box = [...document.querySelectorAll('textarea[data-testid=textbox], textarea')].find((t) => {
        const label = t.closest('label');
        return label && /^Prompt$/.test((label.querySelector('[data-testid=block-info]') || label).textContent.trim())
            && t.offsetParent !== null;
    });
    if (!box || box.disabled) return null;
    const r = box.getBoundingClientRect();
    if (!r.width || r.top >= innerHeight) return null;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 12));
    return hit === box ? performance.now() : null;
}"""

GALLERY_DRAWN = """() => {
    const tiles = document.querySelectorAll('#hh-gallery .hh-tile[data-id]');
    if (tiles.length < 12) return null;
    const inView = [...document.querySelectorAll('#hh-gallery .hh-tile img')].filter(i => {
        const r = i.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; });
    return inView.length && inView.every(i => i.complete && i.naturalWidth > 0) ? performance.now() : null;
}"""

# Milestones noted in the page as they happen (ms from navigation start): the first textarea mounted, the
# studio's draft restored (studio.ui.draft marks <html>), the prompt ready, the gallery drawn.
WATCH = """
window.hhMarks = {};
const hhMark = (name, at) => { if (at != null && window.hhMarks[name] == null) window.hhMarks[name] = at; };
const hhLook = () => {
    hhMark('mounted', document.querySelector('textarea') ? performance.now() : null);
    hhMark('draft', document.documentElement.dataset.hhDraft ? performance.now() : null);
    hhMark('prompt', (%s)());
    hhMark('gallery', (%s)());
    if (window.hhMarks.prompt == null || (window.hhStudioPage && window.hhMarks.gallery == null)) requestAnimationFrame(hhLook);
};
requestAnimationFrame(hhLook);
""" % (PROMPT_READY, GALLERY_DRAWN)

BARE_APP = """
import sys
import gradio as gr
import uvicorn
from fastapi import FastAPI

with gr.Blocks(title="bare") as demo:
    gr.Textbox(label="Prompt", lines=4)
theme = gr.themes.Soft(primary_hue="orange", neutral_hue="slate")  # the studio's (studio.ui.app.theme), as Gradio ships it
app = gr.mount_gradio_app(FastAPI(), demo.queue(), path="/", theme=theme, ssr_mode=False)
uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")).run()
"""


def start_bare(folder: Path) -> tuple[str, subprocess.Popen]:
    """The anchor: one textbox in gr.Blocks, mounted on FastAPI under uvicorn, with the studio's theme."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    return start_script(BARE_APP, [], "the bare app", folder / "bare.log", env, limit=90)


def start_script(code: str, args: list[str], name: str, log_path: Path, env: dict,
                 limit: float) -> tuple[str, subprocess.Popen]:
    """`python -c code *args PORT` serving an app on a free port; its address once it answers (or it is killed)."""
    port = free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-c", code, *args, str(port)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log_path.read_text()}")
        try:
            if httpx.get(url + "gradio_api/info", timeout=2).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{name} did not start in {limit:.0f} s")


def one_view(browser, url: str, studio: bool, profile: bool = False) -> dict:
    """One cold visit in a fresh context: its milestones (s) and the bytes it received on the wire; with
    profile, also the page's main-thread time up to ready by script (ms; sampled, which slows the visit)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if profile:
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})  # µs
        cdp.send("Profiler.start")
    sizes = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.add_init_script(("window.hhStudioPage = true;" if studio else "") + WATCH)
    page.goto(url, wait_until="commit")
    wanted = "hhMarks.prompt != null && hhMarks.gallery != null" if studio else "hhMarks.prompt != null"
    page.wait_for_function(f"() => window.hhMarks && {wanted}", timeout=90000, polling=50)
    marks = page.evaluate("window.hhMarks")
    cpu = by_script(cdp.send("Profiler.stop")["profile"]) if profile else None
    page.wait_for_timeout(200)
    context.close()
    ready = max(marks["prompt"], marks.get("gallery") or 0) if studio else marks["prompt"]
    return {"ready": ready / 1000, "marks": {k: v / 1000 for k, v in marks.items() if v is not None},
            "bytes": sum(sizes.values()), "requests": len(sizes), "cpu": cpu}


def by_script(profile: dict) -> collections.Counter:
    """A CPU profile's samples as ms by script file; the browser's own work as (program), (garbage
    collector) or the native call's name. Idle time is left out."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    ms: collections.Counter = collections.Counter()
    for node, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node]
        native = frame["functionName"] or "anonymous"
        name = frame["url"].rsplit("/", 1)[-1] or (native if native.startswith("(") else f"({native})")
        if name != "(idle)":
            ms[name] += delta / 1000
    return ms


def wire_bytes(url: str) -> int:
    """GET / as a browser asks for it (gzip, brotli): the body's size on the wire, before decoding."""
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip, br"}, timeout=30) as r:
        return sum(len(chunk) for chunk in r.iter_raw())


def first_render(url: str) -> tuple[int, int, list[str], collections.Counter]:
    """From /config: the components of the first render, the events, the names of those run on load, and
    the components by type."""
    config = httpx.get(url + "config", timeout=30).json()
    loads = [d.get("api_name") or str(d["id"]) for d in config["dependencies"]
             if any(t[1] == "load" for t in d["targets"])]
    kinds = collections.Counter(c["type"] for c in config["components"])
    return len(config["components"]), len(config["dependencies"]), loads, kinds


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="then N more visits to each app under the CPU profiler: where the main thread's time goes")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stop:
        data = Path(tmp) / "studio" / "data"
        seed_jobs(data, args.jobs)
        app = start_app(data)
        stop.callback(stop_app, app)  # the servers stop whatever fails after they start (a missing browser)
        bare_url, bare = start_bare(Path(tmp))
        stop.callback(lambda: (bare.terminate(), bare.wait(20)))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        stop.callback(browser.close)
        print(f"load average at start: {load_average()}", flush=True)
        one_view(browser, app.url, True)  # warm both servers (imports, first posters), not measured
        one_view(browser, bare_url, False)
        studio_runs, bare_runs = [], []
        for i in range(args.runs):  # alternate, and swap who goes first each round
            order = [(app.url, True), (bare_url, False)]
            for url, studio in (order if i % 2 == 0 else order[::-1]):
                (studio_runs if studio else bare_runs).append(one_view(browser, url, studio))
        report(app.url, bare_url, studio_runs, bare_runs, args.jobs)
        if args.profile:
            report_cpu([one_view(browser, app.url, True, profile=True) for _ in range(args.profile)],
                       [one_view(browser, bare_url, False, profile=True) for _ in range(args.profile)])
        print(f"load average at end: {load_average()}", flush=True)


def report(studio_url: str, bare_url: str, studio_runs: list[dict], bare_runs: list[dict], jobs: int) -> None:
    ratios = [s["ready"] / b["ready"] for s, b in zip(studio_runs, bare_runs)]
    studio_ready = [r["ready"] for r in studio_runs]
    bare_ready = [r["ready"] for r in bare_runs]

    def median_mark(name: str) -> str:
        values = [r["marks"][name] for r in studio_runs if name in r["marks"]]
        return f"{statistics.median(values):.2f} s" if values else "never"

    print(f"studio with {jobs} jobs: ready in median {statistics.median(studio_ready):.2f} s "
          f"({spread(studio_ready)}); Gradio mounted the page at {median_mark('mounted')}, draft back at "
          f"{median_mark('draft')}, prompt takes a click at {median_mark('prompt')}, gallery drawn at "
          f"{median_mark('gallery')}")
    print(f"bare one-textbox app: ready in median {statistics.median(bare_ready):.2f} s ({spread(bare_ready)})")
    print(f"ratio studio / bare: median {statistics.median(ratios):.2f}x (spread {spread(ratios)}, "
          f"{len(ratios)} alternating pairs)")
    for name, url, runs in (("studio", studio_url, studio_runs), ("bare", bare_url, bare_runs)):
        components, events, loads, kinds = first_render(url)
        print(f"{name}: GET / {wire_bytes(url) / 1024:.0f} KB on the wire (Accept-Encoding: gzip, br); "
              f"first view {statistics.median(r['bytes'] for r in runs) / 1024:.0f} KB in "
              f"{statistics.median(r['requests'] for r in runs):.0f} requests; first render {components} "
              f"components, {events} events, {len(loads)} on load")
        if name == "studio":
            print(f"  on load: {', '.join(loads)}")
            print(f"  components: {', '.join(f'{k} {n}' for k, n in kinds.most_common())}")



def report_cpu(studio_runs: list[dict], bare_runs: list[dict], top: int = 12) -> None:
    """Main-thread time to ready per visit (mean over the profiled visits), by script, both apps side by side."""
    def mean(runs: list[dict]) -> collections.Counter:
        total: collections.Counter = collections.Counter()
        for r in runs:
            total.update(r["cpu"])
        return collections.Counter({k: v / len(runs) for k, v in total.items()})

    studio, bare = mean(studio_runs), mean(bare_runs)
    print(f"main thread to ready, per visit (profiled, {len(studio_runs)} visits each): studio "
          f"{sum(studio.values()):.0f} ms, bare {sum(bare.values()):.0f} ms")
    for name, ms in studio.most_common(top):
        print(f"  {name:<36} studio {ms:6.0f} ms   bare {bare.get(name, 0):6.0f} ms")


if __name__ == "__main__":
    main()
