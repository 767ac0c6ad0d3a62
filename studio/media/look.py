"""Pictures for the preview renderer, drawn with Pillow.

The camera moves over a canvas CANVAS_SCALE times the output size. Its
centre, the "home" framing, is exactly one output frame: every move starts
there, so an image-to-video preview opens on the image itself. The marks
(the PREVIEW badge and the optional HappyHorse watermark) are small RGBA
images overlaid after the camera, so they stay put in the frame.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from studio.prompts import palette

CANVAS_SCALE = 1.5
BADGE_FILL = (232, 163, 23)       # amber, opaque: tests look for it
BADGE_TEXT = (24, 20, 12)
BADGE_LABEL = "PREVIEW"
WATERMARK_LABEL = "HappyHorse"

RGB = tuple[int, int, int]


def canvas_size(width: int, height: int) -> tuple[int, int]:
    return round(width * CANVAS_SCALE), round(height * CANVAS_SCALE)


def home_box(width: int, height: int) -> tuple[int, int, int, int]:
    """Where the home framing (one output frame) sits on the canvas: left, top, right, bottom."""
    cw, ch = canvas_size(width, height)
    left, top = (cw - width) // 2, (ch - height) // 2
    return left, top, left + width, top + height


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient, built as one column and stretched (fast at any size)."""
    w, h = size
    column = Image.new("RGB", (1, 256))
    column.putdata([_mix(top, bottom, i / 255) for i in range(256)])
    return column.resize((w, h), Image.Resampling.BILINEAR)


