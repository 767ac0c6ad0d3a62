"""How fast the gallery is usable with a big ledger, and what the first view costs in bytes.

    python bench/bench_gallery.py [--jobs 500 5000] [--runs 3]

For each ledger size: seed a data directory (harness.gallery), start the
studio (python app.py), then in Debian's Chromium, with a fresh profile per
run (nothing cached), measure from navigation until the first page of tiles
is drawn and the posters in view have loaded ("usable"), and the bytes the
browser received for that first view (encoded, as on the wire: Network
encodedDataLength over every request, the page, scripts, styles, fonts,
the event stream and the posters).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.app import start_app, stop_app  # noqa: E402
from harness.browser import ARGS, CHROMIUM  # noqa: E402
from harness.gallery import seed_jobs  # noqa: E402

USABLE = """() => {
    const tiles = [...document.querySelectorAll('#hh-gallery .hh-tile[data-id]')];
    if (tiles.length < 12) return false;
    const inView = [...document.querySelectorAll('#hh-gallery .hh-tile img')].filter(i => {
        const r = i.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; });
    return inView.length > 0 && inView.every(i => i.complete && i.naturalWidth > 0);
}"""


def one_view(browser, url: str) -> tuple[float, int, int, float]:
    """Seconds to a usable gallery, bytes received, the number of requests, and seconds until Gradio's
    page had mounted (the gallery's empty frame is on the page), for one cold visit."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received = {}
    cdp.on("Network.dataReceived", lambda e: received.__setitem__(
        e["requestId"], received.get(e["requestId"], 0) + e.get("encodedDataLength", 0)))
    finished = {}
    cdp.on("Network.loadingFinished", lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]))
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("#hh-gallery", timeout=60000)
    mounted = time.perf_counter() - start
    page.wait_for_function(USABLE, timeout=60000, polling=20)
    elapsed = time.perf_counter() - start
    page.wait_for_timeout(300)
    total = sum(finished.values()) + sum(v for k, v in received.items() if k not in finished)
    count = len(set(finished) | set(received))
    context.close()
    return elapsed, total, count, mounted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for jobs in args.jobs:
            data = Path(tmp) / f"jobs{jobs}" / "data"
            started = time.perf_counter()
            seed_jobs(data, jobs)
            seeded = time.perf_counter() - started
            app = start_app(data)
            try:
                one_view(browser, app.url)  # warm the server (imports, first thumbnails), not measured
                runs = [one_view(browser, app.url) for _ in range(args.runs)]
            finally:
                stop_app(app)
            times = sorted(r[0] for r in runs)
            mounted = statistics.median(r[3] for r in runs)
            print(f"{jobs} jobs (seeded in {seeded:.1f} s): usable in median {statistics.median(times):.2f} s "
                  f"(runs {', '.join(f'{t:.2f}' for t in times)}; Gradio's page mounted at median {mounted:.2f} s, "
                  f"tiles {statistics.median(r[0] - r[3] for r in runs):.2f} s after); "
                  f"first view {runs[0][1] / 1e6:.2f} MB in {runs[0][2]} requests", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
