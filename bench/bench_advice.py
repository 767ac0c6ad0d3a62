"""How long advice takes: per keystroke (prompt rules) and per upload (image analysis).

    python bench/bench_advice.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio import config  # noqa: E402
from studio.advice import advise_prompt  # noqa: E402
from studio.service import Studio  # noqa: E402


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def photo(path: Path, width: int, height: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, width)[None, :, None] * np.ones((height, 1, 3))
    noisy = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(path, quality=85)
    return str(path)


def main() -> None:
    english = ("Slow tracking shot following a woman walking through morning fog on a cobblestone street, "
               "warm side-lighting from shop windows, shallow depth of field. ") * 12
    chinese = "清晨的薄雾中，一位女子走过石板街道，镜头缓慢跟拍，商店橱窗透出温暖的侧光，浅景深。" * 30
    print(f"prompt rules, {len(english)} English chars: {best_of(20, lambda: advise_prompt(english)) * 1000:.2f} ms")
    print(f"prompt rules, {len(chinese)} Chinese chars: {best_of(20, lambda: advise_prompt(chinese)) * 1000:.2f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp / "data")}))
        frame = photo(tmp / "frame.jpg", 4000, 3000, 0)
        refs = [photo(tmp / f"r{i}.jpg", 1920, 1080, i) for i in range(9)]
        took = best_of(3, lambda: studio.advice.advise("i2v", "pull back", first_frame=frame, resolution="1080P"))
        print(f"i2v advice with a 12 MP JPEG first frame: {took:.2f} s")
        took = best_of(3, lambda: studio.advice.advise("r2v", "[Image 1] walks, orbit", references=refs))
        print(f"r2v advice with nine 1920x1080 JPEG references: {took:.2f} s")
        studio.close()


if __name__ == "__main__":
    main()
