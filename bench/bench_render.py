"""How long the preview backend takes to render each variant (wall clock, this machine).

    python bench/bench_render.py
"""

from __future__ import annotations

import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.media import make_image, make_video  # noqa: E402
from studio.media import render  # noqa: E402
from studio.media.inspect import probe_video  # noqa: E402


async def timed(label: str, coro, dest: Path) -> None:
    start = time.perf_counter()
    await coro
    took = time.perf_counter() - start
    info = probe_video(dest)
    print(f"{label:<34} {took:6.2f} s   {info.width}x{info.height} {info.duration:.2f} s")


async def main() -> None:
    work = Path(tempfile.mkdtemp())
    frame = make_image(work / "frame.png", 1600, 900)
    refs = [str(make_image(work / f"r{i}.png", 900, 900, colour=(60 * i, 100, 180))) for i in range(3)]
    src = make_video(work / "src.mp4", 1280, 720, seconds=10)
    print(f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    common = dict(prompt="sunset, tracking shot", seed=1, watermark=False)
    await timed("t2v 720P 5 s", render.render_text(work / "a.mp4", width=1280, height=720, seconds=5, **common),
                work / "a.mp4")
    await timed("t2v 1080P 15 s", render.render_text(work / "b.mp4", width=1920, height=1080, seconds=15, **common),
                work / "b.mp4")
    await timed("i2v 720P 5 s", render.render_image(work / "c.mp4", image=frame, width=1280, height=720,
                                                    seconds=5, **common), work / "c.mp4")
    await timed("r2v 720P 5 s, 3 refs", render.render_references(work / "d.mp4", images=refs, width=720, height=720,
                                                              seconds=5, **common), work / "d.mp4")
    await timed("edit 720P of a 10 s clip", render.render_edit(work / "e.mp4", video=src, prompt="warmer",
                                                              width=1280, height=720, audio_setting="auto",
                                                              watermark=False), work / "e.mp4")


if __name__ == "__main__":
    asyncio.run(main())
