"""The model catalogue as data, and each model's own rules as a request meets them.

HappyHorse 1.1 is the default where the variant and the backend have it; 1.0 stays one choice away;
Wan 2.7 brings its durations, negative prompt and prompt rewrite; an owner edits the data, not Python.
"""

from __future__ import annotations

import shutil

import pytest
from PIL import Image

from studio import model_choice, models
from studio import variants as v
from studio.errors import InputError
from studio.inputs import check_files
from studio.jobs.model import Job
from studio.variants import Variant


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """A copy of the catalogue the studio reads instead; edit() rewrites part of it."""
    path = tmp_path / "catalogue.toml"
    shutil.copyfile(models.PATH, path)
    monkeypatch.setattr(models, "PATH", path)

    def edit(old: str, new: str) -> None:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
    return edit


def test_the_catalogue_holds_three_families_with_dated_sourced_prices():
    cat = models.catalogue()
    assert list(cat.families) == ["happyhorse-1.1", "happyhorse-1.0", "wan2.7"]
    for fam in cat.families.values():
        assert set(fam.prices.per_second) == set(fam.resolutions) == {"720P", "1080P"}
        assert fam.prices.date and fam.prices.source
    assert not cat.families["wan2.7"].prices.confirmed and "third-party" in cat.families["wan2.7"].prices.source
    assert cat.families["happyhorse-1.1"].variants == ("t2v", "i2v", "r2v")   # there is no 1.1 edit
    assert cat.families["happyhorse-1.1"].provider_id("t2v", "inferencesh") is None


def test_unconfirmed_facts_are_data_with_a_note_and_the_stricter_values_are_in_force():
    cat = models.catalogue()
    hh11 = cat.families["happyhorse-1.1"]
    assert hh11.unconfirmed_resolutions == ("480P",) and "480P" not in hh11.resolutions
    assert "480P" in hh11.notes["resolutions"]
    with pytest.raises(InputError, match="720P or 1080P"):
        v.build("t2v", prompt="x", resolution="480P", model="happyhorse-1.1")
    assert cat.limits.image_max_bytes == 10 * models.MB == v.IMAGE_MAX_BYTES
    assert (cat.limits.edit_video_max_long_side, cat.limits.edit_video_min_short_side) == (2160, 360)
    other = cat.unconfirmed_limits
    assert (other["image_max_mb"], other["edit_video_max_long_side"], other["edit_video_min_short_side"]) == (20, 4096, 320)
    assert "stricter" in other["note"]


@pytest.mark.parametrize("variant, backend, model", [
    ("t2v", "dashscope", "happyhorse-1.1"), ("i2v", "dashscope", "happyhorse-1.1"),
    ("r2v", "preview", "happyhorse-1.1"), ("edit", "dashscope", "happyhorse-1.0"),
    ("t2v", "inferencesh", "happyhorse-1.0"), ("edit", "inferencesh", "happyhorse-1.0"),
    ("t2v", None, "happyhorse-1.0"),  # no backend named yet: a model every backend runs
])
def test_the_default_model_per_variant_and_backend(variant, backend, model):
    prompt = {"first_frame": "f.png"} if variant == "i2v" else {"prompt": "x"}
    extra = {"references": ["a.png"]} if variant == "r2v" else {"video": "a.mp4"} if variant == "edit" else {}
    assert v.build(variant, backend=backend, **prompt, **extra).model == model


def test_1_1_on_inference_sh_is_refused_in_words_naming_what_works_there():
    with pytest.raises(InputError) as e:
        v.build("t2v", prompt="x", model="happyhorse-1.1", backend="inferencesh")
    assert str(e.value) == ("HappyHorse 1.1 is not offered on inference.sh: inference.sh has no HappyHorse 1.1 app "
                            "yet. On inference.sh, choose happyhorse-1.0 or wan2.7.")
    assert v.build("t2v", prompt="x", model="wan2.7", backend="inferencesh").model == "wan2.7"


