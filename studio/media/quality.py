"""First-frame and reference advice, each with the measured reason.

Call studio.media.inspect first (format, size and decode checks); these
functions then analyse an image that passed. None of them decodes an image
whose header declares more than MAX_ANALYSE_PIXELS: such a file gets no
quality advice rather than a large allocation.

- JPEG quality: estimated from the luminance quantisation table the way
  libjpeg / ImageMagick do: the table is compared with the IJG standard table
  scaled for each quality 1..100 and the closest wins (exact for files written
  by libjpeg, nearest for other encoders).
- Noise: Immerkær's fast noise estimate (a Laplacian-difference kernel) per
  32 px tile, taking a low percentile so texture and edges do not count.
- Colour space: an embedded ICC profile that is not sRGB is converted to sRGB
  with PIL.ImageCms; the converted file is what is kept and sent.
- Near-duplicates: a 64-bit difference hash (dHash); two references within
  DUPLICATE_DISTANCE bits show the same angle.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps

from studio.advice import AdviceItem, AdviceKind

MAX_ANALYSE_PIXELS = 40_000_000
LOW_JPEG_QUALITY = 70        # below this, block artefacts are visible at video sizes
NOISY_SIGMA = 6.0            # noise standard deviation on a 0-255 scale
DUPLICATE_DISTANCE = 6       # of 64 hash bits
_TILE = 32
_NOISE_PIXELS = 1_000_000    # noise is measured on a centre crop of about this many pixels

# IJG standard luminance quantisation table (natural order, as Pillow reports it).
STD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)


def scaled_table(quality: int) -> np.ndarray:
    """The luminance table libjpeg writes for a quality setting (baseline, 8-bit)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((np.array(STD_LUMINANCE) * scale + 50) // 100, 1, 255)


def jpeg_quality(img: Image.Image) -> int | None:
    """Estimated JPEG quality 1-100 from the luminance table, or None for other formats."""
    tables = getattr(img, "quantization", None)
    if img.format != "JPEG" or not tables:
        return None
    table = np.array(list(tables[min(tables)])[:64])
    errors = [np.abs(scaled_table(q) - table).sum() for q in range(1, 101)]
    return int(np.argmin(errors)) + 1


def noise_sigma(img: Image.Image) -> float:
    """Estimated noise standard deviation (0-255 scale) of the picture's flat parts."""
    grey = np.asarray(_centre_crop(img.convert("L")), dtype=np.float64)
    h, w = grey.shape
    if h < _TILE or w < _TILE:
        return 0.0
    k = (grey[:-2, :-2] - 2 * grey[:-2, 1:-1] + grey[:-2, 2:]
         - 2 * grey[1:-1, :-2] + 4 * grey[1:-1, 1:-1] - 2 * grey[1:-1, 2:]
         + grey[2:, :-2] - 2 * grey[2:, 1:-1] + grey[2:, 2:])
    th, tw = k.shape[0] // _TILE, k.shape[1] // _TILE
    tiles = np.abs(k[:th * _TILE, :tw * _TILE]).reshape(th, _TILE, tw, _TILE).mean(axis=(1, 3))
    return float(np.percentile(tiles, 20) * np.sqrt(np.pi / 2) / 6)


def _centre_crop(img: Image.Image) -> Image.Image:
    w, h = img.size
    if w * h <= _NOISE_PIXELS:
        return img
    side = int(_NOISE_PIXELS ** 0.5)
    cw, ch = min(w, side), min(h, side)
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch))


def profile_name(img: Image.Image) -> str | None:
    """The embedded ICC profile's description when it is not sRGB; None for sRGB or no profile."""
    icc = img.info.get("icc_profile")
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        name = (ImageCms.getProfileDescription(profile) or "").strip()
    except (ImageCms.PyCMSError, OSError):
        return None  # an unreadable profile: the provider will ignore it as well
    return None if "srgb" in name.lower().replace(" ", "") else (name or "an unnamed profile")


@dataclass(frozen=True)
class Converted:
    path: Path      # the sRGB copy
    profile: str    # the profile it was converted from


def needs_srgb(path: str | Path) -> str | None:
    """The name of the non-sRGB ICC profile an image would be converted from (to_srgb), else None.
    Reads the header only and writes nothing."""
    with Image.open(path) as img:
        return _convertible(img)


def _convertible(img: Image.Image) -> str | None:
    if _too_big(img) or img.mode not in ("RGB", "RGBA", "CMYK"):
        return None
    return profile_name(img)


