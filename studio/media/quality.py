"""First-frame and reference advice, each with the measured reason, said the way a creator sees it.

Call studio.media.inspect first (format, size and decode checks); these functions then analyse an
image that passed. The work per image is bounded whatever size it declares: nothing above
MAX_ANALYSE_PIXELS is decoded at all, a JPEG is decoded at a fraction of its size (Image.draft), and
the analyses run on a shrunk copy (noise at the size the video uses, the hash at 64 px). A request's
references are capped at the variant's limit and identical files are analysed once (reference_advice).

- JPEG quality: estimated from the luminance quantisation table the way
  libjpeg / ImageMagick do: the table is compared with the IJG standard table
  scaled for each quality 1..100 and the closest wins (exact for files written
  by libjpeg, nearest for other encoders).
- Noise: Immerkær's fast noise estimate (a Laplacian-difference kernel) per
  32 px tile, taking a low percentile so texture and edges do not count, on the
  picture shrunk to the video's size (the grain that survives into the video).
- Colour space: an embedded ICC profile that is not sRGB is converted to sRGB
  with PIL.ImageCms; the converted file is what is kept and sent.
- Near-duplicates: a 64-bit difference hash (dHash); two references within
  DUPLICATE_DISTANCE bits show the same angle. Identical files are found by
  their SHA-256 and named as the same picture.

What the creator reads names none of this: no hashes, no sigma, no profiles.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageCms, ImageOps

from studio.advice import AdviceItem, AdviceKind
from studio.advice.items import say
from studio.errors import InputError
from studio.media import inspect
from studio.variants import IMAGE_MAX_BYTES, MAX_REFERENCES, Variant, parse_paths, slot_label

if TYPE_CHECKING:
    import numpy as np
# numpy is imported by the functions that use it: most commands and studio starts look at no picture, and
# importing it was 80 of the 350 ms a `python -m studio` command spent importing.

# Reading a file afresh, nothing above this is decoded (a 40 MP PNG is about 160 MB in memory); inspect
# refuses above MAX_DECODE_PIXELS (50 MP), and reference_advice hashes the copy inspect already made.
MAX_ANALYSE_PIXELS = 40_000_000
HASH_SIDE = 64               # the hash is taken from a copy at most this many pixels a side
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
    import numpy as np

    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((np.array(STD_LUMINANCE) * scale + 50) // 100, 1, 255)


def jpeg_quality(img: Image.Image) -> int | None:
    """Estimated JPEG quality 1-100 from the luminance table, or None for other formats."""
    tables = getattr(img, "quantization", None)
    if img.format != "JPEG" or not tables:
        return None
    import numpy as np

    table = np.array(list(tables[min(tables)])[:64])
    errors = [np.abs(scaled_table(q) - table).sum() for q in range(1, 101)]
    return int(np.argmin(errors)) + 1


def noise_sigma(img: Image.Image) -> float:
    """Estimated noise standard deviation (0-255 scale) of the picture's flat parts."""
    import numpy as np

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


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(path: str) -> str:
    return file_digest(path)[:24]


def _too_big(img: Image.Image) -> bool:
    return img.size[0] * img.size[1] > MAX_ANALYSE_PIXELS