def text_canvas(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """An animatic backdrop in the prompt's palette: sky, glows, hills and a subject."""
    top, bottom = palette(prompt)
    cw, ch = canvas_size(width, height)
    rng = random.Random(seed)
    img = _gradient((cw, ch), top, bottom)
    _glows(img, rng, top, bottom)
    draw = ImageDraw.Draw(img)
    _hills(draw, rng, cw, ch, bottom)
    _subject(img, rng, _mix(bottom, (0, 0, 0), 0.55), _mix(top, (255, 255, 255), 0.5))
    return img


def _glows(img: Image.Image, rng: random.Random, top: RGB, bottom: RGB) -> None:
    """Soft seeded circles (sun, bokeh, stars), blurred at quarter size for speed."""
    cw, ch = img.size
    small = Image.new("RGBA", (max(1, cw // 4), max(1, ch // 4)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(small)
    sw, sh = small.size
    side = min(sw, sh)
    light = _mix(top, (255, 255, 255), 0.7)
    for i in range(14):
        r = rng.uniform(0.015, 0.06) * side * (3 if i == 0 else 1)
        x, y = rng.uniform(0, sw), rng.uniform(0, sh * 0.7)
        colour = light if i % 3 else _mix(bottom, (255, 255, 255), 0.4)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, rng.randint(90, 200)))
    small = small.filter(ImageFilter.GaussianBlur(max(1, side // 90)))
    layer = small.resize((cw, ch), Image.Resampling.BILINEAR)
    img.paste(layer, (0, 0), layer)


def _hills(draw: ImageDraw.ImageDraw, rng: random.Random, cw: int, ch: int, bottom: RGB) -> None:
    """Two ridges of seeded hills: their edges show every camera move."""
    for layer, (base, shade) in enumerate(((0.62, 0.25), (0.74, 0.5))):
        points = [(0, ch)]
        steps = 12
        for i in range(steps + 1):
            y = ch * (base + rng.uniform(-0.06, 0.06))
            points.append((cw * i / steps, y))
        points.append((cw, ch))
        draw.polygon(points, fill=_mix(bottom, (0, 0, 0), shade))
        for _ in range(10 + 6 * layer):  # trees, posts: small vertical marks
            x = rng.uniform(0, cw)
            y = ch * (base + 0.02 + rng.uniform(0, 0.15))
            s = min(cw, ch) * rng.uniform(0.01, 0.025) * (1 + layer)
            draw.polygon([(x, y - 3 * s), (x - s, y), (x + s, y)], fill=_mix(bottom, (0, 0, 0), shade + 0.15))


def _subject(img: Image.Image, rng: random.Random, body: RGB, rim: RGB) -> None:
    """A horse in silhouette with a lit rim, standing at the centre where the camera looks."""
    cw, ch = img.size
    u = min(cw, ch) * 0.055 * rng.uniform(0.9, 1.1)
    size = (round(8 * u), round(6 * u))
    mask = Image.new("L", size, 0)
    _horse(ImageDraw.Draw(mask), u)
    if rng.random() < 0.5:
        mask = ImageOps.mirror(mask)
    edge = mask.filter(ImageFilter.MaxFilter(2 * max(1, round(u / 14)) + 1))
    left = round(cw / 2 - size[0] / 2 + rng.uniform(-0.5, 0.5) * u)
    top = round(ch * 0.74 - 5.2 * u)  # hooves on the near ridge
    img.paste(rim, (left, top), edge)
    img.paste(body, (left, top), mask)


def _horse(draw: ImageDraw.ImageDraw, u: float) -> None:
    """Horse shapes in an 8u x 6u box, facing right."""
    cx, cy = 3.6 * u, 2.8 * u
    draw.ellipse((cx - 2 * u, cy - 0.8 * u, cx + 2 * u, cy + 0.8 * u), fill=255)
    for dx in (-1.6, -1.1, 1.0, 1.5):
        x = cx + dx * u
        draw.rectangle((x - 0.17 * u, cy, x + 0.17 * u, cy + 2.4 * u), fill=255)
    draw.polygon([(cx + 1.1 * u, cy - 0.5 * u), (cx + 2.0 * u, cy + 0.2 * u),
                  (cx + 2.9 * u, cy - 1.7 * u), (cx + 2.3 * u, cy - 2.3 * u)], fill=255)
    draw.polygon([(cx + 2.2 * u, cy - 2.2 * u), (cx + 2.6 * u, cy - 2.5 * u), (cx + 3.9 * u, cy - 1.4 * u),
                  (cx + 3.7 * u, cy - 1.0 * u), (cx + 2.8 * u, cy - 1.4 * u)], fill=255)
    draw.polygon([(cx + 2.3 * u, cy - 2.3 * u), (cx + 2.4 * u, cy - 2.8 * u), (cx + 2.6 * u, cy - 2.4 * u)],
                 fill=255)
    draw.polygon([(cx - 1.9 * u, cy - 0.5 * u), (cx - 2.3 * u, cy - 0.4 * u), (cx - 3.0 * u, cy + 1.4 * u),
                  (cx - 2.5 * u, cy + 1.5 * u)], fill=255)


def image_canvas(image: Image.Image, width: int, height: int) -> Image.Image:
    """The picture covering the home framing, set in a blurred, dimmed extension of itself."""
    cw, ch = canvas_size(width, height)
    picture = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), (width, height),
                           Image.Resampling.LANCZOS)
    small = ImageOps.fit(picture, (max(1, cw // 8), max(1, ch // 8)), Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(max(1, min(small.size) // 25)))
    backdrop = small.resize((cw, ch), Image.Resampling.BILINEAR)
    backdrop = Image.blend(backdrop, Image.new("RGB", (cw, ch), (0, 0, 0)), 0.35)
    left, top, _, _ = home_box(width, height)
    backdrop.paste(picture, (left, top))
    return backdrop


def load_image(path: str | Path) -> Image.Image:
    """Open an image fully (the file may change later) with its EXIF turn applied."""
    with Image.open(path) as img:
        return ImageOps.exif_transpose(img).convert("RGB")


def _unit(width: int, height: int) -> int:
    """Mark size: a fraction of the short side, never unreadably small (even, like all mark
    sizes and places: ffmpeg overlays on 4:2:0 video at even positions)."""
    return _even(max(12, min(width, height) * 0.045))


def _even(n: float) -> int:
    return int(round(n / 2)) * 2


def _even_up(n: int) -> int:
    return n + n % 2


def _margin(width: int, height: int) -> int:
    return max(4, _even(min(width, height) * 0.03))


def badge(width: int, height: int, label: str = BADGE_LABEL) -> tuple[Image.Image, tuple[int, int]]:
    """The PREVIEW badge and where its top-left corner goes (bottom-left of the frame). A longer label
    ("PREVIEW of Wan 2.7") that would not fit in half the frame's width is shortened to PREVIEW."""
    unit = _unit(width, height)
    font = ImageFont.load_default(size=max(8, round(unit * 0.62)))
    pad = max(3, unit // 3)
    left, top, right, bottom = font.getbbox(label)
    if right - left + 2 * pad > width // 2:
        label = BADGE_LABEL
        left, top, right, bottom = font.getbbox(label)
    w, h = _even_up(right - left + 2 * pad), unit
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=max(2, unit // 5), fill=(*BADGE_FILL, 255))
    draw.text((pad - left, (h - (bottom - top)) / 2 - top), label, font=font, fill=(*BADGE_TEXT, 255))
    margin = _margin(width, height)
    return img, (margin, height - margin - h)


def watermark(width: int, height: int) -> tuple[Image.Image, tuple[int, int]]:
    """The 'HappyHorse' text mark and where it goes (bottom-right), like the provider's."""
    unit = _unit(width, height)
    font = ImageFont.load_default(size=max(8, round(unit * 0.7)))
    left, top, right, bottom = font.getbbox(WATERMARK_LABEL)
    shadow = max(1, unit // 14)
    w, h = _even_up(right - left + shadow + 2), _even_up(bottom - top + shadow + 2)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.text((1 - left + shadow, 1 - top + shadow), WATERMARK_LABEL, font=font, fill=(0, 0, 0, 120))
    draw.text((1 - left, 1 - top), WATERMARK_LABEL, font=font, fill=(255, 255, 255, 200))
    margin = _margin(width, height)
    return img, (width - margin - w, height - margin - h)


# Colour grades a video edit prompt can name, and the words that ask for each.
GRADES: dict[str, re.Pattern[str]] = {
    "warmer": re.compile(r"\bwarm(er|th|ing)?\b"),
    "cooler": re.compile(r"\b(cool(er|ing)?|cold(er)?)\b"),
    "black_and_white": re.compile(r"black[\s-]*(and|&|n)[\s-]*white|\bb\s*&\s*w\b|\bb/w\b|monochrome"
                                  r"|gr[ae]y\s?scale|desaturat"),
    "brighter": re.compile(r"\b(brighter|brighten\w*|lighter|lighten\w*)\b"),
    "darker": re.compile(r"\b(darker|darken\w*|dimmer)\b"),
    "more_contrast": re.compile(r"\b(more|higher|high|increased?|boost(ed)?|stronger|extra)\s+contrast\b"
                                r"|\bcontrast(y|\s+up)\b|\bpunchier\b"),
}


def grades(prompt: str) -> list[str]:
    """Every grade the prompt names, in a fixed order."""
    text = prompt.lower()
    return [name for name, pattern in GRADES.items() if pattern.search(text)]


def grade_filter(names: list[str]) -> str | None:
    """One lutyuv filter for the named grades (None when there are none).

    Warmth shifts the colour planes (U down and V up is towards red), black and
    white sets them to neutral, brightness and contrast work on luma. A lookup
    table costs a fraction of an RGB round trip (colorchannelmixer took 4x longer).
    """
    if not names:
        return None
    shift_u = 12 * ("cooler" in names) - 10 * ("warmer" in names)
    shift_v = 12 * ("warmer" in names) - 10 * ("cooler" in names)
    lift = 30 * ("brighter" in names) - 30 * ("darker" in names)
    gain = 1.35 if "more_contrast" in names else 1.0
    y = f"clip((val-128)*{gain:g}+128+{lift},minval,maxval)"
    if "black_and_white" in names:
        u = v = "128"
    else:
        u, v = f"clip(val+{shift_u},minval,maxval)", f"clip(val+{shift_v},minval,maxval)"
    return f"lutyuv=y='{y}':u='{u}':v='{v}'"
