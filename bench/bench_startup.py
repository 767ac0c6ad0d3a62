"""Start-up: `python app.py` to its first answer, against a bare Gradio app started the same way.

    python bench/bench_startup.py [--runs 3] [--data-dir DIR]

The bare app is one Markdown block mounted on FastAPI and served by uvicorn,
as app.py serves the studio; both are timed from launch until
/gradio_api/info answers 200. The runs alternate, so load from other work on
the machine falls on both alike. --data-dir starts the studio on an existing
ledger (bench_ledger.py fills them).
"""

from __future__ import annotations

import argparse
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

BARE_APP = """
import os
import gradio as gr
import uvicorn
from fastapi import FastAPI

with gr.Blocks() as demo:
    gr.Markdown("bare")
app = gr.mount_gradio_app(FastAPI(), demo, path="/")
uvicorn.run(app, host="127.0.0.1", port=int(os.environ["GRADIO_SERVER_PORT"]), log_level="warning")
"""


def time_bare(script: Path, timeout: float = 120) -> float:
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], env={"GRADIO_SERVER_PORT": str(port),
                            "GRADIO_ANALYTICS_ENABLED": "False", "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/gradio_api/info", timeout=2).status_code == 200:
                    return time.perf_counter() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit("the bare app did not start")
    finally:
        proc.terminate()
        proc.wait(20)


def time_studio(data_dir: Path) -> float:
    start = time.perf_counter()
    app = start_app(data_dir)
    elapsed = time.perf_counter() - start
    stop_app(app)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    script = Path(tempfile.mkdtemp()) / "bare_app.py"
    script.write_text(BARE_APP)
    bare, studio = [], []
    for _ in range(args.runs):
        bare.append(time_bare(script))
        studio.append(time_studio(args.data_dir or Path(tempfile.mkdtemp()) / "data"))
    b, s = statistics.median(bare), statistics.median(studio)
    print(f"bare Gradio app: median {b:.2f} s over {args.runs} runs ({', '.join(f'{x:.2f}' for x in bare)})")
    print(f"python app.py:   median {s:.2f} s over {args.runs} runs ({', '.join(f'{x:.2f}' for x in studio)})")
    print(f"ratio: {s / b:.2f}")


if __name__ == "__main__":
    main()