def _shrunk(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    """The picture decoded to fit `box` (a JPEG at a fraction of its size), EXIF orientation applied."""
    if img.format in ("JPEG", "MPO"):
        img.draft(img.mode, box)
    img.thumbnail(box)
    return ImageOps.exif_transpose(img)


def first_frame_advice(path: str | Path, target_short_side: int, resolution: str,
                       about: str = "First frame", lang: str = "en") -> list[AdviceItem]:
    """Compression, size, noise and colour space of an image that passed inspect's checks."""
    items: list[AdviceItem] = []
    with Image.open(path) as img:
        if _too_big(img):
            return items
        quality = jpeg_quality(img)
        name = profile_name(img)
        width, height = img.size
        if img.getexif().get(0x0112) in (5, 6, 7, 8):  # a quarter turn: shown the other way round
            width, height = height, width
        scale = min(1.0, target_short_side / min(width, height))
        sigma = noise_sigma(_shrunk(img, (math.ceil(img.size[0] * scale), math.ceil(img.size[1] * scale))))
    if quality is not None and quality < LOW_JPEG_QUALITY:
        items.append(AdviceItem(AdviceKind.COMPRESSED, about, say(
            lang, f"It is saved with heavy JPEG compression (quality about {quality} of 100): the model spends its "
                  "effort on blocky patches instead of motion.",
            f"它是高度压缩的 JPEG（质量约 {quality}/100）：模型会把力气花在方块状的压缩痕迹上，而不是动作上。"),
            say(lang, "Export it again at quality 90 or more, or as PNG.", "以 90 以上的质量重新导出，或存成 PNG。")))
    if min(width, height) < target_short_side:
        enlarged = target_short_side / min(width, height)
        items.append(AdviceItem(AdviceKind.SMALL, about, say(
            lang, f"It is {width}×{height} px; a {resolution} video is {target_short_side} px on the short side, so "
                  f"the frame is enlarged {enlarged:.1f}× and looks soft.",
            f"它是 {width}×{height} 像素；{resolution} 视频的短边是 {target_short_side} 像素，画面会被放大 "
            f"{enlarged:.1f} 倍，看起来发虚。"),
            say(lang, f"Use a frame at least {target_short_side} px on its short side, or draft at 720P.",
                f"换一张短边至少 {target_short_side} 像素的图，或者先用 720P 出草稿。")))
    if sigma > NOISY_SIGMA:
        items.append(AdviceItem(AdviceKind.NOISY, about, say(
            lang, f"It is grainy (its flat areas vary by about {sigma:.0f} of 255 brightness levels at the video's "
                  "size): grain turns into shimmering in the video.",
            f"画面颗粒感重（按视频尺寸看，平坦区域的亮度起伏约 {sigma:.0f}/255）：颗粒在视频里会变成闪烁。"),
            say(lang, "Use a cleaner exposure, or denoise it before uploading.", "换一张曝光更干净的图，或先降噪再上传。")))
    if name:
        items.append(AdviceItem(AdviceKind.COLOUR_SPACE, about, say(
            lang, f"Its colours are stored as {name}, a wider range than video uses; sent as is, they would look "
                  "dull or shifted.",
            f"它的颜色按 {name} 保存，色域比视频宽；直接发送会显得发灰或偏色。"),
            say(lang, "Nothing to do: the studio converts its colours to the video range before sending.",
                "无需操作：发送前工作室会把颜色转换成视频的色域。")))
    return items


def dhash(path: str | Path) -> int | None:
    """64-bit difference hash: brighter-than-the-right-neighbour bits of a 9×8 greyscale thumbnail."""
    with Image.open(path) as img:
        if _too_big(img):
            return None
        return _hash_of(_shrunk(img, (HASH_SIDE, HASH_SIDE)))


def _hash_of(img: Image.Image) -> int:
    import numpy as np

    small = np.asarray(img.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (small[:, :-1] > small[:, 1:]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def check_reference_count(variant: Variant | str, references) -> None:
    """Refuse more references than the variant takes (reference to video 9, video edit 5), before any file
    is read. `references` in slot order (None for an empty slot), or {slot: path}."""
    variant = Variant(variant)
    most = MAX_REFERENCES.get(variant.value)
    if most is None:
        return
    if isinstance(references, Mapping):
        filled = sorted(int(slot) for slot, path in references.items() if path)
    else:  # a list in slot order; anything else is refused in words (variants.parse_paths)
        filled = [slot for slot, path in enumerate(parse_paths(references), start=1) if path]
    if len(filled) > most:
        raise InputError(f"{variant.title} takes at most {most} reference images; you gave {len(filled)}: "
                         f"remove {len(filled) - most}.")
    if filled and filled[-1] > most:
        raise InputError(f"{variant.title} has reference slots 1 to {most}; there is no slot {filled[-1]}: "
                         "move that picture to a free slot.")


def reference_advice(variant: Variant | str, references: Mapping[int, str], lang: str = "en") -> list[AdviceItem]:
    """Check a request's references ({on-screen slot: path}) and say which show the same picture or angle.

    Refuses more than the variant takes before reading a file (check_reference_count), checks each
    distinct file once (identical files, by SHA-256, are one picture) with inspect.check_reference, and
    hashes the small copy that check already decoded. Raises InputError as inspect does.
    """
    variant = Variant(variant)
    check_reference_count(variant, references)
    digests = {slot: _identity(path) for slot, path in references.items()}
    hashes: dict[int, int] = {}
    for slot, path in references.items():
        if digests[slot] not in {digests[s] for s in hashes}:
            info = inspect.check_reference(path, slot, variant, preview=HASH_SIDE)
            hashes[slot] = _hash_of(info.preview)
    return _same_pictures(digests, hashes, lambda n: slot_label(variant, n), lang)


def duplicate_advice(refs: Mapping[int, str], label: Callable[[int], str], lang: str = "en") -> list[AdviceItem]:
    """Groups of references (by on-screen slot) that show the same picture or angle; each distinct file
    is decoded once, shrunk."""
    digests = {slot: _identity(path) for slot, path in refs.items()}
    firsts = {digest: slot for slot, digest in reversed(list(digests.items()))}
    hashes = {slot: h for slot in sorted(firsts.values()) if (h := dhash(refs[slot])) is not None}
    return _same_pictures(digests, hashes, label, lang)


def _identity(path: str) -> str:
    """What makes two reference files the same picture: their content, when it is small enough to be a
    reference at all (a bigger or missing file is left to inspect to refuse)."""
    try:
        if os.path.getsize(path) <= IMAGE_MAX_BYTES:
            return file_digest(path)
    except OSError:
        pass
    return f"unread:{path}"


def _same_pictures(digests: dict[int, str], hashes: dict[int, int], label: Callable[[int], str],
                   lang: str) -> list[AdviceItem]:
    """Identical files as one group each, then near-duplicate angles among the distinct pictures."""
    groups: list[tuple[list[int], bool]] = []
    for digest in dict.fromkeys(digests.values()):
        same = [slot for slot, d in digests.items() if d == digest]
        if len(same) > 1:
            groups.append((same, True))
    near: list[list[int]] = []
    for slot, h in hashes.items():
        group = next((g for g in near if distance(hashes[g[0]], h) <= DUPLICATE_DISTANCE), None)
        group.append(slot) if group else near.append([slot])
    groups += [(g, False) for g in near if len(g) > 1]
    return [_same_picture_item([label(s) for s in slots], identical, lang) for slots, identical in groups]


def _same_picture_item(names: list[str], identical: bool, lang: str) -> AdviceItem:
    about = ", ".join(names[:-1]) + " and " + names[-1]
    reason = (say(lang, "These are the same picture, so the model gets no second view of the subject.",
                  "这几张是同一张图片，模型得不到主体的第二个视角。") if identical else
              say(lang, "These look like the same picture or the same angle, so they add no new view of the subject.",
                  "这几张看起来是同一张图或同一个角度，没有提供主体的新视角。"))
    return AdviceItem(AdviceKind.SAME_ANGLE, about, reason, say(
        lang, "Keep one, and use the other slots for other angles (side, back, three-quarter, full body) so the "
              "subject stays itself in new shots.",
        "只保留一张，其余槽位换成其他角度（侧面、背面、四分之三侧面、全身），主体在新镜头里才能保持一致。"))
