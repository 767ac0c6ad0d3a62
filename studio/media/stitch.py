"""Join finished clips into one MP4, copying the compressed stream wherever the clips allow it.

Clips that share codec (H.264), coded size, frame rate, pixel format and profile
are joined by stream copy: each shot's packets from its first keyframe after
the in point (plus any crossfade) to its last keyframe before the out point (less
any crossfade) are copied untouched and retimed. Only the frames between a cut
and the nearest keyframe, and the seconds of each crossfade, are re-encoded
(xfade/acrossfade on the short stretches), so trims stay frame-exact and a
storyboard of long clips costs a few seconds of encoding however long it is.
(Snapping trims to keyframes would be simpler but moves a cut by up to a whole
GOP, two seconds or more on provider clips.) Re-encoded stretches carry their
own parameter sets in-band when they differ from the first clip's.

A clip whose picture differs from the first clip's is first re-encoded to match
it (its trim applied; conformed to the first clip's size and frame rate,
letterboxed or pillarboxed, never stretched; its sound in the first clip's
layout), so the others are still copied. When the first clip itself cannot be
copied (not H.264 4:2:0, or turned by rotation metadata) everything is re-encoded.

Sound is copied along with the picture when every clip has the same audio layout;
otherwise the sound alone is re-encoded in one pass (cheap), with silence for a
clip that has none, so picture and sound stay in sync.

PyAV and the ffmpeg binary, not moviepy (the design card's first choice): moviepy decodes
every frame and re-encodes it all, never copying a packet; bench/bench_stitch.py runs both on
the same storyboards, and bench/RESULTS.md ("Stitching ten 15 s 1080P clips") has the ratios.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from studio.media.clips import atomic_path
from studio.media.stitch_clip import PROFILES, Clip, read_clip
from studio.media.stitch_run import Steps
from studio.media.stitch_plan import Copy, Encode, Plan, Span, bounds, plan_copy, plan_encode


@dataclass(frozen=True)
class X264:
    """The x264 settings of re-encoded frames."""

    preset: str
    crf: int


# Joins sit among the provider's frames: superfast CRF 16 keeps medium CRF 18's VMAF against a full medium
# re-encode for a third of its CPU (bench/bench_join_quality.py; SSIM too, but on film grain: RESULTS.md).
JOINS = X264("superfast", 16)
JOINS_AT_ONCE = 2  # ffmpeg runs re-encoding joins side by side (each short: start-up and decoding leave cores idle)
AUDIO_BITRATE = "192k"
DEFAULT_AUDIO = (48000, "stereo")


@dataclass(frozen=True)
class Shot:
    """One clip of a storyboard, with its in and out points in seconds (None: the clip's end)."""

    path: Path
    start: float = 0.0
    end: float | None = None


@dataclass(frozen=True)
class Stitched:
    path: Path
    seconds: float           # the planned length: trimmed shots less the crossfades
    width: int
    height: int
    copied_seconds: float    # picture seconds stream-copied
    encoded_seconds: float   # picture seconds re-encoded
    audio_copied: bool
    conformed: bool          # every shot re-encoded to the first one's shape (clips differed, or turned)


FITS = ("largest", "smallest")  # mixed sizes: scale every shot up to the largest, or down to the smallest


def reference(clips: Sequence[Clip], fit: str | None) -> int:
    """The shot whose picture the cut takes (the others are conformed to it): the first, or the largest or
    smallest by pixels when asked (the first of equals, so a cut of one size never changes its reference)."""
    if fit not in FITS:
        return 0
    area = [c.width * c.height for c in clips]
    want = max(area) if fit == "largest" else min(area)
    return area.index(want)


def stitch(shots: Sequence[Shot], crossfades: Sequence[float], dest: str | Path,
           reencode: bool = False, x264: X264 = JOINS, fit: str | None = None, steps: Steps | None = None) -> Stitched:
    """Join the shots in order; crossfades[i] is the fade between shot i and i+1 (0: a cut).

    reencode=True re-encodes everything (what stitching costs without stream copy);
    x264 is how re-encoded frames are encoded; fit picks the cut's picture when the shots differ ("largest",
    "smallest"; None: the first shot's); steps hears each step and can cancel (studio.media.stitch_run).
    """
    steps = steps or Steps()
    steps.plan(3, "Reading the clips")
    clips = [read_clip(s.path, f"Shot {i}") for i, s in enumerate(shots, start=1)]
    first = clips[reference(clips, fit)]
    copyable = first.video_codec == "h264" and first.pix_fmt == "yuv420p" and not first.rotated \
        and PROFILES.get(first.profile or "") is not None  # a turned or unusual reference clip is re-encoded
    rate, layout = next(((c.audio[1], c.audio[2]) for c in clips if c.audio), DEFAULT_AUDIO)
    target = _Target(first.width, first.height, first.fps, rate, layout,
                     PROFILES.get(first.profile or "") if copyable else "high")
    if reencode or not copyable:
        plan = plan_encode(clips, shots, crossfades)
        steps.plan(2, "Encoding every shot")
        with atomic_path(dest) as part:
            _encode(plan.segments[0], clips, target, part, x264, faststart=True, steps=steps)
            steps.step("Keeping the file")
        return _result(dest, plan, target, audio_copied=False, conformed=not copyable or len(
            {c.picture for c in clips}) > 1)
    plan_encode(clips, shots, crossfades)  # check every trim and fade before encoding anything
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".stitch.", dir=Path(dest).parent) as scratch:
        work = Path(scratch)
        differ = [i for i, c in enumerate(clips) if c.picture != first.picture]
        audio_copy = not differ and all(c.audio == first.audio and c.audio and c.audio[0] == "aac" for c in clips)
        joins = sum(isinstance(g, Encode) for g in plan_copy(clips, shots, crossfades).segments)  # before conforming
        steps.plan(1 + len(differ) + joins + (not audio_copy) + 1, "Reading the clips")
        steps.step(_conforming(differ, clips, first, 0) if differ else "Encoding the joins")
        shots, clips, conformed = _conform(list(shots), clips, first, target, work, x264, steps)
        audio_copy = all(c.audio == clips[0].audio and c.audio and c.audio[0] == "aac" for c in clips)
        plan = plan_copy(clips, shots, crossfades)
        runs = {n: seg for n, seg in enumerate(plan.segments) if isinstance(seg, Encode)}
        steps.plan(1 + len(differ) + len(runs) + (not audio_copy) + 1,
                   f"Encoding {len(runs)} join{'s' * (len(runs) != 1)}" if runs else "Copying the shots")

        def piece(n: int) -> Path:
            out = _encode(runs[n], clips, target, work / f"piece{n}.mp4", x264, audio=audio_copy, steps=steps)
            steps.step("Encoding the joins")
            return out

        with ThreadPoolExecutor(JOINS_AT_ONCE) as pool:  # a short encode leaves cores idle: run two
            pieces = dict(zip(runs, pool.map(piece, runs)))
        sound = None
        if not audio_copy:
            steps.step("Mixing the sound")
            sound = _encode(plan_encode(clips, shots, crossfades).segments[0], clips, target,
                            work / "sound.mp4", x264, video=False, steps=steps)
        steps.step("Joining into one MP4")
        with atomic_path(dest) as part:
            _mux(plan, clips, pieces, sound, part, steps)
            steps.check()
    return _result(dest, plan, target, audio_copied=audio_copy, conformed=conformed)


