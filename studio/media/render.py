"""The offline preview renderer: real H.264 + AAC MP4s made with ffmpeg.

Stills (a drawn backdrop, a first frame, reference images) are moved by the
prompt's camera move (studio.media.camera); a source clip is trimmed, scaled
and graded (studio.media.look). Every output is 24 fps, exactly width x height,
carries a fixed PREVIEW badge (naming the model it stands in for, when given; and the HappyHorse mark when
asked) and a sound
track. Output is written under a temporary name next to dest and moved into
place at the end, so dest is never half-written. The same inputs and seed give
the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from PIL import Image

from studio.errors import InputError
from studio.media import ffmpeg, look
from studio.media.camera import FPS, move_filter
from studio.media.inspect import probe_video
from studio.prompts import camera_move, palette
from studio.variants import EDIT_OUTPUT_MAX_SECONDS

Progress = Callable[[float], None] | None

X264_PRESET = "ultrafast"  # ~3x faster than veryfast at 1080P; files stay small for previews
X264_CRF = "20"
KEYFRAME_INTERVAL = 2 * FPS  # a keyframe every 2 s keeps frame grabs and seeking quick
SAMPLE_RATE = 48000
AUDIO_SETTINGS = ("auto", "origin")


async def render_text(dest: str | Path, *, prompt: str, width: int, height: int, seconds: float,
                      seed: int, watermark: bool, on_progress: Progress = None, badge: str = look.BADGE_LABEL) -> None:
    """An animatic of the prompt: a drawn backdrop in its palette, moved as it asks."""
    _check_shape(width, height, seconds)
    canvas = await asyncio.to_thread(look.text_canvas, prompt, seed, width, height)
    await _render_stills(dest, [canvas], prompt=prompt, width=width, height=height, seconds=seconds,
                         seed=seed, watermark=watermark, on_progress=on_progress, badge=badge)


async def render_image(dest: str | Path, *, image: str | Path, prompt: str, width: int, height: int,
                       seconds: float, seed: int, watermark: bool, on_progress: Progress = None,
                       badge: str = look.BADGE_LABEL) -> None:
    """The first frame, covering width x height, moved by the prompt's camera move."""
    _check_shape(width, height, seconds)
    canvas = await asyncio.to_thread(_image_canvas, image, width, height)
    await _render_stills(dest, [canvas], prompt=prompt, width=width, height=height, seconds=seconds,
                         seed=seed, watermark=watermark, on_progress=on_progress, badge=badge)


async def render_references(dest: str | Path, *, images: Sequence[str | Path], prompt: str, width: int,
                            height: int, seconds: float, seed: int, watermark: bool,
                            on_progress: Progress = None, badge: str = look.BADGE_LABEL) -> None:
    """The references in order, an equal slice each, crossfaded, each moved by the camera."""
    _check_shape(width, height, seconds)
    if not images:
        raise InputError("Reference to video needs at least 1 reference image: add one.")
    canvases = await asyncio.gather(*(asyncio.to_thread(_image_canvas, path, width, height) for path in images))
    await _render_stills(dest, list(canvases), prompt=prompt, width=width, height=height, seconds=seconds,
                         seed=seed, watermark=watermark, on_progress=on_progress, badge=badge)


