"""First-frame and reference advice with measured reasons; sRGB conversion of non-sRGB inputs."""

import io
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from studio import config
from studio.advice import AdviceKind, language
from studio.errors import InputError
from studio.media import quality
from harness.media import make_image
from studio.service import LOCAL, Studio

QUALITY_TOLERANCE = 2  # libjpeg-written files come out exact; other encoders land near


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    yield s
    s.close()


def gradient(width=800, height=600, noise=0.0, seed=1) -> np.ndarray:
    g = np.tile(np.linspace(40, 200, width), (height, 1))
    g = g + np.random.default_rng(seed).normal(0, noise, g.shape) if noise else g
    return np.clip(g, 0, 255).astype(np.uint8)


def scene(path, shift=0, size=(800, 600), fmt="PNG", **kw):
    """A picture with shapes, shifted to make 'another angle', resized to make 'the same angle'."""
    img = Image.new("RGB", (800, 600), (30, 60, 90))
    from PIL import ImageDraw
    d = ImageDraw.Draw(img)
    d.ellipse((100 + shift, 100, 400 + shift, 500), fill=(230, 200, 160))
    d.rectangle((500 - shift, 50, 700 - shift, 550), fill=(120, 20, 40))
    img.resize(size).save(path, fmt, **kw)
    return str(path)


@pytest.mark.parametrize("q", [30, 60, 90])
def test_jpeg_quality_is_estimated_from_the_quantisation_tables(tmp_path, q):
    path = tmp_path / f"q{q}.jpg"
    Image.fromarray(gradient()).convert("RGB").save(path, quality=q)
    with Image.open(path) as img:
        assert abs(quality.jpeg_quality(img) - q) <= QUALITY_TOLERANCE


def test_heavy_compression_is_advised_with_the_estimate_and_a_clean_frame_is_not(tmp_path):
    scene(tmp_path / "bad.jpg", fmt="JPEG", quality=35, size=(1280, 720))
    scene(tmp_path / "good.jpg", fmt="JPEG", quality=92, size=(1280, 720))
    bad = quality.first_frame_advice(tmp_path / "bad.jpg", 720, "720P")
    assert [i.kind for i in bad] == [AdviceKind.COMPRESSED] and "quality about 35" in bad[0].reason
    assert quality.first_frame_advice(tmp_path / "good.jpg", 720, "720P") == []


def test_a_frame_smaller_than_the_video_is_advised_with_the_enlargement(tmp_path):
    path = scene(tmp_path / "small.png", size=(800, 600))
    items = quality.first_frame_advice(path, 1080, "1080P")
    assert [i.kind for i in items] == [AdviceKind.SMALL] and "enlarged 1.8×" in items[0].reason
    assert quality.first_frame_advice(path, 600, "720P") == []


@pytest.mark.parametrize("sigma", [3, 8, 15])
def test_noise_is_measured_within_a_fifth_of_the_added_noise(sigma):
    measured = quality.noise_sigma(Image.fromarray(gradient(noise=sigma)))
    assert abs(measured - sigma) <= 0.2 * sigma
    assert quality.noise_sigma(Image.fromarray(gradient())) < 0.5


def test_a_noisy_frame_is_advised(tmp_path):
    Image.fromarray(gradient(1280, 720, noise=12)).save(tmp_path / "noisy.png")
    items = quality.first_frame_advice(tmp_path / "noisy.png", 720, "720P")
    assert [i.kind for i in items] == [AdviceKind.NOISY] and re.search(r"about 1[0-4] of 255", items[0].reason)


