"""Reframing a first frame (#23 item 12): the cut's exact size and place, its refusals, and the box's chips.

The handler is called as a page's event would reach it: a payload naming a file in the upload folder and
event data of the page's making. Whatever the data says, only an offered ratio or anchor is taken, and a cut
is always made from the original upload.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from PIL import Image

from harness.media import make_image
from studio import reframe
from studio.errors import InputError
from studio.media import inspect
from studio.ui import reframe_view
from studio.ui.reframe_view import Cut, Cuts, act, facts


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "gradio"
    (root / "up").mkdir(parents=True)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(root))
    monkeypatch.setattr(reframe_view, "CUTS", Cuts())
    return root.resolve()


def payload(path) -> dict:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


@pytest.mark.parametrize("size, ratio, box", [
    ((4000, 3000), "16:9", (0, 375, 4000, 2625)),      # a wide cut keeps the width
    ((4000, 3000), "9:16", (1156, 0, 2844, 3000)),     # 1687.5 rounds half up to 1688
    ((1000, 750), "1:1", (125, 0, 875, 750)),
    ((1920, 1080), "16:9", (0, 0, 1920, 1080)),        # already the ratio: the whole picture
    ((1080, 1920), "4:3", (0, 555, 1080, 1365)),
    ((1000, 750), "21:9", (0, 160, 1000, 589)),        # 428.57 -> 429
])
def test_a_cut_keeps_one_side_whole_and_centres_the_other(size, ratio, box):
    assert reframe.crop_box(*size, ratio) == box


def test_the_anchor_keeps_the_start_the_centre_or_the_end_of_the_cut_side():
    assert [reframe.crop_box(1000, 750, "9:16", a) for a in reframe.ANCHORS] == [
        (0, 0, 422, 750), (289, 0, 711, 750), (578, 0, 1000, 750)]
    assert [reframe.crop_box(600, 1001, "1:1", a)[1] for a in reframe.ANCHORS] == [0, 200, 401]
    assert reframe.cut_axis(1000, 750, "9:16") == "width" and reframe.cut_axis(600, 1000, "1:1") == "height"
    assert reframe.cut_axis(1600, 900, "16:9") is None


@pytest.mark.parametrize("size, ratio, anchor, words", [
    ((640, 480), "9:16", "centre", "would leave 270×480 px"),
    ((300, 400), "16:9", "centre", "would leave 300×169 px"),
    ((1000, 750), "16:9", "middle", "start, centre or end"),
    ((1000, 750), "0:9", "centre", "not one the studio offers"),
    ((1000, 750), "16:9 ", "centre", "not one the studio offers"),
    ((1000, 750), ["16:9"], "centre", "not one the studio offers"),
])
def test_a_cut_too_small_or_not_offered_is_refused_in_words(size, ratio, anchor, words):
    with pytest.raises(InputError, match=words):
        reframe.crop_box(*size, ratio, anchor)


def test_the_cut_is_made_on_the_picture_as_it_stands_upright(folder):
    # stored 1000x750 with EXIF "turn a quarter": it shows 750x1000, so a 1:1 cut trims the height
    photo = make_image(folder / "up" / "photo.jpg", 1000, 750, "JPEG", orientation=6)
    made = reframe.cut(photo, "1:1", "start", folder)
    with Image.open(made) as img:
        assert img.format == "JPEG" and img.size == (750, 750) and not img.getexif().get(0x0112)
    assert made.parent.parent == folder and made.name == "photo-1x1-750x750.jpg"


def test_a_png_stays_a_png_and_bmp_or_webp_become_png(folder):
    for fmt, name in (("PNG", "a.png"), ("BMP", "b.bmp"), ("WEBP", "c.webp")):
        made = reframe.cut(make_image(folder / "up" / name, 800, 600, fmt), "3:4", "end", folder)
        with Image.open(made) as img:
            assert (img.format, img.size) == ("PNG", (450, 600)), fmt


def test_what_is_no_acceptable_picture_is_refused_and_nothing_is_written(folder):
    (folder / "up" / "notes.png").write_text("not a picture")
    small = make_image(folder / "up" / "small.png", 299, 800)
    before = set(folder.rglob("*"))
    for path, words in ((folder / "up" / "notes.png", "not an image file"), (small, "at least 300 px")):
        with pytest.raises(InputError, match=words):
            reframe.cut(path, "16:9", "centre", folder)
    assert set(folder.rglob("*")) == before


def test_a_chip_cuts_the_original_and_original_restores_it(folder):
    photo = make_image(folder / "up" / "photo.png", 1200, 900)
    made, box = act(payload(photo), "happyhorse-1.1", "me", {"ratio": "9:16"})
    assert Image.open(made).size == (506, 900) and 'data-ratio="9:16" aria-pressed="true"' in box
    assert "Cut to <strong>9:16</strong> from your 1200×900 px original" in box and "Left" in box
    again, _ = act(payload(made), "happyhorse-1.1", "me", {"ratio": "16:9"})  # from the original, not the cut
    assert Image.open(again).size == (1200, 675)
    moved, box = act(payload(again), "happyhorse-1.1", "me", {"anchor": "end"})
    assert Image.open(moved).size == (1200, 675) and 'data-anchor="end" aria-pressed="true">Bottom' in box
    back, box = act(payload(moved), "happyhorse-1.1", "me", {"ratio": "original"})
    assert back == str(photo) and 'data-ratio="original" aria-pressed="true"' in box
    assert "Keep the" not in box  # no anchor row for the original


def test_forged_chip_data_changes_nothing_and_never_names_a_file(folder, tmp_path):
    photo = make_image(folder / "up" / "photo.png", 1200, 900)
    outside = make_image(tmp_path / "secret.png", 1200, 900)
    before = set(folder.rglob("*"))
    for data in ({"ratio": "7:3"}, {"ratio": "21:9"}, {"ratio": {"$ne": 1}}, {"path": str(outside)},
                 {"original": str(outside)}, {"anchor": "centre"}, {}, {"ratio": "../../etc"}):
        made, box = act(payload(photo), "happyhorse-1.0", "me", data)  # 1.0 makes no 21:9
        assert made is None and "Not" in box, data
    made, _ = act(payload(outside), "happyhorse-1.1", "me", {"ratio": "1:1"})
    assert made is None
    assert set(folder.rglob("*")) == before


def test_anothers_cut_is_an_original_to_a_stranger(folder):
    photo = make_image(folder / "up" / "photo.png", 1200, 900)
    made, _ = act(payload(photo), None, "owner", {"ratio": "1:1"})
    assert reframe_view.CUTS.get("stranger", made) is None
    theirs, _ = act(payload(made), None, "stranger", {"ratio": "16:9"})
    assert Image.open(theirs).size == (900, 506)  # cut from the 900x900 it was sent, not the owner's original


def test_the_box_offers_the_models_ratios_and_names_the_frame(folder):
    photo = make_image(folder / "up" / "photo.png", 1000, 750)
    box = facts(payload(photo), "happyhorse-1.0")
    assert "Frame 1000×750 px (PNG)" in box and "<strong>4:3</strong>-shaped video" in box
    offered = [r for r in ("original", "16:9", "9:16", "1:1", "4:3", "3:4", "21:9") if f'data-ratio="{r}"' in box]
    assert offered == ["original", "16:9", "9:16", "1:1", "4:3", "3:4"]
    assert 'data-ratio="21:9"' in facts(payload(photo), "happyhorse-1.1")
    assert "<button" not in facts(None) and "<button" not in facts({"path": "/etc/hostname"})
    assert 'aria-pressed="true"' in box and box.count("<button") == 6


def test_a_frame_too_wide_to_send_can_still_be_reframed(folder):
    wide = make_image(folder / "up" / "pano.png", 1500, 400)
    box = html.unescape(facts(payload(wide), None))
    assert "can't be used" in box and 'data-ratio="16:9"' in box
    made, _ = act(payload(wide), None, "me", {"ratio": "16:9"})
    assert Image.open(made).size == (711, 400)


def test_cuts_are_remembered_per_owner_and_the_oldest_forgotten():
    cuts = Cuts(most=2)
    for n in range(3):
        cuts.add("me", f"/u/{n}.png", Cut("/u/o.png", "1:1", "centre"))
    assert cuts.get("me", "/u/0.png") is None and cuts.get("me", "/u/2.png") is not None
    assert cuts.get("you", "/u/2.png") is None and cuts.get(None, "/u/2.png") is None


def test_the_same_chip_again_returns_the_same_file_and_a_cut_too_big_to_send_leaves_nothing(folder, monkeypatch):
    photo = make_image(folder / "up" / "photo.png", 1200, 900)
    first = reframe.cut(photo, "1:1", "end", folder)
    assert reframe.cut(photo, "1:1", "end", folder) == first  # pressing in a loop cannot fill the disk
    assert reframe.cut(photo, "1:1", "start", folder) != first
    noise = Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3))  # about 1 MB as a PNG
    noise.save(folder / "up" / "noise.webp", "WEBP", quality=30)
    monkeypatch.setattr(inspect, "IMAGE_MAX_BYTES", 500_000)  # what a cut is checked against, made small
    before = set(folder.rglob("*"))
    with pytest.raises(InputError, match="could not be kept .*at most 0.5 MB.*not changed"):
        reframe.cut(folder / "up" / "noise.webp", "1:1", "centre", folder)
    assert set(folder.rglob("*")) == before
