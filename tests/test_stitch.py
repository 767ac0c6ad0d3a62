"""Stitching at the media level: length, streams, sync, picture at the joins, and real stream copy."""

from pathlib import Path

import av
import numpy as np
import pytest

from harness.media import audio_samples, dominant_hz, frames
from studio.errors import InputError
from studio.media.ffmpeg import run_sync
from studio.media.inspect import probe_video
from studio.media.stitch import Shot, read_clip, stitch, trim

FPS = 24
FRAME = 1 / FPS


def clip(path: Path, seconds: float, colour: str, tone: int | None = 440, size: str = "640x360",
         fps: int = FPS, rate: int = 48000, preset: str = "ultrafast") -> Path:
    """A flat-colour clip (a moving pattern over it) with a keyframe every second and (unless tone
    is None) a sine tone; preset medium gives B-frames, as provider clips have."""
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}:d={seconds},colorchannelmixer="
            + {"red": "rr=1:gg=0.05:bb=0.05", "green": "rr=0.05:gg=1:bb=0.05", "blue": "rr=0.05:gg=0.05:bb=1",
               "yellow": "rr=1:gg=1:bb=0.05"}[colour]]
    if tone:
        args += ["-f", "lavfi", "-i", f"sine=f={tone}:r={rate}:d={seconds}"]
    args += ["-c:v", "libx264", "-preset", preset, "-g", str(fps), "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac"] if tone else []
    run_sync([*args, str(path)])
    return path


@pytest.fixture
def three(tmp_path):
    return (clip(tmp_path / "red.mp4", 4, "red", 440), clip(tmp_path / "green.mp4", 3, "green", 880),
            clip(tmp_path / "blue.mp4", 5, "blue", 1320))


def streams(path):
    """Each stream's length in seconds, read from the file's own timestamps."""
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return float(v.duration * v.time_base), float(a.duration * a.time_base), v.frames


def assert_joined(path, seconds, width=640, height=360):
    info = probe_video(path)
    assert (info.container, info.video_codec, info.audio_codec) == ("mp4", "h264", "aac")
    assert (info.width, info.height) == (width, height)
    video, audio, count = streams(path)
    assert abs(video - seconds) <= FRAME and abs(info.duration - seconds) <= FRAME
    assert abs(audio - video) <= FRAME  # sound and picture end together
    assert count == round(seconds * FPS)
    with av.open(str(path)) as c:  # every frame decodes
        assert sum(1 for _ in c.decode(video=0)) == count


def colour(rgb):
    r, g, b = rgb.reshape(-1, 3).mean(axis=0)
    return max((("red", r), ("green", g), ("blue", b)), key=lambda x: x[1])[0]


def tone_at(path, start, length=0.2):
    samples, rate = audio_samples(path)
    return dominant_hz(samples[int(start * rate):int((start + length) * rate)], rate)


def video_packets(path, start=0.0, end=float("inf")):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        return [bytes(p) for p in c.demux(v) if p.pts is not None and start - 1e-3 <= float(p.pts * v.time_base) < end - 1e-3]


def copied(out_packets, source_packets):
    """The output's packets are the source's own bytes (keyframes may carry parameter sets in front)."""
    return len(out_packets) == len(source_packets) and all(
        o.endswith(s) and len(o) - len(s) < 200 for o, s in zip(out_packets, source_packets))


def test_matching_clips_with_cuts_are_copied_packet_for_packet(tmp_path, three):
    red, green, blue = three
    out = stitch([Shot(red), Shot(green), Shot(blue)], [0, 0], tmp_path / "out.mp4")
    assert out.copied_seconds == 12 and out.encoded_seconds == 0 and out.audio_copied
    assert_joined(out.path, 12)
    packets = video_packets(out.path)
    assert packets == video_packets(red) + video_packets(green) + video_packets(blue)  # not one re-encoded
    assert copied(packets, video_packets(red) + video_packets(green) + video_packets(blue))
    assert [colour(f) for f in frames(out.path, 3.9, 4.05, 6.9, 7.05)] == ["red", "green", "green", "blue"]
    assert [round(tone_at(out.path, t)) for t in (1, 5, 9)] == [440, 880, 1320]


def test_trims_are_frame_exact_and_only_the_frames_next_to_a_cut_are_encoded(tmp_path, three):
    red, green, blue = three
    shots = [Shot(red, 0.5, 3.25), Shot(green, 0.25, 2.5), Shot(blue, 1.0, 4.0)]
    out = stitch(shots, [0, 0], tmp_path / "out.mp4")
    expected = 2.75 + 2.25 + 3.0
    assert abs(out.seconds - expected) < 1e-6
    assert_joined(out.path, expected)
    # between keyframes the picture is copied: red 1..3 s sits at output 0.5..2.5 s untouched
    assert copied(video_packets(out.path, 0.5, 2.5), video_packets(red, 1.0, 3.0))
    assert (out.copied_seconds, out.encoded_seconds) == (6, 2)  # red 1-3, green 1-2, blue 1-4 copied
    assert [colour(f) for f in frames(out.path, 2.7, 2.8, 4.95, 5.05)] == ["red", "green", "green", "blue"]


