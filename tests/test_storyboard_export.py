"""A storyboard export: one length everywhere (the board's sum is the file's duration, to the frame), mixed
sizes resolved as asked, progress told step by step, and Cancel stops the work with nothing left behind."""

import threading

import pytest

from harness.gallery import seed_jobs
from harness.media import make_video
from studio import config
from studio.chain import StoryShot
from studio.errors import InputError
from studio.media.inspect import probe_video
from studio.media.stitch_clip import read_clip
from studio.media.stitch_run import Cancelled
from studio.service import LOCAL, Studio
from studio.service.exports import Exports


@pytest.fixture
def studio(tmp_path):
    data = tmp_path / "data"
    ids = seed_jobs(data, 12, states=False)
    s = Studio(config.load({"STUDIO_DATA_DIR": str(data)}))
    jobs = [s.core.job(LOCAL, i) for i in ids]
    s.by_shape = {}
    for j in jobs:
        s.by_shape.setdefault((j.width, j.height), []).append(j.id)
    yield s
    s.close()


def file_seconds(studio, job) -> float:
    return probe_video(studio.media_path(job.output_path)).duration


@pytest.mark.parametrize("shots, fades", [
    ([(0.0, None), (0.0, None)], [0.0]),
    ([(0.37, 2.71), (0.5, None), (0.13, 2.9)], [0.5, 0.0]),   # off the frame grid: snapped alike by both
    ([(0.0, 1.9)] * 3, [1.0, 0.25]),
])
def test_the_length_shown_is_the_exported_files_to_the_frame(studio, shots, fades):
    ids = studio.by_shape[(640, 360)]
    plan = [StoryShot(ids[n], a, b) for n, (a, b) in enumerate(shots)]
    shown = studio.chain.check_storyboard(LOCAL, plan, fades)
    job = studio.chain.stitch(LOCAL, plan, fades)
    fps = float(read_clip(studio.media_path(job.output_path)).fps)
    assert job.seconds == pytest.approx(shown, abs=1e-9)  # the record says what the board said
    assert abs(file_seconds(studio, job) - shown) <= 1 / fps + 1e-6, (file_seconds(studio, job), shown)


@pytest.mark.parametrize("fit, size", [("largest", (640, 360)), ("smallest", (320, 180)), (None, (320, 180))])
def test_mixed_sizes_are_scaled_to_the_largest_or_the_smallest_as_asked(studio, fit, size):
    small, big = studio.by_shape[(640, 360)][:2]
    make_video(studio.media_path(studio.core.job(LOCAL, small).output_path), 320, 180, seconds=3)  # a smaller take
    plan = [StoryShot(small), StoryShot(big, 0.5), StoryShot(studio.by_shape[(480, 480)][0])]
    job = studio.chain.stitch(LOCAL, plan, [0.0, 0.5], fit=fit)  # None: the first shot's size, as before
    info = probe_video(studio.media_path(job.output_path))
    assert (job.width, job.height) == size == (info.width, info.height)
    assert abs(info.duration - studio.chain.check_storyboard(LOCAL, plan, [0.0, 0.5])) <= 1 / 24 + 1e-6


@pytest.mark.parametrize("fit", ["biggest", "../x", 3])
def test_a_made_up_fit_is_refused(studio, fit):
    ids = studio.by_shape[(640, 360)]
    with pytest.raises(InputError, match="scaling up to the largest"):
        studio.chain.stitch(LOCAL, [StoryShot(ids[0]), StoryShot(ids[1])], 0.0, fit=fit)


def test_progress_is_told_step_by_step_and_ends_at_the_last(studio):
    heard = []
    plan = [StoryShot(studio.by_shape[(640, 360)][0], 0.2), StoryShot(studio.by_shape[(480, 480)][0])]
    studio.chain.stitch(LOCAL, plan, [0.5], on_step=lambda done, total, words: heard.append((done, total, words)))
    assert heard[0][0] == 0 and heard[-1][0] == heard[-1][1] and heard[-1][2] == "Keeping the file"
    assert [d for d, _, _ in heard] == sorted(d for d, _, _ in heard)  # never backwards
    assert any(w.startswith("Scaling shot 2 from 480×480 to 640×360") for _, _, w in heard), heard


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_cancel_stops_the_export_and_leaves_no_file_and_no_job(studio):
    media = studio.settings.data_dir / "media"
    before, jobs_before = files(media), len(studio.core.jobs(LOCAL))
    plan = [StoryShot(studio.by_shape[(640, 360)][0], 0.3), StoryShot(studio.by_shape[(480, 480)][0], 0.2),
            StoryShot(studio.by_shape[(360, 640)][0])]
    encoding = threading.Event()

    def on_step(done, total, words):
        if done >= 1:
            encoding.set()

    def cancel_soon():
        encoding.wait(30)
        assert studio.chain.cancel_export(LOCAL)

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    with pytest.raises(Cancelled, match="nothing was written"):
        studio.chain.stitch(LOCAL, plan, [0.5, 0.5], on_step=on_step)
    canceller.join()
    assert files(media) == before and len(studio.core.jobs(LOCAL)) == jobs_before
    assert not studio.chain.exports.running(LOCAL.payer)  # the next export may run at once
    assert studio.chain.stitch(LOCAL, plan[:2], [0.0]).state.value == "succeeded"


def test_cancel_with_nothing_running_says_so():
    exports = Exports()
    assert exports.cancel("someone") is False
    with exports.export("someone", 1.0) as switch:
        assert exports.cancel("someone") and switch.is_set()
        assert exports.cancel("another") is False
    assert exports.cancel("someone") is False
