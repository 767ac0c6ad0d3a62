"""Media: input limits checked by content, the preview renderer, and clip tools.

Every limit is tried just inside (accepted) and just outside (refused, with a
message naming the input). Rendered clips are probed and decoded for real.
"""

from __future__ import annotations

import pytest
from PIL import Image

from studio.errors import InputError
from studio.media.inspect import (
    check_first_frame, check_reference, check_source_video, inspect_image, probe_video,
)
from studio.variants import (
    EDIT_REFERENCE_MIN_SIDE, FIRST_FRAME_MIN_SIDE, IMAGE_MAX_BYTES, MAX_ASPECT, REFERENCE_MIN_SIDE,
    REFERENCE_RECOMMENDED_SIDE, VIDEO_MAX_BYTES, VIDEO_MAX_LONG_SIDE, VIDEO_MAX_SECONDS, VIDEO_MIN_FPS,
    VIDEO_MIN_SECONDS, VIDEO_MIN_SHORT_SIDE,
)
from tests.media_fixtures import cut, make_image, make_video, pad_mp4, pad_to


def refused(match: str):
    return pytest.raises(InputError, match=match)


# ---------------------------------------------------------------- images


def test_first_frame_sides_at_the_minimum_pass(tmp_path):
    side = FIRST_FRAME_MIN_SIDE
    info = check_first_frame(make_image(tmp_path / "f.png", side, side))
    assert (info.format, info.width, info.height) == ("PNG", side, side)


def test_first_frame_side_below_the_minimum_is_refused(tmp_path):
    path = make_image(tmp_path / "f.png", FIRST_FRAME_MIN_SIDE + 200, FIRST_FRAME_MIN_SIDE - 1)
    with refused(rf"First frame is {FIRST_FRAME_MIN_SIDE + 200}x{FIRST_FRAME_MIN_SIDE - 1} px.*"
                 rf"at least {FIRST_FRAME_MIN_SIDE} px"):
        check_first_frame(path)


def test_first_frame_aspect_at_the_limit_passes_and_beyond_is_refused(tmp_path):
    short = 320
    long = int(short * MAX_ASPECT)
    check_first_frame(make_image(tmp_path / "ok.png", long, short))
    check_first_frame(make_image(tmp_path / "tall.png", short, long))
    with refused(r"First frame is .*no wider or taller than 2.5:1: crop it"):
        check_first_frame(make_image(tmp_path / "wide.png", long + 2, short))


def test_image_bytes_at_the_limit_pass_and_one_more_is_refused(tmp_path):
    ok = pad_to(make_image(tmp_path / "ok.jpg", 400, 400, "JPEG"), IMAGE_MAX_BYTES)
    assert check_first_frame(ok).bytes == IMAGE_MAX_BYTES
    big = pad_to(make_image(tmp_path / "big.jpg", 400, 400, "JPEG"), IMAGE_MAX_BYTES + 1)
    with refused(r"First frame is 10.0 MB; images may be at most 10.0 MB"):
        check_first_frame(big)
    with refused(r"Reference 2 is 10.0 MB"):
        check_reference(big, 2, "r2v")


def test_reference_shortest_side_at_the_minimum_passes(tmp_path):
    info = check_reference(make_image(tmp_path / "r.png", REFERENCE_MIN_SIDE, 900), 1, "r2v")
    assert info.short_side == REFERENCE_MIN_SIDE


def test_reference_below_the_minimum_is_refused_with_its_number(tmp_path):
    path = make_image(tmp_path / "r.png", REFERENCE_MIN_SIDE - 50, 500)
    message = (rf"^Reference 3 is {REFERENCE_MIN_SIDE - 50}x500 px; references need a shortest side of at least "
               rf"{REFERENCE_MIN_SIDE} px \({REFERENCE_RECOMMENDED_SIDE} px or more is best\): use a larger image.$")
    with refused(message):
        check_reference(path, 3, "r2v")


def test_edit_reference_minimum_is_its_own(tmp_path):
    check_reference(make_image(tmp_path / "ok.png", EDIT_REFERENCE_MIN_SIDE, 600), 1, "edit")
    with refused(rf"^Edit reference 2 is {EDIT_REFERENCE_MIN_SIDE - 1}x600 px.*at least {EDIT_REFERENCE_MIN_SIDE} px"):
        check_reference(make_image(tmp_path / "small.png", EDIT_REFERENCE_MIN_SIDE - 1, 600), 2, "edit")


def test_reference_aspect_is_checked(tmp_path):
    with refused(r"Reference 1 is 1100x400 px, 2.75:1"):
        check_reference(make_image(tmp_path / "pano.png", 1100, 400), 1, "r2v")


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
    with refused(r"^Reference 4 is not an image file: use JPEG, PNG, BMP or WEBP.$"):
        check_reference(path, 4, "r2v")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
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
    with refused(r"Reference 1 is 350x800 px"):
        check_reference(path, 1, "r2v")


# ---------------------------------------------------------------- source videos


def test_source_video_at_the_shortest_length_passes(tmp_path):
    info = check_source_video(make_video(tmp_path / "v.mp4", seconds=VIDEO_MIN_SECONDS, audio=False))
    assert info.duration == pytest.approx(VIDEO_MIN_SECONDS, abs=0.01)
    assert (info.container, info.video_codec, info.audio_codec) == ("mp4", "h264", None)