def test_a_crossfade_reencodes_only_the_seconds_around_its_join(tmp_path, three):
    red, green, blue = three
    out = stitch([Shot(red), Shot(green), Shot(blue)], [1.0, 0.5], tmp_path / "out.mp4")
    expected = 4 + 3 + 5 - 1.5
    assert_joined(out.path, expected)
    assert out.encoded_seconds <= 4 and out.copied_seconds >= expected - 4
    mid = frames(out.path, 3.5)[0].reshape(-1, 3).mean(axis=0)
    assert mid[0] > 60 and mid[1] > 30  # half red, half green: a real fade
    assert [colour(f) for f in frames(out.path, 2.9, 4.2, 10.0)] == ["red", "green", "blue"]
    assert copied(video_packets(out.path, 0, 3), video_packets(red, 0, 3))


def test_clips_with_b_frames_are_copied_and_play_through_trims_and_fades(tmp_path):
    red = clip(tmp_path / "red.mp4", 4, "red", 440, preset="medium")
    blue = clip(tmp_path / "blue.mp4", 4, "blue", 1320, preset="medium")
    assert read_clip(red).delay > 0  # decoding runs ahead of display: there are B-frames
    out = stitch([Shot(red, 0.375, 3.625), Shot(blue, 0.5)], [0.5], tmp_path / "out.mp4")
    expected = 3.25 + 3.5 - 0.5
    assert_joined(out.path, expected)
    assert copied(video_packets(out.path, 0.625, 2.625), video_packets(red, 1, 3))
    assert [colour(f) for f in frames(out.path, 0.1, 2.5, 4.0, 6.2)] == ["red", "red", "blue", "blue"]


def test_a_silent_clip_gets_silence_and_sound_stays_in_sync(tmp_path, three):
    red, _, blue = three
    quiet = clip(tmp_path / "quiet.mp4", 3, "yellow", tone=None)
    out = stitch([Shot(red), Shot(quiet), Shot(blue)], [0, 0], tmp_path / "out.mp4")
    assert_joined(out.path, 12)
    samples, rate = audio_samples(out.path)
    assert np.abs(samples[int(5 * rate):int(6.5 * rate)]).max() < 0.01   # the silent shot
    assert np.abs(samples[int(1 * rate):int(2 * rate)]).max() > 0.1
    assert round(tone_at(out.path, 9)) == 1320   # blue's tone is still where blue is
    assert copied(video_packets(out.path, 0, 4), video_packets(red))  # the picture is still copied


def test_clips_that_differ_are_conformed_to_the_first_letterboxed(tmp_path, three):
    red = three[0]
    tall = clip(tmp_path / "tall.mp4", 3, "blue", 880, size="360x640", fps=30, rate=44100)
    out = stitch([Shot(red), Shot(tall, 0.5)], [0.5], tmp_path / "out.mp4")
    assert out.conformed and out.audio_copied  # the odd clip was made to match, sound included
    assert_joined(out.path, 4 + 2.5 - 0.5)
    picture = frames(out.path, 5.5)[0]
    assert picture[:, :100].max() < 40 and picture[:, -100:].max() < 40   # pillarbox bars, black
    assert colour(picture[:, 270:370]) == "blue"                         # the picture itself, centred
    assert read_clip(out.path).fps == FPS
    assert copied(video_packets(out.path, 0, 3), video_packets(red, 0, 3))  # only the odd one re-encoded
    assert [round(tone_at(out.path, t)) for t in (1, 5)] == [440, 880]     # its sound resampled, in place


def test_a_turned_phone_clip_is_joined_upright(tmp_path):
    from harness.media import make_video

    turned = make_video(tmp_path / "turned.mp4", 640, 360, seconds=3, rotation=90)
    out = stitch([Shot(turned), Shot(turned)], [0], tmp_path / "out.mp4")
    assert out.conformed and (out.width, out.height) == (360, 640)
    assert_joined(out.path, 6, width=360, height=640)


def test_trim_alone_makes_an_exact_shorter_clip(tmp_path, three):
    out = trim(Shot(three[2], 0.4, 3.9), tmp_path / "cut.mp4")
    assert_joined(out.path, 3.5)


@pytest.mark.parametrize("shots, fades, words", [
    (lambda r, g: [Shot(r, 3, 2), Shot(g)], [0], "after the in point"),
    (lambda r, g: [Shot(r, 0, 6), Shot(g)], [0], "within 0 to"),
    (lambda r, g: [Shot(r), Shot(g)], [3], "shorter than both"),
    (lambda r, g: [Shot(r), Shot(g, 0, 1), Shot(r)], [0.6, 0.6], "two crossfades"),
    (lambda r, g: [Shot(r), Shot(g)], [0, 0], "one cut or crossfade for each"),
])
def test_bad_trims_and_fades_say_what_to_change(tmp_path, three, shots, fades, words):
    with pytest.raises(InputError, match=words):
        stitch(shots(three[0], three[1]), fades, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch left behind