def to_srgb(path: str | Path, out_dir: Path) -> Converted | None:
    """An sRGB copy of an image with a non-sRGB ICC profile, written into out_dir; None when already sRGB."""
    with Image.open(path) as img:
        name = _convertible(img)
        if name is None:
            return None
        source = ImageCms.ImageCmsProfile(io.BytesIO(img.info["icc_profile"]))
        srgb = ImageCms.createProfile("sRGB")
        alpha = img.getchannel("A") if img.mode == "RGBA" else None
        rgb = ImageCms.profileToProfile(img.convert("RGB") if img.mode == "RGBA" else img, source, srgb,
                                        renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")
        if alpha is not None:
            rgb.putalpha(alpha)
        fmt = img.format
    return Converted(_save(rgb, fmt, out_dir, ImageCms.ImageCmsProfile(srgb).tobytes()), name)


def _save(img: Image.Image, fmt: str, out_dir: Path, icc: bytes) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    fmt = fmt if fmt in ("JPEG", "PNG", "WEBP") else "PNG"
    if fmt == "JPEG" and img.mode == "RGBA":
        fmt = "PNG"
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".srgb-", suffix="." + fmt.lower())
    os.close(fd)
    try:
        img.save(tmp, fmt, icc_profile=icc, **options)
        dest = out_dir / f"srgb-{_digest(tmp)}.{'jpg' if fmt == 'JPEG' else fmt.lower()}"
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dest


def _digest(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:24]


def _too_big(img: Image.Image) -> bool:
    return img.size[0] * img.size[1] > MAX_ANALYSE_PIXELS


def first_frame_advice(path: str | Path, target_short_side: int, resolution: str,
                       about: str = "First frame") -> list[AdviceItem]:
    """Compression, size, noise and colour space of an image that passed inspect's checks."""
    items: list[AdviceItem] = []
    with Image.open(path) as img:
        if _too_big(img):
            return items
        quality = jpeg_quality(img)
        name = profile_name(img)
        img = ImageOps.exif_transpose(img)
        width, height = img.size
        sigma = noise_sigma(img)
    if quality is not None and quality < LOW_JPEG_QUALITY:
        items.append(AdviceItem(AdviceKind.COMPRESSED, about,
                                f"It is a heavily compressed JPEG (quality about {quality}, estimated from its "
                                "quantisation tables): the model spends effort on block artefacts instead of motion.",
                                "Export it again at quality 90 or more, or as PNG."))
    if min(width, height) < target_short_side:
        scale = target_short_side / min(width, height)
        items.append(AdviceItem(AdviceKind.SMALL, about,
                                f"It is {width}×{height} px; a {resolution} video is {target_short_side} px on the "
                                f"short side, so the frame is enlarged {scale:.1f}× and looks soft.",
                                f"Use a frame at least {target_short_side} px on its short side, or draft at 720P."))
    if sigma > NOISY_SIGMA:
        items.append(AdviceItem(AdviceKind.NOISY, about,
                                f"It is noisy (measured noise σ ≈ {sigma:.1f} of 255 in its flat areas): grain "
                                "turns into shimmering in the video.",
                                "Use a cleaner exposure or denoise it before uploading."))
    if name:
        items.append(AdviceItem(AdviceKind.COLOUR_SPACE, about,
                                f"Its colours are in {name}, not sRGB; sent as is, they would look dull or shifted.",
                                "The studio converts it to sRGB from its ICC profile before sending; "
                                "nothing to do unless you want to convert it yourself."))
    return items


def dhash(path: str | Path) -> int | None:
    """64-bit difference hash: brighter-than-the-right-neighbour bits of a 9×8 greyscale thumbnail."""
    with Image.open(path) as img:
        if _too_big(img):
            return None
        img.draft("L", (64, 64))  # JPEG: decode at a fraction of the size
        small = np.asarray(ImageOps.exif_transpose(img).convert("L").resize((9, 8), Image.Resampling.LANCZOS),
                           dtype=np.int16)
    bits = (small[:, :-1] > small[:, 1:]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def distance(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def duplicate_advice(refs: dict[int, str], label) -> list[AdviceItem]:
    """Groups of references (by on-screen slot) that show the same angle."""
    hashes = {slot: h for slot, path in refs.items() if (h := dhash(path)) is not None}
    groups: list[list[int]] = []
    for slot, h in hashes.items():
        group = next((g for g in groups if distance(hashes[g[0]], h) <= DUPLICATE_DISTANCE), None)
        group.append(slot) if group else groups.append([slot])
    items = []
    for group in (g for g in groups if len(g) > 1):
        names = [label(s) for s in group]
        about = ", ".join(names[:-1]) + " and " + names[-1]
        worst = max(distance(hashes[group[0]], hashes[s]) for s in group[1:])
        items.append(AdviceItem(AdviceKind.SAME_ANGLE, about,
                                f"These look like the same picture or angle (perceptual hashes differ by at most "
                                f"{worst} of 64 bits): they add no new view of the subject.",
                                "Keep one, and add other angles (side, back, three-quarter, full body) so the "
                                "subject stays itself in new shots."))
    return items
