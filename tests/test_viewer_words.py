"""The viewer's words (studio.ui.takes, studio.ui.words, studio.ui.detail): takes named apart from the
original, a seed never shown as "None", titles cut at a word."""

import dataclasses

import pytest

from studio import variants
from studio.jobs.model import Job, JobState
from studio.ui import detail, takes
from studio.ui.words import cut, seed_words, title


def job(i: int, prompt: str = "A horse in the surf", seed: int | None = 7, **kw) -> Job:
    request = variants.build("t2v", prompt=prompt, seed=kw.pop("asked", None))
    return Job(id=f"job{i:04d}", owner="local", request=request, backend="preview", quote_usd=0.7,
               quote={"total": 0.7}, seed=seed, created_at=1000.0 + i, **kw)


class Urls:
    """A UiContext stand-in that serves every file at its own name."""

    def url(self, block, path):
        return path and f"/file={path}"


def done(i: int, **kw) -> Job:
    return job(i, state=JobState.SUCCEEDED, output_path=f"/clips/{i}.mp4", poster_path=f"/clips/{i}.jpg", **kw)


def test_the_original_is_not_counted_as_a_take():
    family = [done(0), done(1), done(2), done(3)]
    html = takes.takes_html(Urls(), None, family[0], family)
    assert "The original and 3 variations, side by side" in html
    assert "4 takes" not in html and "Take 4" not in html
    assert [takes.take_name(family, j) for j in family] == ["The original", "Variation 1", "Variation 2",
                                                            "Variation 3"]
    one = takes.takes_html(Urls(), None, family[0], family[:2])
    assert "The original and 1 variation, side by side" in one


def test_the_pick_message_names_the_take_and_what_the_star_means():
    family = [done(0), done(1), done(2)]
    words = takes.picked_words(family, family[2])
    assert words.startswith("Variation 2 is your pick")
    assert "star" in words and "no longer" in words and "final" in words
    assert takes.picked_words(family, family[0]).startswith("The original is your pick")
    assert "the other take " in takes.picked_words(family[:2], family[1])


@pytest.mark.parametrize("made, asked, shown", [(42, None, "42"), (None, 9, "9"), (None, None, "random"),
                                                (0, None, "0")])
def test_a_seed_is_a_number_or_random_never_none(made, asked, shown):
    clip = job(1, seed=made, asked=asked)
    assert seed_words(clip) == shown
    assert f"seed {shown}" in detail.settings_line(clip) and "None" not in detail.settings_line(clip)
    family = [done(0, seed=None), done(1, seed=None)]
    assert "seed None" not in takes.takes_html(Urls(), None, family[0], family)
    assert "seed random" in takes.takes_html(Urls(), None, family[0], family)


def test_a_title_is_cut_at_a_word_with_an_ellipsis():
    prompt = "Morning fog lifts over a mountain lake, aerial orbit shot at dawn with soft light"
    short = title(job(1, prompt=prompt), 40)
    assert short == "Morning fog lifts over a mountain lake…"
    assert len(short) <= 40 and prompt.startswith(short[:-1])
    assert title(job(1, prompt="short one"), 40) == "short one"
    assert cut("x" * 100, 10) == "x" * 9 + "…"  # one word longer than the room is cut where it must
    assert cut("一匹马在海浪中奔跑" * 10, 12).endswith("…") and len(cut("一匹马在海浪中奔跑" * 10, 12)) == 12
    assert cut("a, b, c, d, e, f, g, h, i", 12) == "a, b, c, d…"  # no dangling comma before the ellipsis
    bare = job(1)
    assert title(dataclasses.replace(bare, request=dataclasses.replace(bare.request, prompt="  ")), 40) == "No prompt"


def test_the_viewer_head_names_its_buttons_in_words():
    plain, starred = detail.head_html(done(1)), detail.head_html(done(2, favourite=True))
    assert '<span aria-hidden="true">☆</span> Favourite' in plain
    assert '<span aria-hidden="true">★</span> Unfavourite' in starred
    assert 'aria-label="Previous clip"' in plain and 'aria-label="Next clip"' in plain
    assert '<span aria-hidden="true">✕</span> Close' in plain
    family = [done(0), done(1)]
    html = takes.takes_html(Urls(), None, family[0], family)
    assert 'aria-label="The original"' in html and 'aria-label="Variation 1"' in html


class Family:
    """A UiContext stand-in whose studio answers one lineage."""

    def __init__(self, lineage):
        self.studio = type("S", (), {"chain": type("C", (), {"lineage": lambda _, caller, job_id: lineage})()})()


