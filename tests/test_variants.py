"""Every limit that needs no file: prompt length, resolution, ratio, duration, seed, counts."""

import pytest

from studio import variants as v
from studio.errors import InputError
from studio.prompts import BuilderFields, camera_move, compose, prompt_budget


def test_defaults_fill_what_the_user_left_empty():
    r = v.build("t2v", prompt="a horse on a beach")
    assert (r.resolution, r.ratio, r.duration, r.seed, r.watermark) == ("720P", "16:9", 5, None, False)


def test_each_variant_keeps_only_its_parameters():
    i2v = v.build("i2v", first_frame="f.png", ratio="1:1", duration=7)
    assert i2v.ratio is None and i2v.duration == 7 and i2v.prompt == ""
    edit = v.build("edit", prompt="warmer", video="a.mp4", duration=9, ratio="9:16", audio="remove")
    assert edit.duration is None and edit.ratio is None and edit.audio is v.AudioMode.REMOVE
    t2v = v.build("t2v", prompt="x", references=["a.png"], video="b.mp4", audio="retain")
    assert t2v.references == () and t2v.video is None and t2v.audio is None


@pytest.mark.parametrize("duration", [3, 15, "9", 5.0])
def test_duration_inside_range(duration):
    assert v.build("t2v", prompt="x", duration=duration).duration == int(float(duration))


@pytest.mark.parametrize("duration, words", [(2, "3 to 15"), (16, "3 to 15"), (4.5, "whole"), ("five", "not a number")])
def test_duration_outside_range_says_what_to_do(duration, words):
    with pytest.raises(InputError, match=words):
        v.build("t2v", prompt="x", duration=duration)


@pytest.mark.parametrize("seed, expected", [("", None), (None, None), ("0", 0), (2147483647, 2147483647), ("42", 42)])
def test_seed_accepted(seed, expected):
    assert v.build("t2v", prompt="x", seed=seed).seed == expected


@pytest.mark.parametrize("seed", [-1, 2147483648, "abc", 1.5])
def test_seed_refused(seed):
    with pytest.raises(InputError, match="2147483647"):
        v.build("t2v", prompt="x", seed=seed)


def test_resolution_and_ratio_are_checked():
    with pytest.raises(InputError, match="720P or 1080P"):
        v.build("t2v", prompt="x", resolution="4K")
    with pytest.raises(InputError, match="16:9"):
        v.build("r2v", prompt="x", references=["a.png"], ratio="7:3")
    assert v.build("t2v", prompt="x", resolution="1080p").resolution == "1080P"


def test_prompt_required_where_the_api_requires_it():
    for variant, extra in (("t2v", {}), ("r2v", {"references": ["a.png"]}), ("edit", {"video": "a.mp4"})):
        with pytest.raises(InputError, match="needs a prompt"):
            v.build(variant, prompt="  ", **extra)
    assert v.build("i2v", first_frame="a.png").prompt == ""


def test_prompt_limits_latin_5000_chinese_2500():
    v.build("t2v", prompt="a" * 5000)
    v.build("t2v", prompt="马" * 2500)
    with pytest.raises(InputError, match="Remove 1 characters"):
        v.build("t2v", prompt="a" * 5001)
    with pytest.raises(InputError, match="at most 2500 Chinese"):
        v.build("t2v", prompt="马" * 2501)
    with pytest.raises(InputError, match="too long"):
        v.build("t2v", prompt="马" * 2000 + "a" * 1001)


def test_counter_label_counts_chinese_double():
    assert prompt_budget("hello").label == "5 / 5000 characters"
    assert "2 Chinese + 1 other" in prompt_budget("你好!").label
    assert prompt_budget("马" * 2501).label.endswith("too long")


def test_reference_counts():
    with pytest.raises(InputError, match="at least 1"):
        v.build("r2v", prompt="x")
    with pytest.raises(InputError, match="at most 9.*remove 1"):
        v.build("r2v", prompt="x", references=[f"{i}.png" for i in range(10)])
    with pytest.raises(InputError, match="at most 5"):
        v.build("edit", prompt="x", video="a.mp4", references=[f"{i}.png" for i in range(6)])
    assert len(v.build("r2v", prompt="x", references=[None, "a.png", None, "b.png"]).references) == 2


def test_inputs_each_variant_needs():
    with pytest.raises(InputError, match="first frame"):
        v.build("i2v", prompt="x")
    with pytest.raises(InputError, match="source video"):
        v.build("edit", prompt="x")
    with pytest.raises(InputError, match="auto, retain or remove"):
        v.build("edit", prompt="x", video="a.mp4", audio="mute")
    with pytest.raises(InputError, match="t2v, i2v, r2v, edit"):
        v.build("x2v", prompt="x")


def test_output_sizes_short_side_and_even():
    assert v.ratio_size("720P", "16:9") == (1280, 720)
    assert v.ratio_size("1080P", "9:16") == (1080, 1920)
    assert v.ratio_size("720P", "4:3") == (960, 720)
    assert v.ratio_size("1080P", "1:1") == (1080, 1080)
    w, h = v.shape_size("720P", 1001, 333)
    assert h == 720 and w % 2 == 0 and abs(w / h - 1001 / 333) < 0.01


def test_request_round_trips_through_json():
    r = v.build("edit", prompt="cooler", video="a.mp4", references=["b.png"], audio="retain", seed=7)
    assert v.Request.from_dict(r.to_dict()) == r


def test_prompt_helpers():
    assert camera_move("a slow pan across the bay, then push in") == "pan"
    assert camera_move("a quiet room") == "push_in"
    assert compose(BuilderFields("a horse", "gallops", shot="wide shot", camera="crane up")) == \
        "Wide shot, a horse gallops, crane up."