def _conforming(differ: list[int], clips: list[Clip], first: Clip, k: int) -> str:
    i = differ[k]
    return f"Scaling shot {i + 1} from {clips[i].width}×{clips[i].height} to {first.width}×{first.height}"


def _conform(shots: list[Shot], clips: list[Clip], first: Clip, target: "_Target", work: Path, x264: X264,
             steps: Steps):
    """Re-encode each shot whose picture differs from the reference's into a matching clip (its trim
    applied, letterboxed), so the rest can still be copied; returns the new shots and clips."""
    conformed, differ = False, [i for i, c in enumerate(clips) if c.picture != first.picture]
    spans, _, _ = bounds(clips, shots, [0.0] * (len(shots) - 1))
    for k, i in enumerate(differ):
        run = Encode([Span(i, *spans[i])], [], 0.0)
        path = _encode(run, clips, target, work / f"conform{i}.mp4", x264, keyint=max(1, round(target.fps)),
                       steps=steps)
        shots[i], clips[i], conformed = Shot(path), read_clip(path), True
        steps.step(_conforming(differ, clips, first, k + 1) if k + 1 < len(differ) else "Encoding the joins")
    return shots, clips, conformed


def trim(shot: Shot, dest: str | Path) -> Stitched:
    """One clip cut to shot.start..shot.end, frame-exact, copying all but the frames next to each cut."""
    return stitch([shot], [], dest)


