"""Advice on images costs bounded work: no more references than the variant takes, each picture looked at once
whatever the prompt does, and a bounded number of new pictures per caller per minute (#19 item 5)."""

from __future__ import annotations

import pytest

from harness.media import make_image
from studio import config
from studio.advice import AdviceKind
from studio.errors import InputError
from studio.media import inspect
from studio.service import Caller, Studio


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    yield s
    s.close()


@pytest.fixture
def looked(monkeypatch):
    """Every reference a check actually opened, by slot."""
    opened = []
    real = inspect.check_reference

    def counted(path, slot, variant, *args, **kw):
        opened.append(slot)
        return real(path, slot, variant, *args, **kw)

    monkeypatch.setattr(inspect, "check_reference", counted)
    return opened


def test_more_references_than_the_variant_takes_are_refused_before_any_is_opened(studio, tmp_path, looked):
    big = str(make_image(tmp_path / "big.png", 1200, 900))
    with pytest.raises(InputError, match="at most 9 reference images; you gave 12: remove 3"):
        studio.advice.advise("r2v", "[Image 1] walks", references=[big] * 12)
    with pytest.raises(InputError, match="at most 5 reference images"):
        studio.advice.advise("edit", "warmer", references=[big] * 6)
    assert looked == []


def test_a_prompt_edit_does_not_look_at_the_same_pictures_again(studio, tmp_path, looked):
    refs = [str(make_image(tmp_path / f"ref{n}.png", 900, 700, colour=(40 * n, 90, 200 - 20 * n)))
            for n in range(1, 4)]
    for prompt in ("[Image 1] walks", "[Image 1] walks in the rain", "[Image 1] and [Image 2] walk, push in"):
        studio.advice.advise("r2v", prompt, references=refs)
    assert sorted(looked) == [1, 2, 3]  # three pictures, each opened once across three pieces of advice


def test_a_caller_asking_for_many_new_pictures_is_paused_and_another_caller_is_not(studio, tmp_path):
    greedy, other = Caller.of("anon:greedy"), Caller.of("anon:other")
    said = []
    for n in range(6):  # 6 requests x 9 new pictures = 54, past the 40 a minute
        refs = [str(make_image(tmp_path / f"g{n}-{k}.png", 500, 400, colour=(n * 30, k * 25, 90)))
                for k in range(9)]
        said.append([i.kind for i in studio.advice.advise("r2v", "[Image 1] runs", references=refs, caller=greedy)])
    assert AdviceKind.NOT_CHECKED not in said[3] and said[4] == said[5] == [AdviceKind.NO_CAMERA,
                                                                             AdviceKind.NOT_CHECKED]
    mine = [str(make_image(tmp_path / "mine.png", 500, 400))]
    kinds = [i.kind for i in studio.advice.advise("r2v", "[Image 1] runs", references=mine, caller=other)]
    assert AdviceKind.NOT_CHECKED not in kinds


def test_a_refused_picture_is_refused_again_from_memory_in_the_same_words(studio, tmp_path, looked):
    small = str(make_image(tmp_path / "small.png", 300, 300))
    for _ in range(3):
        with pytest.raises(InputError, match=r"^Image 1 is 300x300 px"):
            studio.advice.advise("r2v", "[Image 1] waves", references=[small])
    assert looked == [1]
