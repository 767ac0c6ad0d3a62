"""Time from `python app.py` to the studio answering, and the cost of `import gradio` alone.

    python bench/bench_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app_fixture import start_app, stop_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    imports, starts = [], []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import gradio"], check=True)
        imports.append(time.perf_counter() - t)
        t = time.perf_counter()
        app = start_app(Path(tempfile.mkdtemp()) / "data")
        starts.append(time.perf_counter() - t)
        stop_app(app)
    print(f"import gradio: median {statistics.median(imports):.1f} s over {runs} runs")
    print(f"python app.py until it answers: median {statistics.median(starts):.1f} s over {runs} runs")


if __name__ == "__main__":
    main()