def _result(dest, plan: Plan, target: "_Target", audio_copied: bool, conformed: bool) -> Stitched:
    copied = sum(s.span.seconds for s in plan.segments if isinstance(s, Copy))
    return Stitched(Path(dest), plan.seconds, target.width, target.height, copied, plan.seconds - copied,
                    audio_copied, conformed)


# --- re-encoding a stretch ------------------------------------------------------

@dataclass(frozen=True)
class _Target:
    width: int
    height: int
    fps: Fraction
    rate: int
    layout: str
    profile: str | None


def _encode(run: Encode, clips: list[Clip], t: _Target, dest: Path, x264: X264, *, video: bool = True,
            audio: bool = True, faststart: bool = False, keyint: int | None = None, steps: Steps | None = None) -> Path:
    """Encode a run of stretches, joined by cuts or crossfades, into an MP4 of exactly run.seconds."""
    inputs, graph = [], []
    for k, span in enumerate(run.parts):
        clip = clips[span.shot]
        inputs += ["-ss", f"{span.start:.6f}", "-t", f"{span.seconds + 0.5:.6f}", "-i", str(clip.path)]
        if video:
            graph.append(f"[{k}:v:0]setpts=PTS-STARTPTS,scale={t.width}:{t.height}:force_original_aspect_ratio="
                         f"decrease,pad={t.width}:{t.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={t.fps},"
                         f"format=yuv420p,tpad=stop_mode=clone:stop_duration=1,"
                         f"trim=duration={span.seconds:.6f},settb=AVTB[v{k}]")
        if audio:
            sound = f"[{k}:a:0]asetpts=PTS-STARTPTS," if clip.audio else f"anullsrc=r={t.rate}:cl={t.layout},"
            graph.append(f"{sound}aresample={t.rate},aformat=sample_fmts=fltp:channel_layouts={t.layout},"
                         f"apad,atrim=duration={span.seconds:.6f},asetpts=PTS-STARTPTS[a{k}]")
    v, a, length = "v0", "a0", run.parts[0].seconds
    for k in range(1, len(run.parts)):
        fade = run.fades[k - 1]
        if fade > 0:
            video and graph.append(f"[{v}][v{k}]xfade=transition=fade:duration={fade:.6f}"
                                   f":offset={length - fade:.6f}[vj{k}]")
            audio and graph.append(f"[{a}][a{k}]acrossfade=d={fade:.6f}:c1=tri:c2=tri[aj{k}]")
        else:
            video and graph.append(f"[{v}][v{k}]concat=n=2:v=1:a=0[vj{k}]")
            audio and graph.append(f"[{a}][a{k}]concat=n=2:v=0:a=1[aj{k}]")
        v, a, length = f"vj{k}", f"aj{k}", length + run.parts[k].seconds - fade
    args = [*inputs, "-filter_complex", ";".join(graph)]
    if video:
        args += ["-map", f"[{v}]", "-c:v", "libx264", "-preset", x264.preset, "-crf", str(x264.crf),
                 "-pix_fmt", "yuv420p", "-r", str(t.fps)] + (["-profile:v", t.profile] if t.profile else []) \
            + (["-g", str(keyint)] if keyint else [])
    if audio:
        args += ["-map", f"[{a}]", "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", str(t.rate)]
    args += ["-t", f"{run.seconds:.6f}", "-map_metadata", "-1"]
    args += ["-movflags", "+faststart"] if faststart else []
    (steps or Steps()).run([*args, "-f", "mp4", str(dest)], timeout=3600)
    return dest


# --- copying packets --------------------------------------------------------------

@dataclass
class _Source:
    """A file whose packets go into the output from `start` to `end` (its own seconds), shifted."""

    path: Path
    start: float
    end: float          # float("inf"): to the end
    shift: float        # output seconds minus source seconds
    delay: float = 0.0  # the file's own decode lead


