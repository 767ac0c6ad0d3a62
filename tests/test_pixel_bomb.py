"""A small file that declares a giant picture is refused by its header, before any pixel is decoded."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIDE = 13_000  # 169 megapixels: about 500 MB once decoded as RGB


def png_bomb(path: Path, side: int = SIDE) -> Path:
    """A valid RGB PNG of side x side black pixels, compressed to well under a megabyte."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeeze = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * side)  # filter byte + RGB
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


PROBE = """
import json, resource, sys
from studio.errors import InputError
from studio.media import inspect
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    getattr(inspect, sys.argv[2])(sys.argv[1], *sys.argv[3:])
    message = None
except InputError as e:
    message = str(e)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"message": message, "grew_kb": after - before}))
"""


@pytest.mark.parametrize("check, args", [("check_first_frame", []), ("check_reference", ["3", "r2v"])])
def test_a_pixel_bomb_is_refused_without_decoding(tmp_path, check, args):
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 1024 * 1024
    out = subprocess.run([sys.executable, "-c", PROBE, str(bomb), check, *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    result = json.loads(out.stdout)
    assert result["message"] and "13000x13000" in result["message"] and "resize" in result["message"]
    assert result["grew_kb"] < 64 * 1024, f"checking the header cost {result['grew_kb'] // 1024} MB"