def adobe_rgb_like_profile() -> bytes:
    """A matrix/TRC RGB ICC profile with Adobe RGB (1998) primaries and gamma 2.2, built byte by byte."""
    def s15(x):
        return struct.pack(">i", round(x * 65536))

    def xyz(x, y, z):
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"
    text = b"Adobe RGB (1998) compatible test profile\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 78
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
            (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)), (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset, table, data = 128 + 4 + 12 * len(tags), b"", b""
    for sig, body in tags:
        data += b"\0" * (-(offset + len(data)) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (struct.pack(">I", offset + len(data)) + b"none" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 28 + s15(0.9642) + s15(1.0) + s15(0.8249)).ljust(128, b"\0")
    return header + struct.pack(">I", len(tags)) + table + data


def test_a_non_srgb_frame_is_converted_and_the_sRGB_copy_is_what_is_kept(studio, tmp_path):
    img = Image.new("RGB", (1280, 720), (60, 160, 60))
    img.paste((128, 128, 128), (0, 0, 400, 720))
    path = tmp_path / "adobe.png"
    img.save(path, icc_profile=adobe_rgb_like_profile())
    advice = studio.advice.advise("i2v", "The camera pulls back, wind picks up", first_frame=str(path))
    assert [i.kind for i in advice] == [AdviceKind.COLOUR_SPACE] and "Adobe RGB" in advice[0].reason

    prepared = studio.core.prepare("i2v", prompt="pull back", first_frame=str(path))
    assert any("converted from Adobe RGB (1998) compatible test profile to sRGB" in n for n in prepared.checked.notes)
    inputs = studio.settings.data_dir / "inputs"
    assert not inputs.exists() or not any(inputs.iterdir())  # a quote writes nothing: converted when sent
    kept = studio.core.submit(LOCAL, prepared).request.first_frame
    with Image.open(kept) as out:
        name = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(out.info["icc_profile"])))
        grey, green = out.getpixel((100, 100)), out.getpixel((900, 100))
    assert "sRGB" in name
    assert max(abs(c - 128) for c in grey) <= 2              # neutral stays neutral
    assert green[0] < 60 - 30 and green[1] >= 160 and green[2] < 60  # Adobe green is wider: more saturated in sRGB
    assert quality.first_frame_advice(kept, 720, "720P") == []