class _Retimer:
    """Moves each source's packets to their place in the output, keeping every stream in order."""

    def __init__(self, delay: float, parameter_sets: dict[Path, bytes] | None):
        self.delay = delay                      # the output's decode lead (B-frames), seconds
        self.parameter_sets = parameter_sets    # per file, put in front of each of its keyframes
        self.sound_end: int | None = None       # where the last sound packet ended (output ticks)

    def packets(self, src: _Source, out_video, out_audio) -> Iterator:
        """The source's packets in file order (picture and sound already interleaved there)."""
        import av

        with av.open(str(src.path)) as c:
            wanted = ([c.streams.video[0]] if out_video else []) + ([c.streams.audio[0]] if out_audio else [])
            for p in c.demux(wanted):
                if p.pts is None:
                    continue
                if p.stream.type == "video":
                    moved = self._picture(p, src)
                    if moved is not None:
                        moved.stream = out_video
                        yield moved
                else:
                    moved = self._sound(p, src)
                    if moved is not None:
                        moved.stream = out_audio
                        yield moved

    def _picture(self, p, src: _Source):
        tb = float(p.time_base)
        t = p.pts * tb
        if p.dts is None or t < src.start - 1e-4 or t >= src.end - 1e-4:
            return None
        if p.is_keyframe and self.parameter_sets is not None:  # a player may start at any keyframe
            p = _prepend(p, self.parameter_sets[src.path])
        p.pts += round(src.shift / tb)
        p.dts += round((src.shift - (self.delay - src.delay)) / tb)
        return p

    def _sound(self, p, src: _Source):
        """Sound packets whose middle falls in the stretch, without overlapping the one before."""
        tb = float(p.time_base)
        length = p.duration or 1024
        middle = (p.pts + length / 2) * tb
        priming = p.is_discard and self.sound_end is None and src.start <= 0
        if (p.is_discard or not src.start <= middle < src.end) and not priming:
            return None
        pts = p.pts + round(src.shift / tb)
        if self.sound_end is not None and pts < self.sound_end:
            if self.sound_end - pts > length / 2:
                return None               # overlaps the previous stretch: drop it
            pts = self.sound_end          # nudged by under half a packet (< 11 ms at 48 kHz)
        p.pts = p.dts = pts
        self.sound_end = pts + length
        return p


def _mux(plan: Plan, clips: list[Clip], pieces: dict[int, Path], sound: Path | None, dest: Path,
         steps: Steps) -> None:
    import av

    sources, sets = [], {}
    for n, seg in enumerate(plan.segments):
        if isinstance(seg, Copy):
            span, clip = seg.span, clips[seg.span.shot]
            end = float("inf") if span.end >= clip.video_end - 1e-6 else span.end
            sources.append(_Source(clip.path, span.start, end, seg.at - span.start, clip.delay))
        else:
            clip = read_clip(pieces[n])
            sources.append(_Source(clip.path, 0.0, float("inf"), seg.at, clip.delay))
        sets[clip.path] = _parameter_sets(clip.extradata)
    retime = _Retimer(max(s.delay for s in sources), sets if len(set(sets.values())) > 1 else None)
    with av.open(str(sources[0].path)) as first, av.open(str(sound or sources[0].path)) as heard, \
            av.open(str(dest), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        ov = out.add_stream_from_template(first.streams.video[0])
        oa = out.add_stream_from_template(heard.streams.audio[0])
        if sound is None:
            for src in sources:
                steps.check()  # between sources: a cancel bites within one shot's packets
                for packet in retime.packets(src, ov, oa):
                    out.mux(packet)
            return
        pictures = (p for src in sources for p in retime.packets(src, ov, None))
        sounds = retime.packets(_Source(sound, 0.0, float("inf"), 0.0), None, oa)
        for n, packet in enumerate(heapq.merge(pictures, sounds, key=lambda p: p.dts * float(p.time_base))):
            if n % 500 == 0:
                steps.check()
            out.mux(packet)


def _parameter_sets(avcc: bytes) -> bytes:
    """The SPS and PPS of an avcC record as length-prefixed NAL units (b'' if it is not one)."""
    if len(avcc) < 7 or avcc[0] != 1:
        return b""
    size = (avcc[4] & 3) + 1
    out, i = [], 5
    for count_mask in (0x1F, 0xFF):
        count = avcc[i] & count_mask
        i += 1
        for _ in range(count):
            n = int.from_bytes(avcc[i:i + 2], "big")
            out.append(n.to_bytes(size, "big") + avcc[i + 2:i + 2 + n])
            i += 2 + n
    return b"".join(out)


def _prepend(packet, data: bytes):
    """A copy of the packet with its parameter sets in front (so a decoder switches to them here)."""
    import av

    if not data:
        return packet
    p = av.Packet(data + bytes(packet))
    p.pts, p.dts, p.duration, p.time_base = packet.pts, packet.dts, packet.duration, packet.time_base
    p.is_keyframe = packet.is_keyframe
    return p