def test_video_edit_on_1_1_says_it_runs_on_1_0():
    with pytest.raises(InputError, match="Video edit runs on HappyHorse 1.0 or Wan 2.7: there is no 1.1 edit"):
        v.build("edit", prompt="warmer", video="a.mp4", model="happyhorse-1.1")
    with pytest.raises(InputError, match="is not offered: choose one of happyhorse-1.1, happyhorse-1.0, wan2.7"):
        v.build("t2v", prompt="x", model="sora")


def test_each_model_takes_its_own_ratios():
    assert v.build("t2v", prompt="x", ratio="21:9", model="happyhorse-1.1").ratio == "21:9"
    assert v.build("r2v", prompt="x", references=["a.png"], ratio="4:5", model="happyhorse-1.1").ratio == "4:5"
    with pytest.raises(InputError) as e:
        v.build("t2v", prompt="x", ratio="21:9", model="happyhorse-1.0")
    assert "21:9 is not offered on HappyHorse 1.0" in str(e.value) and "HappyHorse 1.1 (happyhorse-1.1)" in str(e.value)
    with pytest.raises(InputError, match="not offered on Wan 2.7"):
        v.build("t2v", prompt="x", ratio="9:21", model="wan2.7")


def test_wan_takes_2_to_15_seconds_and_happyhorse_3_to_15():
    assert v.build("t2v", prompt="x", duration=2, model="wan2.7").duration == 2
    with pytest.raises(InputError, match="from 2 to 15 on Wan 2.7"):
        v.build("t2v", prompt="x", duration=1, model="wan2.7")
    with pytest.raises(InputError, match="from 3 to 15"):
        v.build("t2v", prompt="x", duration=2, model="happyhorse-1.1")


def test_wans_negative_prompt_and_prompt_rewrite():
    wan = v.build("t2v", prompt="x", model="wan2.7", negative_prompt="  blur, text  ")
    assert (wan.negative_prompt, wan.prompt_extend) == ("blur, text", False)  # a decision, always sent
    assert v.build("t2v", prompt="x", model="wan2.7", prompt_extend="true").prompt_extend is True
    with pytest.raises(InputError, match="HappyHorse 1.1 takes no negative prompt: remove it, or choose wan2.7"):
        v.build("t2v", prompt="x", model="happyhorse-1.1", negative_prompt="blur")
    with pytest.raises(InputError, match="HappyHorse 1.0 has no prompt rewrite: turn it off, or choose wan2.7"):
        v.build("t2v", prompt="x", model="happyhorse-1.0", prompt_extend=True)
    assert v.build("t2v", prompt="x", model="happyhorse-1.0", prompt_extend=False).prompt_extend is None
    with pytest.raises(InputError, match="at most 500"):
        v.build("t2v", prompt="x", model="wan2.7", negative_prompt="n" * 501)


def test_a_stored_request_rebuilds_to_the_same_request_and_old_rows_read_as_1_0():
    wan = v.build("t2v", prompt="x", model="wan2.7", negative_prompt="blur", prompt_extend=True, duration=2)
    assert v.build("t2v", **{k: val for k, val in wan.to_dict().items() if k != "variant"}) == wan
    old = v.Request.from_dict({"variant": "t2v", "prompt": "x", "resolution": "720P", "duration": 5})
    assert old.model == "happyhorse-1.0"
    assert v.Request.from_dict({"variant": "stitch", "prompt": "x"}).model is None


def test_the_job_record_names_its_model():
    job = Job(id="j", owner="o", request=v.build("t2v", prompt="x", model="wan2.7"), backend="preview")
    record = job.public_record()
    assert (record["model"], record["model_label"], record["request"]["model"]) == ("wan2.7", "Wan 2.7", "wan2.7")
    assert job.to_row()["model"] == "wan2.7"


