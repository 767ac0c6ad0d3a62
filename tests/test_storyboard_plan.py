"""The page's storyboard plan: what a browser sends is hostile, joins stay between places when shots move,
and only the owner's finished clips are ever shots."""

import pytest

from harness.gallery import seed_jobs
from studio import config
from studio.chain import StoryShot
from studio.errors import InputError
from studio.service import LOCAL, Caller, Studio
from studio.ui.context import UiContext
from studio.ui.storyboard import edited, moved, own_shots


def plan(*fades):
    return [{"id": f"job{n}", "start": 0.0, "end": None, "fade": f} for n, f in enumerate(fades)]


def sent(*values):
    return [{"id": f"job{n}", "start": a, "end": b, "fade": f} for n, (a, b, f) in enumerate(values)]


LENGTHS = {"job0": 3.0, "job1": 5.0, "job2": 4.0}


def test_edits_set_each_shots_trim_and_the_join_after_it():
    out, as_sent = edited(plan(0, 0, 0), LENGTHS, sent(("0.5", "2.5", "0.5"), (1, 5, 1.5), (0, 4, 0)))
    assert [(s["start"], s["end"], s["fade"]) for s in out] == [(0.5, 2.5, 0.5), (1.0, None, 1.5), (0.0, None, 0.0)]
    assert as_sent  # every value taken as typed: the page leaves its inputs alone


def test_a_clips_end_written_to_the_microsecond_is_taken_as_sent_and_snapped_to_frames():
    lengths = {"job0": 2.9999999999, "job1": 5.0, "job2": 4.0}  # a picture's end as the file's index adds it up
    out, as_sent = edited(plan(0, 0, 0), lengths, sent(("0.458333", "3.000000", 0), (0.52, 4.9, 0), (0, 4, 0)),
                          {"job0": 24.0, "job1": 24.0})
    assert as_sent  # the page is not drawn again under the user's hands for a rounding
    assert (out[0]["start"], out[0]["end"]) == (0.458333, None)  # 11 frames; the clip's own end
    assert (out[1]["start"], out[1]["end"]) == (0.5, 4.916667)  # both snapped to the 24 fps grid


def test_edits_are_matched_to_shots_by_id_not_by_place():
    browser = sent((1, 2, 0), (0, 3, 0))[::-1]  # the browser lists them in another order
    out, _ = edited(plan(0, 0, 0), LENGTHS, browser)
    assert [(s["id"], s["start"], s["end"]) for s in out] == [("job0", 1.0, 2.0), ("job1", 0.0, 3.0),
                                                              ("job2", 0.0, None)]


def test_a_trim_outside_the_clip_is_brought_inside_and_the_strip_redrawn():
    out, as_sent = edited(plan(0, 0, 0), LENGTHS, sent((-1, 99, 0), (0, 5, 0), (0, 4, 0)))
    assert (out[0]["start"], out[0]["end"]) == (0.0, None) and not as_sent


@pytest.mark.parametrize("values", [("nan", "inf", "-1"), ("/etc/passwd", {"a": 1}, [1]), (None, None, 999)])
def test_anything_but_a_number_keeps_the_old_value(values):
    before = plan(0.5, 0, 0)
    out, as_sent = edited(before, LENGTHS, [{"id": "job0", "start": values[0], "end": values[1], "fade": values[2]}])
    assert out == before and not as_sent


@pytest.mark.parametrize("browser", [None, "x", {}, [1, "x", None], [{"id": 5}], [{"id": "job9", "start": 1}],
                                     [{"id": "x", "start": 1}] * 10_000])
def test_a_stale_or_forged_plan_changes_nothing(browser):
    before = plan(0, 0, 0)
    assert edited(before, LENGTHS, browser)[0] == before


def test_moving_a_shot_keeps_the_joins_between_places():
    out = moved(plan(0.5, 1.0, 0), "left", 1)
    assert [(s["id"], s["fade"]) for s in out] == [("job1", 0.5), ("job0", 1.0), ("job2", 0)]
    assert [s["id"] for s in moved(plan(0.5, 1.0, 0), "right", 0)] == ["job1", "job0", "job2"]


def test_removing_a_shot_removes_its_join_and_the_last_shot_never_keeps_one():
    assert [(s["id"], s["fade"]) for s in moved(plan(0.5, 1.0, 0), "remove", 0)] == [("job1", 1.0), ("job2", 0)]
    # the crossfade into the removed last shot is gone: it cannot come back when another shot is added
    assert [(s["id"], s["fade"]) for s in moved(plan(0.5, 1.0, 0), "remove", 2)] == [("job0", 0.5), ("job1", 0.0)]


@pytest.mark.parametrize("act, i", [("left", 0), ("right", 2), ("remove", 3), ("remove", -1), ("left", True),
                                    ("remove", "1"), ("drop table", 1), (None, None)])
def test_moves_off_the_ends_or_forged_change_nothing(act, i):
    before = plan(0.5, 1.0, 0)
    assert moved(before, act, i) == before


@pytest.fixture
def studio(tmp_path):
    data = tmp_path / "data"
    ids = seed_jobs(data, 12)
    s = Studio(config.load({"STUDIO_DATA_DIR": str(data)}))
    s.ids = ids
    yield s
    s.close()


def test_only_the_owners_finished_clips_stay_shots(studio):
    done = [i for i in studio.ids if studio.core.job(LOCAL, i).output_path][:3]
    failed = next(i for i in studio.ids if studio.core.job(LOCAL, i).state.value == "failed")
    studio.gallery.delete(LOCAL, done[2])
    shots = [{"id": i, "start": 0, "end": None, "fade": 0.5} for i in [done[0], failed, done[1], done[2], "f" * 16]]
    jobs, kept, dropped = own_shots(UiContext(studio), LOCAL, shots)
    assert [s["id"] for s in kept] == done[:2] and dropped == 3
    assert [s["fade"] for s in kept] == [0.5, 0.0]
    assert own_shots(UiContext(studio), Caller.of("someone-else"), shots)[1:] == ([], 5)


def test_the_storyboard_is_checked_before_export_in_the_words_export_would_use(studio):
    a, b = [i for i in studio.ids if studio.core.job(LOCAL, i).output_path][:2]
    assert studio.chain.check_storyboard(LOCAL, [StoryShot(a), StoryShot(b, 0.5, 2.5)], [0.5]) == pytest.approx(4.5)
    with pytest.raises(InputError, match="crossfade between shots 1 and 2"):
        studio.chain.check_storyboard(LOCAL, [StoryShot(a), StoryShot(b, 0.5, 1.0)], [1.0])
    with pytest.raises(InputError, match="trimmed to nothing"):
        studio.chain.check_storyboard(LOCAL, [StoryShot(a, 2.0, 1.0), StoryShot(b)], [0])


def test_the_storyboard_and_the_form_are_kept_side_by_side_in_the_owners_draft(studio):
    board = [{"id": studio.ids[0], "start": 0.5, "end": None, "fade": 0.0}]
    studio.gallery.save_draft(LOCAL, {"text_to_video.0": "a horse"})
    studio.gallery.save_draft(LOCAL, {"storyboard": board})
    studio.gallery.save_draft(LOCAL, {"text_to_video.0": "a horse, dolly in"})  # the form saves as it changes
    assert studio.gallery.draft(LOCAL) == {"text_to_video.0": "a horse, dolly in", "storyboard": board}
    assert studio.gallery.draft(Caller.of("someone-else")) == {}
