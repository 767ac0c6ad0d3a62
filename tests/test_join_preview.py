"""A join's preview on the timeline: the export's own join (trims, fade, picture, sound) around one join only,
small; made once per plan of that join and kept within bounds; never a job; only the caller's clips; an
unknown join refused in words; a second press while it renders renders nothing more."""

import sqlite3
import threading

import pytest

from harness.gallery import seed_jobs
from harness.media import make_video
from studio import config
from studio.chain import StoryShot
from studio.errors import InputError, StudioError
from studio.media import stitch_preview
from studio.media.inspect import probe_video
from studio.media.stitch_plan import Span
from studio.media.stitch_preview import small, window
from studio.service import LOCAL, Caller, Studio
from studio.service import join_previews
from studio.ui.storyboard_preview import refused_html


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    data = tmp_path_factory.mktemp("joins") / "data"
    ids = seed_jobs(data, 9, states=False)
    s = Studio(config.load({"STUDIO_DATA_DIR": str(data)}))
    jobs = [s.core.job(LOCAL, i) for i in ids]
    s.wide = [j.id for j in jobs if (j.width, j.height) == (640, 360)]
    s.square = [j.id for j in jobs if (j.width, j.height) == (480, 480)]
    s.tall = [j.id for j in jobs if (j.width, j.height) == (360, 640)]
    yield s
    s.close()