async def render_edit(dest: str | Path, *, video: str | Path, prompt: str, width: int, height: int,
                      audio_setting: str, watermark: bool, on_progress: Progress = None,
                      badge: str = look.BADGE_LABEL) -> None:
    """The source's first 15 s at width x height, with the grades the prompt names.

    audio_setting "auto" puts a new synthesized soundtrack in place of the source's;
    "origin" keeps the source's sound (silence if it has none).
    """
    if audio_setting not in AUDIO_SETTINGS:
        raise InputError(f"Audio setting {audio_setting!r} is not offered: use auto or origin.")
    info = await asyncio.to_thread(probe_video, video)
    seconds = min(info.duration, EDIT_OUTPUT_MAX_SECONDS)
    _check_shape(width, height, seconds)
    frames = _frames(seconds)
    picture = [f"fps={FPS}", f"tpad=stop_mode=clone:stop_duration={seconds:.3f}",
               f"scale={width}:{height}:force_original_aspect_ratio=increase", f"crop={width}:{height}",
               "setsar=1", look.grade_filter(look.grades(prompt))]
    graph = [f"[0:v]{','.join(f for f in picture if f)}[pic]"]
    if audio_setting == "origin" and info.audio_codec:
        graph.append(f"[0:a:0]aresample={SAMPLE_RATE},apad,atrim=duration={seconds:.6f},"
                     f"aformat=channel_layouts=stereo[snd]")
    elif audio_setting == "origin":
        graph.append(f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=duration={seconds:.6f}[snd]")
    else:
        graph.append(ambience(seconds, zlib.crc32(prompt.encode()), prompt, "snd"))
    with _workdir(dest) as work:
        inputs = ["-t", f"{seconds:.6f}", "-i", str(video)]
        marks, overlay = _marks(work, width, height, watermark, first_input=1, badge=badge)
        graph.append(overlay)
        await _encode(dest, work, inputs + marks, graph, frames, seconds, on_progress)


def _check_shape(width: int, height: int, seconds: float) -> None:
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise ValueError(f"Output size must be even and at least 16 px; got {width}x{height}.")
    if seconds <= 0:
        raise ValueError(f"Output length must be positive; got {seconds} s.")


def _frames(seconds: float) -> int:
    return max(1, round(seconds * FPS))


def _image_canvas(path: str | Path, width: int, height: int) -> Image.Image:
    try:
        picture = look.load_image(path)
    except (OSError, ValueError) as e:
        raise InputError(f"The image {Path(path).name} could not be read ({e}): "
                         f"use JPEG, PNG, BMP or WEBP.") from None
    return look.image_canvas(picture, width, height)


async def _render_stills(dest: str | Path, canvases: list[Image.Image], *, prompt: str, width: int,
                         height: int, seconds: float, seed: int, watermark: bool,
                         on_progress: Progress, badge: str = look.BADGE_LABEL) -> None:
    """Move over each canvas in turn, join them with crossfades, add marks and ambience."""
    frames = _frames(seconds)
    move = camera_move(prompt)
    with _workdir(dest) as work:
        inputs = []
        for i, canvas in enumerate(canvases):
            still = work / f"still{i}.bmp"
            await asyncio.to_thread(canvas.save, still)
            inputs += ["-i", str(still)]
        segments, fade = _segments(frames, len(canvases))
        graph = [f"[{i}:v]format=yuv420p,{move_filter(move, width, height, n)},setsar=1[seg{i}]"
                 for i, n in enumerate(segments)]
        graph += _crossfades(segments, fade, "pic")
        marks, overlay = _marks(work, width, height, watermark, first_input=len(canvases), badge=badge)
        graph += [overlay, ambience(seconds, seed, prompt, "snd")]
        await _encode(dest, work, inputs + marks, graph, frames, seconds, on_progress)


def _segments(frames: int, count: int) -> tuple[list[int], int]:
    """Frames per still and crossfade frames, so that the joined clip is exactly `frames` long."""
    if count == 1:
        return [frames], 0
    fade = max(1, min(FPS // 2, frames // (3 * count)))
    total = frames + (count - 1) * fade
    base, extra = divmod(total, count)
    return [base + (1 if i < extra else 0) for i in range(count)], fade


def _crossfades(segments: list[int], fade: int, out: str) -> list[str]:
    """xfade the segments together into [out]."""
    if len(segments) == 1:
        return ["[seg0]null[" + out + "]"]
    graph, previous, start = [], "seg0", 0
    for i in range(1, len(segments)):
        start += segments[i - 1] - fade
        label = out if i == len(segments) - 1 else f"join{i}"
        graph.append(f"[{previous}][seg{i}]xfade=transition=fade:duration={fade / FPS:.6f}"
                     f":offset={start / FPS:.6f}[{label}]")
        previous = label
    return graph


def _marks(work: Path, width: int, height: int, watermark: bool, first_input: int,
           badge: str = look.BADGE_LABEL) -> tuple[list[str], str]:
    """Inputs and the overlay step that put the PREVIEW badge (and the watermark) on [pic] -> [vid]."""
    picture, (x, y) = look.badge(width, height, badge)
    picture.save(work / "badge.png")
    inputs = ["-i", str(work / "badge.png")]
    steps = f"[pic][{first_input}:v]overlay={x}:{y}"
    if watermark:
        mark, (mx, my) = look.watermark(width, height)
        mark.save(work / "watermark.png")
        inputs += ["-i", str(work / "watermark.png")]
        steps += f"[marked];[marked][{first_input + 1}:v]overlay={mx}:{my}"
    return inputs, steps + ",format=yuv420p[vid]"


CHORD_ROOTS = (110.0, 123.47, 130.81, 146.83, 164.81, 174.61, 196.0)


def ambience(seconds: float, seed: int, prompt: str, out: str) -> str:
    """A seeded pad: a soft chord (minor for dark palettes) over filtered noise, faded in and out."""
    root = CHORD_ROOTS[seed % len(CHORD_ROOTS)]
    top, bottom = palette(prompt)
    third = 6 / 5 if sum(top) + sum(bottom) < 300 else 5 / 4
    d = f"{seconds:.6f}"
    notes = [root, root * third, root * 3 / 2, root * 2]
    graph = [f"sine=f={f:.2f}:r={SAMPLE_RATE}:d={d},volume={0.09 / (1 + i * 0.4):.3f}[tone{i}]"
             for i, f in enumerate(notes)]
    graph.append(f"anoisesrc=r={SAMPLE_RATE}:d={d}:c=brown:a=0.5:seed={seed % 4_294_967_295},"
                 f"lowpass=f=700,volume=0.35[air]")
    fade_out = min(1.0, seconds / 3)
    mix = "".join(f"[tone{i}]" for i in range(len(notes))) + "[air]"
    graph.append(f"{mix}amix=inputs={len(notes) + 1}:normalize=0,volume=3.5,tremolo=f=0.3:d=0.25,"
                 f"afade=t=in:d={min(0.8, seconds / 3):.3f},"
                 f"afade=t=out:st={seconds - fade_out:.6f}:d={fade_out:.6f},"
                 f"aformat=sample_rates={SAMPLE_RATE}:channel_layouts=stereo[{out}]")
    return ";".join(graph)


@contextlib.contextmanager
def _workdir(dest: str | Path) -> Iterator[Path]:
    """A scratch folder next to dest, removed afterwards; dest appears only when complete."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as work:
        yield Path(work)


async def _encode(dest: str | Path, work: Path, inputs: list[str], graph: list[str], frames: int,
                  seconds: float, on_progress: Progress) -> None:
    """Run the graph ([vid] and [snd]) into an H.264/AAC MP4 and move it to dest."""
    part = work / "out.mp4"
    args = [*inputs, "-filter_complex", ";".join(graph), "-map", "[vid]", "-map", "[snd]",
            "-frames:v", str(frames), "-t", f"{seconds:.6f}", "-r", str(FPS),
            "-c:v", "libx264", "-preset", X264_PRESET, "-crf", X264_CRF, "-g", str(KEYFRAME_INTERVAL),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ar", str(SAMPLE_RATE),
            "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", str(part)]
    await ffmpeg.run(args, total_seconds=seconds, on_progress=on_progress)
    os.replace(part, dest)
    if on_progress:
        on_progress(1.0)