def test_source_video_too_short_is_refused(tmp_path):
    path = make_video(tmp_path / "v.mp4", seconds=VIDEO_MIN_SECONDS - 0.125, audio=False)
    with refused(r"^Source video is 2.88 s long; it must be at least 3 s: use a longer clip.$"):
        check_source_video(path)


def test_source_video_length_limit(tmp_path):
    ok = make_video(tmp_path / "ok.mp4", 320, 320, seconds=VIDEO_MAX_SECONDS, fps=10, audio=False, source="color")
    assert check_source_video(ok).duration == pytest.approx(VIDEO_MAX_SECONDS, abs=0.01)
    long = make_video(tmp_path / "long.mp4", 320, 320, seconds=VIDEO_MAX_SECONDS + 0.5, fps=10, audio=False,
                      source="color")
    with refused(r"Source video is 60.5 s long; it may be at most 60 s: trim it"):
        check_source_video(long)


def test_source_video_long_side_limit(tmp_path):
    short = VIDEO_MAX_LONG_SIDE * 2 // 5  # 2.5:1, the widest allowed shape
    check_source_video(make_video(tmp_path / "ok.mp4", VIDEO_MAX_LONG_SIDE, short, fps=10, audio=False,
                                  source="color"))
    with refused(rf"Source video is {VIDEO_MAX_LONG_SIDE + 2}x{short + 2} px; the longer side may be at most"):
        check_source_video(make_video(tmp_path / "big.mp4", VIDEO_MAX_LONG_SIDE + 2, short + 2, fps=10,
                                      audio=False, source="color"))


def test_source_video_short_side_limit(tmp_path):
    check_source_video(make_video(tmp_path / "ok.mp4", VIDEO_MIN_SHORT_SIDE, 480, audio=False))
    with refused(rf"Source video is {VIDEO_MIN_SHORT_SIDE - 2}x480 px; the shorter side must be at least"):
        check_source_video(make_video(tmp_path / "small.mp4", VIDEO_MIN_SHORT_SIDE - 2, 480, audio=False))


def test_source_video_aspect_limit(tmp_path):
    short = VIDEO_MIN_SHORT_SIDE
    check_source_video(make_video(tmp_path / "ok.mp4", int(short * MAX_ASPECT), short, audio=False))
    with refused(r"Source video is 802x320 px, 2.51:1"):
        check_source_video(make_video(tmp_path / "wide.mp4", int(short * MAX_ASPECT) + 2, short, audio=False))


def test_source_video_bytes_limit(tmp_path):
    ok = pad_mp4(make_video(tmp_path / "ok.mp4", audio=False), VIDEO_MAX_BYTES)
    assert check_source_video(ok).bytes == VIDEO_MAX_BYTES
    big = pad_mp4(make_video(tmp_path / "big.mp4", audio=False), VIDEO_MAX_BYTES + 1)
    with refused(r"Source video is 100.0 MB; videos may be at most 100.0 MB"):
        check_source_video(big)


def test_source_video_frame_rate_must_be_above_the_minimum(tmp_path):
    assert check_source_video(make_video(tmp_path / "ok.mp4", fps=VIDEO_MIN_FPS + 0.5, audio=False)).fps > VIDEO_MIN_FPS
    with refused(r"Source video runs at 8 fps; it must be above 8 fps"):
        check_source_video(make_video(tmp_path / "slow.mp4", fps=VIDEO_MIN_FPS, audio=False))


def test_mov_is_known_by_content(tmp_path):
    info = check_source_video(make_video(tmp_path / "clip.mp4", fmt="mov"))
    assert (info.container, info.audio_codec) == ("mov", "aac")
    assert check_source_video(make_video(tmp_path / "clip.mov")).container == "mp4"


def test_other_containers_are_refused_whatever_the_name(tmp_path):
    with refused(r"^Source video is a MKV file, whatever its name says: convert it to MP4 or MOV.$"):
        check_source_video(make_video(tmp_path / "clip.mp4", fmt="matroska"))


def test_a_sound_only_file_is_refused(tmp_path):
    from studio.media.ffmpeg import run_sync

    path = tmp_path / "song.mp4"
    run_sync(["-f", "lavfi", "-i", "sine=d=4", "-c:a", "aac", "-f", "mp4", str(path)])
    with refused(r"Source video has no picture"):
        check_source_video(path)


def test_a_text_file_named_mp4_is_refused(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_text("not a video\n" * 100)
    with refused(r"Source video could not be read as a video .*: upload an MP4 or MOV file."):
        check_source_video(path)


def test_rotation_metadata_gives_the_displayed_size(tmp_path):
    info = probe_video(make_video(tmp_path / "phone.mp4", 480, 320, rotation=90))
    assert (info.width, info.height) == (320, 480)


def test_hevc_is_accepted_with_a_note(tmp_path):
    info = check_source_video(make_video(tmp_path / "hevc.mp4", 320, 320, audio=False, codec="libx265"))
    assert info.video_codec == "hevc" and not info.is_h264
    assert "H.264 is recommended" in info.note
    assert make_video(tmp_path / "h264.mp4") and probe_video(tmp_path / "h264.mp4").note is None
