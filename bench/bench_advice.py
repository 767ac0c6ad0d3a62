"""How long advice takes: per keystroke (prompt rules), per upload (image analysis), and the CPU one
`advise` request can cost with nine huge references (issue #19 item 5).

    python bench/bench_advice.py

The reference figures are CPU seconds of this process, each with its ratio to the anchor run in the
same call: a plain Pillow open and load of the same files (the least any check that decodes them costs).
"""

from __future__ import annotations

import shutil
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio import config  # noqa: E402
from studio.advice import advise_prompt  # noqa: E402
from studio.errors import InputError  # noqa: E402
from studio.media import quality  # noqa: E402
from studio.service import Studio  # noqa: E402

BIG = (8100, 6000)  # 48.6 MP, under the 50 MP the studio decodes at all


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cpu_of(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def photo(path: Path, width: int, height: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, width)[None, :, None] * np.ones((height, 1, 3))
    noisy = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(path, quality=85)
    return str(path)


def big_png(path: Path) -> Path:
    """A smooth 48.6 MP picture that PNG squeezes under the 10 MB upload limit (about 6 MB)."""
    w, h = BIG
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    channels = [127 + 120 * np.sin(6 * x + 3 * y), 127 + 120 * np.sin(4 * y - 2 * x + 1),
                127 + 120 * np.sin(5 * x * y + 2)]
    Image.fromarray(np.dstack([c.astype(np.uint8) for c in channels])).save(path)
    return path


def with_text_chunk(src: Path, dest: Path, text: bytes) -> Path:
    """The same PNG with a tEXt chunk after IHDR: other bytes (another digest), the same pixels."""
    data = src.read_bytes()
    body = b"tEXt" + b"Comment\0" + text
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    dest.write_bytes(data[:33] + chunk + data[33:])
    return dest


def prompt_rules() -> None:
    english = ("Slow tracking shot following a woman walking through morning fog on a cobblestone street, "
               "warm side-lighting from shop windows, shallow depth of field. ") * 12
    chinese = "清晨的薄雾中，一位女子走过石板街道，镜头缓慢跟拍，商店橱窗透出温暖的侧光，浅景深。" * 30
    crowded = "Five dancers, a dog, a cat and a horse on a stage with no lights, then they bow, then leave. " * 8
    for name, text in (("English", english), ("Chinese", chinese), ("English, every rule firing", crowded)):
        took = best_of(20, lambda text=text: advise_prompt(text, "r2v"))
        print(f"prompt rules, {len(text)} {name} chars: {took * 1000:.2f} ms")


def small_images(studio: Studio, tmp: Path) -> None:
    frame = photo(tmp / "frame.jpg", 4000, 3000, 0)
    refs = [photo(tmp / f"r{i}.jpg", 1920, 1080, i) for i in range(9)]
    took = best_of(3, lambda: studio.advice.advise("i2v", "pull back", first_frame=frame, resolution="1080P"))
    print(f"i2v advice with a 12 MP JPEG first frame: {took:.2f} s")
    took = best_of(3, lambda: studio.advice.advise("r2v", "[Image 1] walks, orbit", references=refs))
    print(f"r2v advice with nine 1920x1080 JPEG references: {took:.2f} s")


def huge_references(studio: Studio, tmp: Path) -> None:
    """CPU of one request's references: the anchor (Pillow open+load of each file), studio.advise as the
    service calls the checks today, and quality.reference_advice (cap, each distinct file once, one
    decode each), which the service is to call."""
    source = big_png(tmp / "big.png")
    photo_jpeg = tmp / "big.jpg"
    with Image.open(source) as img:
        img.save(photo_jpeg, quality=92)
    copies = [str(shutil.copy(source, tmp / f"copy{i}.png")) for i in range(12)]
    sets = {"nine copies of one 48.6 MP PNG": copies[:9],
            "nine different 48.6 MP PNGs": [str(with_text_chunk(source, tmp / f"other{i}.png", b"%d" % i))
                                            for i in range(9)],
            "nine different 48.6 MP JPEGs": [str(with_jpeg_comment(photo_jpeg, tmp / f"other{i}.jpg", i))
                                             for i in range(9)],
            "twelve copies of one 48.6 MP PNG (the issue's request)": copies}
    for name, refs in sets.items():
        anchor = cpu_of(lambda refs=refs: [Image.open(p).load() for p in refs])
        service = cpu_of(lambda refs=refs: studio.advice.advise("r2v", "[Image 1] walks, orbit", references=refs))
        capped = cpu_of(lambda refs=refs: refused(lambda: quality.reference_advice("r2v", dict(enumerate(refs, 1)))))
        print(f"{name}: anchor {anchor:.2f} s CPU; studio.advise {service:.2f} s ({service / anchor:.2f}x); "
              f"quality.reference_advice {capped:.2f} s ({capped / anchor:.3f}x)")


def with_jpeg_comment(src: Path, dest: Path, n: int) -> Path:
    """The same JPEG with a comment segment after SOI: other bytes, the same pixels."""
    data = src.read_bytes()
    text = b"copy %d" % n
    dest.write_bytes(data[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + data[2:])
    return dest


def refused(fn) -> None:
    try:
        fn()
    except InputError as e:
        print(f"  refused: {e}")


def main() -> None:
    prompt_rules()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp / "data")}))
        try:
            small_images(studio, tmp)
            huge_references(studio, tmp)
        finally:
            studio.close()


if __name__ == "__main__":
    main()