def test_the_picker_lists_every_model_and_why_one_is_missing():
    offers = {o.model: o for o in model_choice.offered(Variant.EDIT, "dashscope")}
    assert offers["happyhorse-1.0"].available and offers["happyhorse-1.0"].default
    assert not offers["happyhorse-1.1"].available
    assert offers["happyhorse-1.1"].why_not == "Video edit runs on HappyHorse 1.0 or Wan 2.7: there is no 1.1 edit."
    on_inf = {o.model: o for o in model_choice.offered(Variant.T2V, "inferencesh")}
    assert [m for m, o in on_inf.items() if o.available] == ["happyhorse-1.0", "wan2.7"]
    assert on_inf["happyhorse-1.0"].default and "no HappyHorse 1.1 app" in on_inf["happyhorse-1.1"].why_not
    assert not on_inf["wan2.7"].price_confirmed
    assert [o.model for o in model_choice.offered(Variant.T2V, "dashscope") if o.default] == ["happyhorse-1.1"]


def test_an_owner_adds_an_app_id_and_inference_sh_offers_1_1(edited):
    edited('t2v = { dashscope = "happyhorse-1.1-t2v" }',
           't2v = { dashscope = "happyhorse-1.1-t2v", inferencesh = "alibaba/happyhorse-1-1-t2v" }')
    assert v.build("t2v", prompt="x", backend="inferencesh").model == "happyhorse-1.1"
    assert v.build("i2v", first_frame="f.png", backend="inferencesh").model == "happyhorse-1.0"


def test_a_limit_one_model_sets_in_the_data_is_checked_for_that_model_only(edited, tmp_path):
    edited('[families."wan2.7".prices]', '[families."wan2.7".limits]\nimage_max_mb = 0.5\n\n[families."wan2.7".prices]')
    image = tmp_path / "frame.png"
    Image.effect_noise((700, 700), 100).convert("RGB").save(image)  # noise: about 1.4 MB as PNG
    assert image.stat().st_size > models.MB // 2
    assert check_files(v.build("i2v", first_frame=str(image), model="happyhorse-1.0")).request.model == "happyhorse-1.0"
    with pytest.raises(InputError, match="images may be at most 0.5 MB"):
        check_files(v.build("i2v", first_frame=str(image), model="wan2.7"))


@pytest.mark.parametrize("old, new, key", [
    ('"1080P" = 0.24', '"1080P" = -1', "families.happyhorse-1.0.prices.1080P"),
    ('durations = [2, 15]', 'durations = [15, 2]', "families.wan2.7.durations"),
    ('"21:9"]', '"wide"]', "families.happyhorse-1.1.ratios"),
    ('edit = "happyhorse-1.0" }', 'edit = "happyhorse-1.1" }', "default.edit"),
    ('i2v = { dashscope = "happyhorse-1.1-i2v" }', 'i2v = { dashscope = "happyhorse-1.1-i2v", modal = "x" }',
     "families.happyhorse-1.1.variants.i2v.modal"),
    ('negative_prompt_max = 500', '', "families.wan2.7.negative_prompt_max"),
    ('order = ["happyhorse-1.1", "happyhorse-1.0", "wan2.7"]', 'order = ["happyhorse-1.1", "wan2.7"]', "order"),
])
def test_a_broken_catalogue_is_refused_naming_the_key(edited, old, new, key):
    edited(old, new)
    with pytest.raises(models.CatalogueError) as e:
        models.catalogue()
    assert key in str(e.value) and "Fix it in the file" in str(e.value)


def test_a_catalogue_that_is_not_toml_says_so(edited):
    edited("checked = ", "checked == ")
    with pytest.raises(models.CatalogueError, match="is not valid TOML"):
        models.catalogue()


def test_a_preview_is_labelled_a_preview_of_its_model():
    from studio.backends.preview import badge_label
    from studio.media import look

    assert badge_label(v.build("t2v", prompt="x", model="wan2.7")) == "PREVIEW of Wan 2.7"
    wide, _ = look.badge(1280, 720, "PREVIEW of Wan 2.7")
    plain, _ = look.badge(1280, 720)
    assert wide.width > plain.width
    assert look.badge(64, 36, "PREVIEW of HappyHorse 1.1")[0].size == look.badge(64, 36)[0].size  # too small: PREVIEW