def test_an_srgb_frame_is_sent_untouched(studio, tmp_path):
    path = tmp_path / "srgb.png"
    Image.new("RGB", (800, 600), (60, 160, 60)).save(
        path, icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    assert studio.core.prepare("i2v", prompt="pull back", first_frame=str(path)).request.first_frame == str(path)


def test_near_duplicate_references_are_found_by_perceptual_hash(studio, tmp_path):
    a = scene(tmp_path / "a.png")
    same = scene(tmp_path / "same.jpg", size=(1000, 750), fmt="JPEG", quality=80)
    other = scene(tmp_path / "other.png", shift=250)
    assert quality.distance(quality.dhash(a), quality.dhash(same)) <= quality.DUPLICATE_DISTANCE
    assert quality.distance(quality.dhash(a), quality.dhash(other)) > quality.DUPLICATE_DISTANCE
    items = studio.advice.advise("r2v", "[Image 1] walks, tracking shot", references=[a, None, other, same])
    assert [(i.kind, i.about) for i in items] == [(AdviceKind.SAME_ANGLE, "Image 1 and Image 4")]


def test_an_image_declaring_huge_dimensions_is_not_decoded(tmp_path):
    img = Image.new("RGB", (8000, 6000), (10, 10, 10))  # 48 MP of flat colour compresses to a small file
    img.save(tmp_path / "huge.png")
    assert quality.first_frame_advice(tmp_path / "huge.png", 720, "720P") == []
    assert quality.dhash(tmp_path / "huge.png") is None
    assert quality.to_srgb(tmp_path / "huge.png", tmp_path / "out") is None


def test_a_non_srgb_reference_is_converted_and_the_note_names_its_slot(studio, tmp_path):
    path = tmp_path / "adobe-ref.png"
    Image.new("RGB", (800, 800), (60, 160, 60)).save(path, icc_profile=adobe_rgb_like_profile())
    prepared = studio.core.prepare("r2v", prompt="[Image 2] waves, orbit", references=[None, str(path)])
    assert "Image 2: converted from Adobe RGB (1998) compatible test profile to sRGB before sending." in \
        prepared.checked.notes
    sent = studio.core.submit(LOCAL, prepared).request
    assert sent.references[0] != str(path) and sent.reference_slots == (2,)
    with Image.open(sent.references[0]) as out:
        assert quality.profile_name(out) is None  # sRGB now


JARGON = re.compile(r"perceptual|hash|dhash|σ|sigma|icc|srgb|quantis|profile", re.IGNORECASE)


def every_kind_of_file_advice(tmp_path, lang):
    """Advice of every kind the files can get: compressed, small, noisy, other colours, same picture and angle."""
    scene(tmp_path / "bad.jpg", fmt="JPEG", quality=35, size=(640, 480))
    Image.fromarray(gradient(1280, 720, noise=12)).save(tmp_path / "noisy.png")
    Image.new("RGB", (1280, 720), (60, 160, 60)).save(tmp_path / "adobe.png", icc_profile=adobe_rgb_like_profile())
    a, other = scene(tmp_path / "a.png"), scene(tmp_path / "other.png", shift=250)
    same = scene(tmp_path / "same.jpg", size=(1000, 750), fmt="JPEG", quality=80)
    copy = tmp_path / "copy.png"
    copy.write_bytes(Path(a).read_bytes())
    items = []
    for name in ("bad.jpg", "noisy.png", "adobe.png"):
        items += quality.first_frame_advice(tmp_path / name, 720, "720P", lang=lang)
    items += quality.reference_advice("r2v", {1: a, 2: other, 3: same, 4: str(copy)}, lang)
    return items


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_file_advice_says_what_the_creator_will_see_without_jargon(tmp_path, lang):
    items = every_kind_of_file_advice(tmp_path, lang)
    kinds = {i.kind for i in items}
    assert kinds == {AdviceKind.COMPRESSED, AdviceKind.SMALL, AdviceKind.NOISY, AdviceKind.COLOUR_SPACE,
                     AdviceKind.SAME_ANGLE}
    for item in items:
        ours = (item.reason + item.suggestion).replace("Adobe RGB (1998) compatible test profile", "")  # its name
        assert not JARGON.search(ours), item
        assert language(item.reason) == lang and language(item.suggestion) == lang, item
    same = [i for i in items if i.kind is AdviceKind.SAME_ANGLE]
    assert [(i.about, i.reason.startswith(("These are the same picture", "这几张是同一张图片"))) for i in same] == [
        ("Image 1 and Image 4", True), ("Image 1 and Image 3", False)]


def test_references_are_capped_at_the_variants_limit_before_any_file_is_read(tmp_path):
    missing = [str(tmp_path / f"not-there-{i}.png") for i in range(12)]
    with pytest.raises(InputError, match=r"^Reference to video takes at most 9 reference images; you gave 12: remove"):
        quality.check_reference_count("r2v", missing)
    with pytest.raises(InputError, match=r"takes at most 9 reference images; you gave 10"):
        quality.reference_advice("r2v", dict(enumerate(missing[:10], start=1)))
    with pytest.raises(InputError, match=r"^Video edit takes at most 5 reference images; you gave 6: remove 1"):
        quality.check_reference_count("edit", missing[:6])
    with pytest.raises(InputError, match=r"has reference slots 1 to 9; there is no slot 12"):
        quality.check_reference_count("r2v", [None] * 11 + [missing[0]])
    quality.check_reference_count("r2v", missing[:9] + [None, ""])  # nine filled slots, two empty: fine
    quality.check_reference_count("edit", [])
    with pytest.raises(InputError, match=r"References must be a list of images, not 'abc': give one path per slot"):
        quality.check_reference_count("r2v", "abc")


def test_identical_references_are_checked_and_hashed_once(tmp_path, monkeypatch):
    source = Path(scene(tmp_path / "a.png", size=(900, 700)))
    copies = {n: str(tmp_path / f"copy{n}.png") for n in range(1, 10)}
    for path in copies.values():
        Path(path).write_bytes(source.read_bytes())
    checked = []
    real = quality.inspect.check_reference
    def counted(path, slot, variant, limits=None, preview=None):
        checked.append(slot)
        return real(path, slot, variant, limits, preview)

    monkeypatch.setattr(quality.inspect, "check_reference", counted)
    items = quality.reference_advice("r2v", copies)
    assert checked == [1]
    assert [(i.about, i.reason) for i in items] == [(
        "Image 1, Image 2, Image 3, Image 4, Image 5, Image 6, Image 7, Image 8 and Image 9",
        "These are the same picture, so the model gets no second view of the subject.")]


def test_a_reference_that_fails_its_check_is_named_by_its_slot(tmp_path):
    small = str(make_image(tmp_path / "small.png", 300, 300))
    with pytest.raises(InputError, match=r"^Image 2 is 300x300 px"):
        quality.reference_advice("r2v", {2: small})


def test_analysis_runs_on_a_copy_shrunk_to_the_videos_size(tmp_path, monkeypatch):
    Image.fromarray(gradient(4000, 3000, noise=3)).convert("RGB").save(tmp_path / "big.jpg", quality=95)
    seen = []
    real = quality.noise_sigma
    monkeypatch.setattr(quality, "noise_sigma", lambda img: seen.append(img.size) or real(img))
    quality.first_frame_advice(tmp_path / "big.jpg", 720, "720P")
    assert seen == [(960, 720)]
    with Image.open(tmp_path / "big.jpg") as img:
        assert quality._shrunk(img, (quality.HASH_SIDE, quality.HASH_SIDE)).size == (64, 48)
