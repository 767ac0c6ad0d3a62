"""Media: input limits checked by content, the preview renderer, and clip tools.

Every limit is tried just inside (accepted) and just outside (refused, with a
message naming the input). Rendered clips are probed and decoded for real.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from PIL import Image

from harness.media import (
    FRAME,
    assert_clip,
    audio_samples,
    badge_mask,
    colour_name,
    cut,
    dominant_hz,
    edit_clip,
    frames,
    luma,
    luma_plane,
    make_colour_steps,
    make_image,
    make_video,
    pad_mp4,
    pad_to,
    saturation,
    text_clip,
)
from studio.errors import InputError, StudioError
from studio.media import look, render
from studio.media.camera import MOVES
from studio.media.clips import grab_frame, make_poster, strip_audio, verify_playable
from studio.media.ffmpeg import run_sync
from studio.media.inspect import (
    check_first_frame,
    check_reference,
    check_source_video,
    inspect_image,
    probe_video,
)
from studio.prompts import CAMERA_MOVES
from studio.variants import (
    EDIT_REFERENCE_MIN_SIDE,
    FIRST_FRAME_MIN_SIDE,
    IMAGE_MAX_BYTES,
    MAX_ASPECT,
    REFERENCE_MIN_SIDE,
    REFERENCE_RECOMMENDED_SIDE,
    VIDEO_MAX_BYTES,
    VIDEO_MAX_LONG_SIDE,
    VIDEO_MAX_SECONDS,
    VIDEO_MIN_FPS,
    VIDEO_MIN_SECONDS,
    VIDEO_MIN_SHORT_SIDE,
)


def mb(n):
    return f"{n / (1024 * 1024):.1f} MB"


def refused(match: str):
    return pytest.raises(InputError, match=match)


# ---------------------------------------------------------------- images


FIRST, REF, EDIT_REF = FIRST_FRAME_MIN_SIDE, REFERENCE_MIN_SIDE, EDIT_REFERENCE_MIN_SIDE
IMAGE_LIMITS = {  # limit: (check, just inside, just outside, the refusal)
    "first frame sides": (check_first_frame, (FIRST, FIRST), (FIRST + 200, FIRST - 1),
                          rf"^First frame is {FIRST + 200}x{FIRST - 1} px; each side must be at least {FIRST} px"),
    "first frame shape": (check_first_frame, (int(320 * MAX_ASPECT), 320), (int(320 * MAX_ASPECT) + 2, 320),
                          rf"^First frame is .*no wider or taller than {MAX_ASPECT:g}:1: crop it"),
    "reference side": (lambda p: check_reference(p, 3, "r2v"), (REF, 900), (REF - 1, 500),
                       rf"^Image 3 is {REF - 1}x500 px; references need a shortest side of at least {REF} px "
                       rf"\({REFERENCE_RECOMMENDED_SIDE} px or more is best\): use a larger image.$"),
    "edit reference side": (lambda p: check_reference(p, 2, "edit"), (EDIT_REF, 600), (EDIT_REF - 1, 600),
                            rf"^Reference 2 is {EDIT_REF - 1}x600 px.*at least {EDIT_REF} px: use a larger"),
    "reference shape": (lambda p: check_reference(p, 1, "r2v"), (1000, 400), (1100, 400),
                        rf"^Image 1 is 1100x400 px, 2.75:1; .*no wider or taller than {MAX_ASPECT:g}:1"),
}


@pytest.mark.parametrize("limit", IMAGE_LIMITS)
def test_image_limits_pass_just_inside_and_refuse_just_outside(tmp_path, limit):
    check, inside, outside, message = IMAGE_LIMITS[limit]
    info = check(make_image(tmp_path / "ok.png", *inside))
    assert (info.format, info.width, info.height) == ("PNG", *inside)
    with refused(message):
        check(make_image(tmp_path / "bad.png", *outside))


def test_image_bytes_at_the_limit_pass_and_one_more_is_refused(tmp_path):
    ok = pad_to(make_image(tmp_path / "ok.jpg", 400, 400, "JPEG"), IMAGE_MAX_BYTES)
    assert check_first_frame(ok).bytes == IMAGE_MAX_BYTES
    big = pad_to(make_image(tmp_path / "big.jpg", 400, 400, "JPEG"), IMAGE_MAX_BYTES + 1)
    with refused(rf"First frame is {mb(IMAGE_MAX_BYTES)}; images may be at most {mb(IMAGE_MAX_BYTES)}"):
        check_first_frame(big)
    with refused(rf"Image 2 is {mb(IMAGE_MAX_BYTES)}"):
        check_reference(big, 2, "r2v")


@pytest.mark.parametrize("fmt, name", [("WEBP", "a.png"), ("BMP", "a.bmp"), ("PNG", "a.jpg"), ("JPEG", "a.webp")])
def test_allowed_formats_are_known_by_content_not_name(tmp_path, fmt, name):
    info = inspect_image(make_image(tmp_path / name, 320, 320, fmt))
    assert info.format == fmt


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_other_image_formats_are_refused_whatever_the_name(tmp_path, fmt):
    path = make_image(tmp_path / "renamed.png", 400, 400, fmt)
    with refused(rf"First frame is a {fmt} image, whatever its name says: convert it to JPEG, PNG, BMP or WEBP"):
        check_first_frame(path)


def test_a_text_file_named_jpg_is_refused(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a picture\n" * 20)
    with refused(r"^Image 4 is not an image file: use JPEG, PNG, BMP or WEBP.$"):
        check_reference(path, 4, "r2v")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "BMP", "WEBP"])
def test_truncated_images_are_refused(tmp_path, fmt):
    path = make_image(tmp_path / "cut.img", 600, 600, fmt)
    Image.open(path).verify()
    cut(path, 0.6)
    with refused(r"First frame is damaged or incomplete"):
        check_first_frame(path)


def test_missing_and_empty_files_are_refused(tmp_path):
    with refused(r"First frame was not found \(gone.png\)"):
        check_first_frame(tmp_path / "gone.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with refused(r"First frame is an empty file"):
        check_first_frame(tmp_path / "empty.png")


def test_exif_orientation_gives_the_displayed_size(tmp_path):
    path = make_image(tmp_path / "phone.jpg", 800, 350, "JPEG", orientation=6)
    info = inspect_image(path)
    assert (info.width, info.height) == (350, 800)
    with refused(r"Image 1 is 350x800 px"):
        check_reference(path, 1, "r2v")


# ---------------------------------------------------------------- source videos


LONG, SHORT = VIDEO_MAX_LONG_SIDE, VIDEO_MIN_SHORT_SIDE
WIDEST = int(SHORT * MAX_ASPECT)
SMALL_AND_CHEAP = dict(width=SHORT, height=SHORT, fps=10, source="color")
VIDEO_LIMITS = {  # limit: (just inside, just outside, the refusal)
    "shortest": (dict(seconds=VIDEO_MIN_SECONDS), dict(seconds=VIDEO_MIN_SECONDS - 0.125),
                 rf"^Source video is {VIDEO_MIN_SECONDS - 0.125:.2f} s long; it must be at least "
                 rf"{VIDEO_MIN_SECONDS:g} s: use a longer clip.$"),
    "longest": (dict(SMALL_AND_CHEAP, seconds=VIDEO_MAX_SECONDS),
                dict(SMALL_AND_CHEAP, seconds=VIDEO_MAX_SECONDS + 0.5),
                rf"Source video is {VIDEO_MAX_SECONDS + 0.5:.1f} s long; "
                rf"it may be at most {VIDEO_MAX_SECONDS:g} s"),
    "long side": (dict(SMALL_AND_CHEAP, width=LONG, height=LONG * 2 // 5),
                  dict(SMALL_AND_CHEAP, width=LONG + 2, height=LONG * 2 // 5 + 2),
                  rf"Source video is {LONG + 2}x{LONG * 2 // 5 + 2} px; the longer side may be at most {LONG} px"),
    "short side": (dict(width=SHORT, height=480), dict(width=SHORT - 2, height=480),
                   rf"Source video is {SHORT - 2}x480 px; the shorter side must be at least {SHORT} px"),
    "aspect": (dict(width=WIDEST, height=SHORT), dict(width=WIDEST + 2, height=SHORT),
               rf"Source video is {WIDEST + 2}x{SHORT} px, .*no wider or taller than {MAX_ASPECT:g}:1"),
    "frame rate": (dict(fps=VIDEO_MIN_FPS + 0.5), dict(fps=VIDEO_MIN_FPS),
                   rf"Source video runs at {VIDEO_MIN_FPS:g} fps; it must be above {VIDEO_MIN_FPS:g} fps"),
}


@pytest.mark.parametrize("limit", VIDEO_LIMITS)
def test_source_video_limits_pass_just_inside_and_refuse_just_outside(tmp_path, limit):
    inside, outside, message = VIDEO_LIMITS[limit]
    info = check_source_video(make_video(tmp_path / "ok.mp4", audio=False, **inside))
    assert (info.container, info.video_codec, info.audio_codec) == ("mp4", "h264", None)
    with refused(message):
        check_source_video(make_video(tmp_path / "bad.mp4", audio=False, **outside))


def test_source_video_bytes_limit(tmp_path):
    ok = pad_mp4(make_video(tmp_path / "ok.mp4", audio=False), VIDEO_MAX_BYTES)
    assert check_source_video(ok).bytes == VIDEO_MAX_BYTES
    big = pad_mp4(make_video(tmp_path / "big.mp4", audio=False), VIDEO_MAX_BYTES + 1)
    with refused(rf"Source video is {mb(VIDEO_MAX_BYTES)}; videos may be at most {mb(VIDEO_MAX_BYTES)}"):
        check_source_video(big)


def test_mov_is_known_by_content(tmp_path):
    info = check_source_video(make_video(tmp_path / "clip.mp4", fmt="mov"))
    assert (info.container, info.audio_codec) == ("mov", "aac")
    assert check_source_video(make_video(tmp_path / "clip.mov")).container == "mp4"


def test_other_containers_are_refused_whatever_the_name(tmp_path):
    with refused(r"^Source video is a MKV file, whatever its name says: convert it to MP4 or MOV.$"):
        check_source_video(make_video(tmp_path / "clip.mp4", fmt="matroska"))


def test_a_sound_only_file_is_refused(tmp_path):
    path = tmp_path / "song.mp4"
    run_sync(["-f", "lavfi", "-i", "sine=d=4", "-c:a", "aac", "-f", "mp4", str(path)])
    with refused(r"Source video has no picture"):
        check_source_video(path)


def test_a_text_file_named_mp4_is_refused(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_text("not a video\n" * 100)
    with refused(r"Source video could not be read as a video .*: upload an MP4 or MOV file."):
        check_source_video(path)


def test_hevc_is_accepted_with_a_note(tmp_path):
    info = check_source_video(make_video(tmp_path / "hevc.mp4", SHORT, SHORT, audio=False, codec="libx265"))
    assert info.video_codec == "hevc" and not info.is_h264
    assert "H.264 is recommended" in info.note
    assert probe_video(make_video(tmp_path / "h264.mp4")).note is None


# ---------------------------------------------------------------- preview renderer


def test_text_render_is_a_real_clip_of_the_asked_shape(tmp_path):
    seen = []
    dest = text_clip(tmp_path, seconds=3, on_progress=seen.append)
    assert_clip(dest, 320, 180, 3)
    assert seen and seen[-1] == 1.0 and all(0 <= p <= 1 for p in seen)
    assert [p.name for p in tmp_path.iterdir()] == ["t.mp4"]  # no scratch files left behind
    sound, rate = audio_samples(dest)
    assert np.abs(sound[rate:2 * rate]).max() > 0.05  # an ambience, not silence


def test_a_cancelled_render_leaves_no_file_and_no_scratch(tmp_path):
    async def start_then_cancel():
        seen = asyncio.Event()
        task = asyncio.create_task(render.render_text(tmp_path / "c.mp4", prompt="pan", width=1280, height=720,
                                                      seconds=15, seed=1, watermark=True,
                                                      on_progress=lambda p: seen.set()))
        await asyncio.wait_for(seen.wait(), 30)  # ffmpeg is writing its output
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(start_then_cancel())
    assert list(tmp_path.iterdir()) == []


def test_text_render_at_720p_portrait_for_a_fractional_length(tmp_path):
    assert_clip(text_clip(tmp_path, width=720, height=1280, seconds=3.5), 720, 1280, 3.5)


def test_preview_badge_is_fixed_in_the_frame(tmp_path):
    dest = text_clip(tmp_path, prompt="night ocean, pull back", seconds=3)
    mask = badge_mask(320, 180)
    for frame in frames(dest, 0, 1.5, 2.95):
        assert np.abs(frame[mask].mean(axis=0) - look.BADGE_FILL).max() < 20


def test_watermark_marks_the_bottom_right_only(tmp_path):
    plain = frames(text_clip(tmp_path, "a.mp4"), 1)[0]
    marked = frames(text_clip(tmp_path, "b.mp4", watermark=True), 1)[0]
    diff = np.abs(plain - marked).mean(axis=2)
    assert diff[150:, 200:].max() > 60          # the mark is there, bottom right
    assert diff[:120, :].max() < 8              # and nowhere else


def test_same_seed_same_file_other_seed_other_picture(tmp_path):
    a, b = text_clip(tmp_path, "a.mp4", seconds=3), text_clip(tmp_path, "b.mp4", seconds=3)
    assert a.read_bytes() == b.read_bytes()
    c = text_clip(tmp_path, "c.mp4", seed=6, seconds=3)
    assert np.abs(frames(a, 1)[0] - frames(c, 1)[0]).mean() > 5


def test_prompt_palette_sets_the_colours(tmp_path):
    night = frames(text_clip(tmp_path, "n.mp4", prompt="space, night sky"), 0.5)[0]
    desert = frames(text_clip(tmp_path, "d.mp4", prompt="desert at noon"), 0.5)[0]
    assert luma(desert) > luma(night) + 60


def test_every_camera_move_starts_at_home_and_goes_somewhere_different(tmp_path):
    assert set(MOVES) == set(CAMERA_MOVES)
    first, last = {}, {}
    for move, words in CAMERA_MOVES.items():
        dest = text_clip(tmp_path, f"{move}.mp4", prompt=f"a horse, {words[0]}", width=160, height=96, seconds=1)
        first[move], last[move] = frames(dest, 0, 0.99)
    for move in MOVES:
        assert np.abs(first[move] - first["push_in"]).mean() < 2, move
        assert np.abs(last[move] - first[move]).mean() > 8, move
        for other in MOVES:
            if other < move:
                assert np.abs(last[move] - last[other]).mean() > 4, (move, other)


def test_image_render_opens_on_the_image_then_moves(tmp_path):
    source = tmp_path / "frame.png"
    gradient = np.linspace(0, 255, 320 * 180 * 3).reshape(180, 320, 3) % 256
    Image.fromarray(gradient.astype(np.uint8)).save(source)
    dest = tmp_path / "i2v.mp4"
    asyncio.run(render.render_image(dest, image=source, prompt="tilt up", width=320, height=180, seconds=3,
                                    seed=1, watermark=False))
    assert_clip(dest, 320, 180, 3)
    start, end = frames(dest, 0, 2.95)
    away = ~badge_mask(320, 180)
    assert np.abs(start - gradient)[away].mean() < 6
    assert np.abs(end - gradient)[away].mean() > 20


def test_references_play_in_order(tmp_path):
    colours = [(220, 30, 30), (30, 200, 30), (30, 30, 220)]
    paths = [make_image(tmp_path / f"r{i}.png", 400, 400, colour=c) for i, c in enumerate(colours)]
    dest = tmp_path / "r2v.mp4"
    asyncio.run(render.render_references(dest, images=paths, prompt="push in", width=256, height=144, seconds=3,
                                         seed=2, watermark=True))
    assert_clip(dest, 256, 144, 3)
    for frame, colour in zip(frames(dest, 0.4, 1.5, 2.6), colours):
        assert int(np.argmax(frame.reshape(-1, 3).mean(axis=0))) == int(np.argmax(colour))


@pytest.fixture(scope="module")
def source_clip(tmp_path_factory):
    """A 4 s clip in moderate colours (room to grade either way) with a 1 kHz tone."""
    return make_video(tmp_path_factory.mktemp("edit") / "source.mp4", 320, 240, seconds=4, tone=1000,
                      vf="eq=contrast=0.6:saturation=0.7")


def test_edit_keeps_the_length_and_takes_the_asked_size(tmp_path, source_clip):
    assert_clip(edit_clip(tmp_path, source_clip, "keep it", width=256, height=144), 256, 144, 4)


def test_edit_uses_only_the_first_15_seconds(tmp_path):
    long = make_video(tmp_path / "long.mp4", 160, 120, seconds=20, fps=12, audio=False, source="color")
    assert_clip(edit_clip(tmp_path, long, "darker", width=160, height=120), 160, 120, 15)


def test_edit_grades_change_the_colour(tmp_path, source_clip):
    def look_of(prompt):
        return frames(edit_clip(tmp_path, source_clip, prompt), 2)[0]

    base = look_of("keep everything as it is")
    red_blue = lambda f: f[..., 0].mean() / f[..., 2].mean()  # noqa: E731
    assert red_blue(look_of("make it warmer")) > red_blue(base) * 1.15
    assert red_blue(look_of("a cooler look")) < red_blue(base) / 1.15
    assert saturation(base) > 0.3
    for words in ("black and white", "monochrome", "grayscale", "b&w"):
        assert saturation(look_of(words)) < 0.03, words
    assert luma(look_of("brighter")) > luma(base) + 15
    assert luma(look_of("darker")) < luma(base) - 15
    assert luma_plane(look_of("more contrast")).std() > luma_plane(base).std() * 1.15


def test_edit_origin_keeps_the_source_sound_and_auto_replaces_it(tmp_path, source_clip):
    kept, rate = audio_samples(edit_clip(tmp_path, source_clip, "warmer", audio="origin"))
    assert dominant_hz(kept[rate:3 * rate], rate) == pytest.approx(1000, abs=5)
    new, rate = audio_samples(edit_clip(tmp_path, source_clip, "warmer", audio="auto"))
    assert abs(dominant_hz(new[rate:3 * rate], rate) - 1000) > 50
    assert np.abs(new).max() > 0.01


def test_edit_origin_of_a_silent_clip_gets_a_silent_track(tmp_path):
    quiet = make_video(tmp_path / "quiet.mp4", 320, 240, seconds=3, audio=False)
    dest = edit_clip(tmp_path, quiet, "brighter", audio="origin")
    assert_clip(dest, 320, 240, 3)
    samples, _ = audio_samples(dest)
    assert np.abs(samples).max() < 1e-3


def test_edit_of_an_unreadable_file_leaves_nothing_behind(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError):
        asyncio.run(render.render_edit(out / "x.mp4", video=bad, prompt="warmer", width=320, height=240,
                                       audio_setting="origin", watermark=True))
    assert list(out.iterdir()) == []
    with refused("Audio setting 'remove' is not offered"):
        asyncio.run(render.render_edit(out / "x.mp4", video=bad, prompt="warmer", width=320, height=240,
                                       audio_setting="remove", watermark=True))


# ---------------------------------------------------------------- clip tools


@pytest.fixture(scope="module")
def red_then_blue(tmp_path_factory):
    """2 s red, then 2 s blue, 160x96."""
    return make_colour_steps(tmp_path_factory.mktemp("steps") / "steps.mp4", ["red", "blue"], 2)


@pytest.mark.parametrize("seconds, expected", [(0.5, "red"), (1.95, "red"), (2.05, "blue"), (99, "blue"),
                                               (-3, "red")])
def test_grab_frame_takes_the_frame_at_that_time_clamped_to_the_clip(tmp_path, red_then_blue, seconds, expected):
    dest = grab_frame(red_then_blue, seconds, tmp_path / "f.png")
    with Image.open(dest) as img:
        assert (img.format, img.size) == ("PNG", (160, 96))
        assert colour_name(np.asarray(img.convert("RGB"), dtype=float)) == expected


def test_a_grabbed_frame_has_exactly_the_pixels_of_that_frame_decoded_from_the_start(tmp_path):
    import av

    video = tmp_path / "gop.mp4"  # B-frames and a keyframe every 1.25 s: seeking lands mid-GOP
    run_sync(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=24:d=4", "-c:v", "libx264", "-preset", "veryfast",
              "-bf", "3", "-g", "30", "-pix_fmt", "yuv420p", str(video)])
    with av.open(str(video)) as c:  # every frame in order, one decoding thread, no seek
        stream = c.streams.video[0]
        stream.thread_type = "NONE"
        frames = [(f.time, f.to_image()) for f in c.decode(stream)]
    for seconds in (0.0, 1.3, 2.51, 4.0):
        expected = [image for at, image in frames if at <= seconds + 1e-6][-1]
        with Image.open(grab_frame(video, seconds, tmp_path / "f.png")) as got:
            assert (got.mode, got.size) == (expected.mode, expected.size)
            assert got.tobytes() == expected.tobytes(), seconds


@pytest.mark.parametrize("rotation", [90, 180])
def test_rotated_clips_are_probed_and_grabbed_as_displayed(tmp_path, rotation):
    video = make_video(tmp_path / "phone.mp4", 480, 320, rotation=rotation)
    shown = (320, 480) if rotation == 90 else (480, 320)
    assert (probe_video(video).width, probe_video(video).height) == shown
    run_sync(["-ss", "1", "-i", str(video), "-frames:v", "1", str(tmp_path / "ffmpeg.png")])  # ffmpeg turns it
    with Image.open(grab_frame(video, 1, tmp_path / "f.png")) as ours, Image.open(tmp_path / "ffmpeg.png") as ref:
        assert ours.size == ref.size == shown
        assert np.abs(np.asarray(ours, dtype=float) - np.asarray(ref.convert("RGB"), dtype=float)).mean() < 2


def test_poster_is_a_480_wide_jpeg_from_early_in_the_clip(tmp_path, red_then_blue):
    dest = make_poster(red_then_blue, tmp_path / "poster.jpg")  # 4 s clip: 0.4 s in, red
    with Image.open(dest) as img:
        assert (img.format, img.size) == ("JPEG", (480, 288))
        assert colour_name(np.asarray(img.convert("RGB"), dtype=float)) == "red"
    long = make_colour_steps(tmp_path / "long.mp4", ["blue", "red"], 0.9)  # 1.8 s: 10% in is 0.18 s
    with Image.open(make_poster(long, tmp_path / "p2.jpg", width=200)) as img:
        assert img.size == (200, 120) and colour_name(np.asarray(img, dtype=float)) == "blue"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mp4", "p2.jpg", "poster.jpg"]


def test_strip_audio_keeps_the_picture_and_drops_the_sound(tmp_path):
    src = make_video(tmp_path / "with.mp4", seconds=3)
    dest = strip_audio(src, tmp_path / "without.mp4")
    before, after = verify_playable(src), verify_playable(dest)
    assert before.audio_codec == "aac" and after.audio_codec is None
    assert (after.width, after.height, after.video_codec) == (before.width, before.height, "h264")
    assert after.duration == pytest.approx(3, abs=FRAME)


@pytest.mark.parametrize("faststart", [True, False])
def test_verify_playable_refuses_a_cut_download(tmp_path, faststart):
    src = make_video(tmp_path / "src.mp4", seconds=4)
    whole = tmp_path / "whole.mp4"
    run_sync(["-i", str(src), "-c", "copy"] + (["-movflags", "+faststart"] if faststart else []) + [str(whole)])
    with pytest.raises(StudioError, match=r"^whole.mp4 is not a playable MP4: "):
        verify_playable(cut(whole, 0.7))


def test_verify_playable_refuses_a_download_missing_only_its_last_bytes(tmp_path):
    src = make_video(tmp_path / "src.mp4", seconds=4)
    whole = tmp_path / "whole.mp4"  # the index first, as providers serve clips: the cut file still opens
    run_sync(["-i", str(src), "-c", "copy", "-movflags", "+faststart", str(whole)])
    with pytest.raises(StudioError, match=r"^whole.mp4 is not a playable MP4: .*cut short"):
        verify_playable(cut(whole, 0.999))


def test_verify_playable_draws_the_poster_make_poster_draws(tmp_path):
    """One decode for the check and the poster: the same frame make_poster takes, not the first one."""
    long = make_colour_steps(tmp_path / "long.mp4", ["red", "blue"] * 3, 0.6)  # 3.6 s: 0.36 s in, red
    later = make_colour_steps(tmp_path / "later.mp4", ["red", "blue"] * 6, 0.8)  # 9.6 s: 0.96 s in, blue
    for video, colour in ((long, "red"), (later, "blue")):
        verify_playable(video, tmp_path / "checked.jpg")
        make_poster(video, tmp_path / "made.jpg")
        with Image.open(tmp_path / "checked.jpg") as a, Image.open(tmp_path / "made.jpg") as b:
            assert a.size == b.size == (480, 288)
            assert np.array_equal(np.asarray(a), np.asarray(b))
            assert colour_name(np.asarray(a.convert("RGB"), dtype=float)) == colour


def test_verify_playable_refuses_what_is_not_an_mp4(tmp_path):
    page = tmp_path / "result.mp4"
    page.write_text("<html>Access denied</html>")
    with pytest.raises(StudioError, match=r"^result.mp4 is not a playable MP4: "):
        verify_playable(page)
    with pytest.raises(StudioError, match=r"^clip.mkv is not a playable MP4: it is a MKV file"):
        verify_playable(make_video(tmp_path / "clip.mkv", fmt="matroska"))