def rows(studio) -> int:
    with sqlite3.connect(studio.settings.data_dir / "ledger.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]


def test_the_window_is_the_seconds_either_side_of_the_join_clamped_to_the_trimmed_shots():
    cut = window([(0.0, 3.0), (0.5, 5.0)], [0.0], 0)
    assert (cut.head, cut.tail, cut.join_at, cut.seconds) == (Span(0, 1.5, 3.0), Span(1, 0.5, 2.0), 1.5, 3.0)
    fade = window([(0.0, 3.0), (0.0, 5.0), (0.0, 2.0)], [1.0, 0.5], 1)  # 1.5 s before the fade, 1.5 s after it
    assert (fade.head, fade.tail, fade.join_at, fade.seconds) == (Span(0, 3.0, 5.0), Span(1, 0.0, 2.0), 1.5, 3.5)
    short = window([(1.0, 1.75), (2.0, 2.5)], [0.25], 0)  # short trims: the whole of each
    assert (short.head, short.tail, short.join_at) == (Span(0, 1.0, 1.75), Span(1, 2.0, 2.5), 0.5)


@pytest.mark.parametrize("size, shown", [((1280, 720), (640, 360)), ((1920, 1080), (640, 360)),
                                         ((720, 1280), (202, 360)), ((320, 180), (320, 180))])
def test_a_preview_is_at_most_360_px_tall_and_keeps_the_cuts_shape(size, shown):
    assert small(*size) == shown


def test_a_join_is_rendered_once_as_the_export_makes_it_and_never_becomes_a_job(studio):
    before, renders = rows(studio), studio.chain.join_previews.renders
    plan = [StoryShot(studio.wide[0], 0.25, 2.5), StoryShot(studio.wide[1], 0.5), StoryShot(studio.wide[2])]
    made = studio.chain.preview_join(LOCAL, plan, [0.5, 0.0], 0)
    info = probe_video(made.path)
    assert made.rendered and (info.width, info.height) == (640, 360) and info.audio_codec == "aac"
    assert abs(info.duration - made.seconds) <= 1 / 24 + 1e-6 and made.seconds == pytest.approx(3.5)
    assert (made.join_at, made.fade) == (pytest.approx(1.5), 0.5)
    again = studio.chain.preview_join(LOCAL, [StoryShot(s.job_id, s.start, s.end) for s in plan], [0.5, 0.0], 0)
    assert again.path == made.path and not again.rendered  # the same join: the same file, nothing rendered
    assert studio.chain.join_previews.renders == renders + 1
    assert rows(studio) == before  # no job, no ledger row: the gallery never shows a preview
    assert not [j for j in studio.core.jobs(LOCAL) if j.backend == "studio"]


def test_the_preview_takes_the_exports_picture_when_sizes_differ(studio):
    small_take = studio.core.job(LOCAL, studio.tall[0])
    make_video(studio.media_path(small_take.output_path), 240, 240, seconds=3)  # a smaller take of its own
    plan = [StoryShot(small_take.id, 0.0, 1.0), StoryShot(studio.square[0], 1.5), StoryShot(studio.wide[0])]
    # None: the first shot's (as the export without a choice); largest: the first of the largest by pixels
    for fit, size in (("largest", (480, 480)), (None, (240, 240)), ("smallest", (240, 240))):
        made = studio.chain.preview_join(LOCAL, plan, [0.0, 0.0], 0, fit=fit)
        info = probe_video(made.path)
        assert (info.width, info.height) == small(*size), fit


@pytest.mark.parametrize("join", [1, -1, 10**9, True, "0", 0.0, None, [0]])
def test_a_join_that_is_not_there_is_refused_in_words(studio, join):
    plan = [StoryShot(studio.wide[0]), StoryShot(studio.wide[1])]
    with pytest.raises(InputError, match=r"There is no join .* to preview: this storyboard has 1 join, between"):
        studio.chain.preview_join(LOCAL, plan, [0.0], join)


def test_a_stranger_cannot_preview_another_owners_clips(studio):
    stranger = Caller("anon:stranger", "addr:stranger")
    plan = [StoryShot(studio.wide[0]), StoryShot(studio.wide[1])]
    with pytest.raises(StudioError) as refused:
        studio.chain.preview_join(stranger, plan, [0.0], 0)
    with pytest.raises(StudioError) as unknown:
        studio.chain.preview_join(stranger, [StoryShot("f" * 16), StoryShot(studio.wide[1])], [0.0], 0)
    # the same words as for a clip that does not exist: nothing says the owner's clip is there
    assert str(refused.value).replace(studio.wide[0], "ID") == str(unknown.value).replace("f" * 16, "ID")


def test_a_fade_the_export_refuses_is_refused_here_too(studio):
    with pytest.raises(InputError, match="make the crossfade shorter than both shots"):
        studio.chain.preview_join(LOCAL, [StoryShot(studio.wide[0], 0.0, 1.0), StoryShot(studio.wide[1])], [1.5], 0)


@pytest.fixture
def slow_render(monkeypatch):
    """A render that waits to be let go (writing a small file), so a test can press again while it runs."""
    started, go = threading.Event(), threading.Event()

    def render(clips, win, size, fps, dest, steps=None):
        started.set()
        go.wait(10)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(b"x" * 1000)
        return dest

    monkeypatch.setattr(stitch_preview, "render", render)
    return started, go


def test_a_second_press_while_it_renders_starts_no_second_render(studio, slow_render):
    started, go = slow_render
    plan = [StoryShot(studio.wide[0], 0.04), StoryShot(studio.wide[1])]
    renders, got = studio.chain.join_previews.renders, []
    first = threading.Thread(target=lambda: got.append(studio.chain.preview_join(LOCAL, plan, [0.0], 0)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: got.append(studio.chain.preview_join(LOCAL, plan, [0.0], 0)))
    second.start()  # the same join: waits for the first render's file
    with pytest.raises(InputError, match="Another join preview of yours is still rendering"):
        studio.chain.preview_join(LOCAL, [StoryShot(studio.wide[1]), StoryShot(studio.wide[2], 0.04)], [0.0], 0)
    go.set()
    first.join(10)
    second.join(10)
    assert len(got) == 2 and got[0].path == got[1].path and studio.chain.join_previews.renders == renders + 1


def test_kept_previews_are_bounded_and_a_deleted_clips_go_with_it(studio, slow_render, monkeypatch):
    slow_render[1].set()
    monkeypatch.setattr(join_previews, "MAX_FILES", 3)
    folder = studio.chain.join_previews.folder
    paths = []
    for n in range(5):  # five out points: five joins (an in point outside the window would not change it)
        made = studio.chain.preview_join(LOCAL, [StoryShot(studio.wide[0], 0.0, 2.5 - n / 24), StoryShot(studio.wide[1])],
                                         [0.0], 0)
        assert made.rendered
        paths.append(made.path)
    faded = studio.chain.preview_join(LOCAL, [StoryShot(studio.wide[0], 0.0, 2.5), StoryShot(studio.wide[1])], [0.25], 0)
    assert faded.rendered and faded.path != paths[0]  # the first's trims with another fade: another preview
    assert len(list(folder.glob("*.mp4"))) == 3
    monkeypatch.setattr(join_previews, "MAX_BYTES", 2500)  # two of the 1000-byte files fit
    studio.chain.preview_join(LOCAL, [StoryShot(studio.wide[1], 0.5), StoryShot(studio.wide[2])], [0.0], 0)
    assert len(list(folder.glob("*.mp4"))) == 2
    studio.gallery.delete(LOCAL, studio.wide[2])
    assert not list(folder.glob(f"*{studio.wide[2]}*"))


def test_the_words_of_a_refusal_are_drawn_as_text_never_as_markup():
    drawn = refused_html("<img src=x onerror=alert(1)>", "There is no join <img src=x onerror=alert(1)> to preview")
    assert "<img" not in drawn and "&lt;img" in drawn and 'data-after="-1"' in drawn and 'role="alert"' in drawn
