"""The page's storyboard plan: what a browser sends is hostile, joins stay between places when shots move."""

import pytest

from studio.ui.storyboard import edited, moved


def plan(*fades):
    return [{"id": f"job{n}", "start": 0.0, "end": None, "fade": f} for n, f in enumerate(fades)]


LENGTHS = {"job0": 3.0, "job1": 5.0, "job2": 4.0}


def test_edits_set_each_shots_trim_and_the_join_after_it():
    out = edited(plan(0, 0, 0), LENGTHS, [{"start": "0.5", "end": "2.5", "fade": "0.5"},
                                          {"start": 1, "end": 5, "fade": 1.5}, {"start": 0, "end": 4, "fade": 0}])
    assert [(s["start"], s["end"], s["fade"]) for s in out] == [(0.5, 2.5, 0.5), (1.0, None, 1.5), (0.0, None, 0.0)]


@pytest.mark.parametrize("sent", [
    [{"start": "nan", "end": "inf", "fade": "-1"}] * 3,
    [{"start": -0.1, "end": 99, "fade": 999}] * 3,
    [{"start": "/etc/passwd", "end": {"a": 1}, "fade": [1]}] * 3,
    ["not a shot", None, 7],
])
def test_anything_but_a_number_inside_the_clip_keeps_the_old_value(sent):
    before = plan(0.5, 0, 0)
    assert edited(before, LENGTHS, sent) == before


@pytest.mark.parametrize("sent", [None, "x", {}, [{"start": 1}], [{"start": 1}] * 4, [{"start": 1}] * 10_000])
def test_a_plan_of_another_length_is_stale_or_forged_and_changes_nothing(sent):
    before = plan(0, 0, 0)
    assert edited(before, LENGTHS, sent) == before


def test_shot_ids_never_come_from_the_browser():
    out = edited(plan(0, 0, 0), LENGTHS, [{"id": "someone-elses", "start": 1}] * 3)
    assert [s["id"] for s in out] == ["job0", "job1", "job2"]


def test_moving_a_shot_keeps_the_joins_between_places():
    out = moved(plan(0.5, 1.0, 0), "up", 1)
    assert [(s["id"], s["fade"]) for s in out] == [("job1", 0.5), ("job0", 1.0), ("job2", 0)]
    out = moved(plan(0.5, 1.0, 0), "down", 0)
    assert [s["id"] for s in out] == ["job1", "job0", "job2"]


def test_removing_a_shot_removes_the_join_after_it_or_before_the_last():
    assert [(s["id"], s["fade"]) for s in moved(plan(0.5, 1.0, 0), "remove", 0)] == [("job1", 1.0), ("job2", 0)]
    assert [(s["id"], s["fade"]) for s in moved(plan(0.5, 1.0, 0), "remove", 2)] == [("job0", 0.5), ("job1", 1.0)]


@pytest.mark.parametrize("act, i", [("up", 0), ("down", 2), ("remove", 3), ("remove", -1), ("up", True),
                                    ("remove", "1"), ("drop table", 1), (None, None)])
def test_moves_off_the_ends_or_forged_change_nothing(act, i):
    before = plan(0.5, 1.0, 0)
    assert moved(before, act, i) == before

