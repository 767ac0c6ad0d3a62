"""Several clips at once through the service (the gallery's Select mode): bounded, the owner's own only, and
a stranger's id dropped exactly as an unknown one; the job log's prompt keeps a search hit in sight."""

import zipfile
from pathlib import Path

import pytest

from harness.gallery import seed_jobs
from studio import config
from studio.errors import InputError
from studio.jobs.model import JobState
from studio.service import LOCAL, Caller, Studio
from studio.service.gallery import MAX_SELECTED
from studio.ui import tiles
from studio.variants import build
from tests.test_gallery_index import make_job


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    seed_jobs(s.settings.data_dir, 20)
    yield s
    s.close()


def finished(studio, n: int) -> list[str]:
    return [j.id for j in studio.gallery.page(LOCAL, limit=40).jobs if j.state is JobState.SUCCEEDED][:n]


def test_a_strangers_ids_are_dropped_as_unknown_ones(studio):
    mine = finished(studio, 3)
    stranger = Caller.of("someone else")
    for act in (lambda c, ids: studio.gallery.favourite_several(c, ids),
                lambda c, ids: studio.gallery.delete_several(c, ids),
                lambda c, ids: studio.gallery.finished_clips(c, ids)):
        theirs, nobody = act(stranger, mine), act(stranger, ["0" * 16, "1" * 16, "2" * 16])
        assert (theirs.done, theirs.missing, theirs.busy) == (nobody.done, nobody.missing, nobody.busy) == ([], 3, 0)
    with pytest.raises(InputError) as theirs:
        studio.gallery.zip_clips(stranger, mine, studio.settings.data_dir / "zips")
    with pytest.raises(InputError) as nobody:
        studio.gallery.zip_clips(stranger, ["0" * 16], studio.settings.data_dir / "zips")
    assert str(theirs.value) == str(nobody.value)
    jobs = [studio.core.job(LOCAL, i) for i in mine]
    assert not any(j.favourite or j.deleted_at for j in jobs)
    assert all(studio.media_path(j.output_path) for j in jobs)


def test_the_list_of_ids_is_bounded_and_typed(studio):
    for hostile in (["a"] * (MAX_SELECTED + 1), "0000000000000001", {"id": "x"}, None, [], [None, 3, {}],
                    ["x" * 5000], [["0000000000000001"]]):
        with pytest.raises(InputError, match=f"at most {MAX_SELECTED}|Select one or more"):
            studio.gallery.own(LOCAL, hostile)
    jobs, missing = studio.gallery.own(LOCAL, [finished(studio, 1)[0]] * 5 + ["nope"])
    assert len(jobs) == 1 and missing == 5  # repeats count once; the rest are named as not found


def test_the_owner_stars_boards_zips_and_deletes_several(studio):
    ids = finished(studio, 3)
    starred = studio.gallery.favourite_several(LOCAL, ids + ["not-a-job-00001"])
    assert len(starred.done) == 3 and starred.missing == 1
    assert all(studio.core.job(LOCAL, i).favourite for i in ids)
    assert len(studio.gallery.favourite_several(LOCAL, ids, on=False).done) == 3
    assert not any(studio.core.job(LOCAL, i).favourite for i in ids)
    path, packed = studio.gallery.zip_clips(LOCAL, ids, studio.settings.data_dir / "zips")
    with zipfile.ZipFile(path) as box:
        names = box.namelist()
    assert len(packed.done) == 3 and [n.split("-")[0] for n in names] == ["001", "002", "003"]
    assert all(i in n for i, n in zip(ids, names))
    running = make_job(900, owner="local", state=JobState.RUNNING)
    studio.ledger.add(running)
    gone = studio.gallery.delete_several(LOCAL, ids + [running.id])
    assert len(gone.done) == 3 and gone.busy == 1
    assert studio.gallery.page(LOCAL, limit=100).total == 21 + 1 - 3
    assert studio.core.job(LOCAL, running.id).deleted_at is None


def test_the_job_log_keeps_a_search_hit_in_sight():
    long = "A slow aerial shot over a misty pine forest at dawn, " * 20 + "a red kite circles once " + "x " * 300
    job = make_job(1, prompt=long)
    around = tiles.prompt_around(job, "red kite", 600)
    assert "red kite" in around and around.startswith("…") and around.endswith("…") and len(around) <= 602
    short = make_job(2, prompt="A chestnut horse gallops through the surf at sunset, tracking shot (take 17)")
    assert tiles.prompt_around(short, "take 17", 600).endswith("(take 17)")  # whole, not cut at 80
    assert tiles.prompt_around(job, "zebra", 600) == tiles.prompt_start(job, 600)
    assert tiles.prompt_around(make_job(3, prompt=build("t2v", prompt="x").prompt), "", 600) == "x"


def test_downloads_are_bounded_by_the_bytes_an_owner_zips_in_an_hour(studio, monkeypatch):
    from studio.service import gallery

    ids = finished(studio, 3)
    one = Path(studio.media_path(studio.core.job(LOCAL, ids[0]).output_path)).stat().st_size
    monkeypatch.setattr(gallery, "ZIP_BYTES_PER_HOUR", one * 4)
    folder = studio.settings.data_dir / "zips"
    path, packed = studio.gallery.zip_clips(LOCAL, ids, folder)  # three clips: within the hour's bytes
    assert len(packed.done) == 3
    path.unlink()
    with pytest.raises(InputError, match="an hour"):
        studio.gallery.zip_clips(LOCAL, ids, folder)  # three more would pass it
    assert list(folder.iterdir()) == []  # nothing half-made is left to serve
