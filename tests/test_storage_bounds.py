"""What a user can make the studio keep on its disk for free is bounded, and what nothing names is removed
(#19 item 4): reference sets within a per-user quota and a per-payer daily allowance, a deleted set's pictures
gone unless another set or a job names them, a bounded number of grabbed frames per clip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.media import make_image
from studio import config
from studio.chain import BY_CONTENT, FRAMES_PER_CLIP
from studio.errors import InputError
from studio.service import LOCAL, Caller, Studio

ROOT = Path(__file__).resolve().parents[1]


def noisy_png(path: Path, side: int) -> str:
    """A PNG that does not compress: its size on disk is about side*side*3 bytes."""
    from PIL import Image

    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path)
    return str(path)


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_STORAGE_USER_MB": "2"}))
    yield s
    s.close()


def test_a_users_sets_stay_within_their_quota_and_a_deleted_set_makes_room(studio, tmp_path):
    a = [noisy_png(tmp_path / f"a{n}.png", 480) for n in range(2)]  # ~1.3 MB
    b = [noisy_png(tmp_path / f"b{n}.png", 480) for n in range(2)]
    studio.references.save(LOCAL, "Mara", a)
    studio.references.save(LOCAL, "Mara", a)  # saved again under its name: counted once
    with pytest.raises(InputError, match=r"past the 2 MB each user may keep here: delete a set"):
        studio.references.save(LOCAL, "Oren", b)
    assert [s.name for s in studio.references.list(LOCAL)] == ["Mara"]
    kept = studio.references.get(LOCAL, "Mara").images
    studio.references.delete(LOCAL, "Mara")
    assert not any(Path(p).exists() for p in kept)  # nothing names them any more: gone from the disk
    studio.references.save(LOCAL, "Oren", b)


def test_fresh_identities_of_one_address_share_a_daily_allowance(studio, tmp_path):
    refused = None
    for n in range(12):  # each a new anonymous identity of one address, each within its own quota
        caller = Caller(f"anon:{n}", "addr:one")
        pictures = [noisy_png(tmp_path / f"s{n}-{k}.png", 480) for k in range(2)]
        try:
            studio.references.save(caller, "set", pictures)
        except InputError as e:
            refused = (n, str(e))
            break
    assert refused and refused[0] <= 7 and "saved many pictures in reference sets today" in refused[1]


def test_a_deleted_sets_pictures_stay_while_another_set_or_a_job_names_them(studio, tmp_path):
    shared = [str(make_image(tmp_path / "shared.png", 720, 720))]
    studio.references.save(LOCAL, "One", shared)
    studio.references.save(Caller.of("user:ann"), "Hers", shared)
    kept = studio.references.get(LOCAL, "One").images[0]
    studio.references.delete(LOCAL, "One")
    assert Path(kept).exists()  # ann's set names it
    studio.start(resume=False)
    job = studio.core.submit(LOCAL, studio.core.prepare("r2v", prompt="[Image 1] walks", references=[kept],
                                                         duration=3))
    studio.core.wait(LOCAL, job.id, timeout=120)
    studio.references.delete(Caller.of("user:ann"), "Hers")
    assert Path(kept).exists()  # a job names it


def test_a_clip_keeps_a_bounded_number_of_grabbed_frames(studio):
    studio.start(resume=False)
    job = studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt="a horse on a hill", duration=3))
    job = studio.core.wait(LOCAL, job.id, timeout=120)
    for n in range(FRAMES_PER_CLIP + 6):
        studio.chain.grab_frame(LOCAL, job.id, round(n * 2.9 / (FRAMES_PER_CLIP + 6), 3))
    frames = studio.settings.data_dir / "frames"
    assert len(list(frames.glob(f"{job.id}-*.png"))) == FRAMES_PER_CLIP
    assert len(list((frames / BY_CONTENT).iterdir())) <= FRAMES_PER_CLIP


def test_the_command_line_is_held_to_the_same_quota(tmp_path):
    pictures = [noisy_png(tmp_path / f"c{n}.png", 700) for n in range(2)]  # ~2.9 MB
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_STORAGE_USER_MB": "2"}
    proc = subprocess.run([sys.executable, "-m", "studio", "refs", "save", "Big", *pictures], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "each user may keep here" in proc.stderr, proc.stderr
    inputs = tmp_path / "data" / "inputs"
    assert not inputs.exists() or not any(inputs.iterdir())  # refused before a picture was copied


def test_one_payer_runs_one_export_at_a_time_and_a_bounded_amount_of_re_encoding_an_hour():
    from studio.service.exports import Exports

    exports = Exports(per_hour=10)
    with exports.export("addr:one", 4, now=0):
        with pytest.raises(InputError, match="other storyboard export is still running"):
            with exports.export("addr:one", 1, now=1):
                pass
        with exports.export("addr:two", 4, now=1):  # another payer is not held up
            pass
    with exports.export("addr:one", 4, now=2):  # one at a time, not one in all
        pass
    with pytest.raises(InputError, match=r"used 8 of the 10 s .* Use cuts instead of crossfades, or export again in"):
        with exports.export("addr:one", 4, now=3):
            pass
    with exports.export("addr:one", 4, now=3700):  # an hour on
        pass


def test_a_storyboard_export_counts_against_its_payer(tmp_path):
    from studio.chain import StoryShot

    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")})).start(resume=False)
    try:
        a, b = (s.core.wait(LOCAL, s.core.submit(LOCAL, s.core.prepare("t2v", prompt=p, duration=3)).id, timeout=120)
                for p in ("a horse on a hill", "a horse in the sea"))
        shots = [StoryShot(a.id), StoryShot(b.id)]
        s.chain.exports.per_hour = 1.0
        assert s.chain.stitch(LOCAL, shots, 1.0).state.value == "succeeded"
        with pytest.raises(InputError, match="used 1 of the 1 s it re-encodes for you per hour"):
            s.chain.stitch(LOCAL, shots, 1.0)
        assert s.chain.stitch(LOCAL, shots, 0).state.value == "succeeded"  # cuts cost nothing: still fine
    finally:
        s.close()