def test_lineage_names_each_relation_once_and_lists_its_clips():
    from studio.chain import Lineage
    from studio.jobs.model import MadeAs
    from studio.ui import facts

    base = done(0)
    kids = [done(i, seed=i, made_as=MadeAs.VARIATION, parent_id=base.id) for i in (1, 2, 3)]
    final = done(4, made_as=MadeAs.FINAL, parent_id=base.id)
    html = facts.lineage_html(Family(Lineage(base, [], [], [*kids, final])), None, base)
    assert html.count("variation") == 1 and "<b>3 variations</b> of this clip" in html
    assert html.count("data-open=") == 4 and "is the <b>final of</b> this clip" in html
    assert "seed 1)" in html and "seed 3)" in html  # takes of one prompt told apart by their seed
    shots = [done(i) for i in (5, 6, 7)]
    story = done(8, made_as=MadeAs.STITCH, parent_id=shots[0].id)
    html = facts.lineage_html(Family(Lineage(story, shots, [shots[0]], [])), None, story)
    assert html.count("This is the") == 1 and "<b>stitch of</b> 3 clips" in html and html.count("data-open=") == 3


def test_a_storyboard_plan_reads_as_shots_and_joins_never_as_json():
    from studio.ui.facts import plan_words

    plan = ('{"shots": [{"job": "a", "start": 0.0, "end": 3.0}, {"job": "b", "start": 1.5, "end": null}], '
            '"crossfades": [0.5], "copied_seconds": 2.5, "encoded_seconds": 1.0, "conformed": true}')
    words = plan_words(plan)
    assert words.startswith("2 shots: shot 1 from 0 s to 3 s, shot 2 from 1.5 s to the end; joins: 0.5 s crossfade")
    assert "{" not in words and "scaled" in words
    assert plan_words("{not json") == "the storyboard as planned"
    assert plan_words('{"shots": 5}') == "the storyboard as planned"
    assert plan_words("sent to the provider") == "sent to the provider"


def test_continue_this_shot_carries_what_image_to_video_takes():
    from studio.ui.chain_actions import continued
    from studio.variants import Variant

    fields = {"prompt": "A horse runs", "resolution": "1080P", "duration": 6, "watermark": False,
              "model": "happyhorse-1.1", "negative_prompt": None, "ratio": "16:9", "seed": 5}
    out, notes = continued(fields, Variant.T2V, "dashscope")
    assert out == {"prompt": "A horse runs", "resolution": "1080P", "watermark": False,
                   "model": "happyhorse-1.1"} and not notes  # no ratio (the frame sets it), no seed (a new shot)
    out, notes = continued(fields, Variant.T2V, "inferencesh")  # no HappyHorse 1.1 image to video there
    assert "model" not in out and out["prompt"] == "A horse runs" and "keeps its own model" in notes[0]
    out, notes = continued({**fields, "prompt": "@image1 rides past @Image2 at dusk"}, Variant.R2V, "dashscope")
    assert out["prompt"] == "rides past at dusk" and "@image" in notes[0]
    out, _ = continued({**fields, "prompt": "make it night"}, Variant.EDIT, "dashscope")
    assert "prompt" not in out  # an edit's instruction is not a shot to continue
    out, notes = continued({**fields, "model": "no-such-model"}, Variant.T2V, "dashscope")
    assert "model" not in out and not notes


def test_the_builder_chips_are_the_models_camera_words_and_the_backends_reference_names():
    from studio import prompts
    from studio.ui import builder

    html = builder.chips_html("t2v")
    assert "Dolly in=slow dolly in" in html and "hh-refchips" not in html
    assert all(words in prompts.CAMERA_WORDS for _, words in builder.CAMERA_PRESETS)
    r2v = builder.chips_html("r2v", "character{n}")
    assert 'data-token="character{n}"' in r2v
    assert "hh-refchips" not in builder.chips_html("r2v")  # no token known: no chips that would name wrong
    assert len(builder.closed_html("r2v", "hh-prompt-r2v", "[Image {n}]")) < 1000  # the first view stays light


def test_a_cut_reads_the_same_length_on_its_tile_as_on_the_storyboard():
    from studio.ui import tiles
    from studio.variants import Variant

    clip = done(9, seconds=5.04)
    cut_job = dataclasses.replace(done(10, seconds=9.54), request=dataclasses.replace(clip.request,
                                                                                      variant=Variant.STITCH))
    assert tiles.length(cut_job) == tiles.seconds_text(9.54) == "9.54 s"  # the board's and export's words
    assert tiles.spec(cut_job).endswith("9.54s")
    assert tiles.length(clip) == "5 s"  # a generated clip keeps its asked length in whole seconds
