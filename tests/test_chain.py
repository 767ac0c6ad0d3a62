"""One clip leads to the next, on the preview backend: frames, edit sources, settings, finals,
variations, storyboards and the lineage the ledger keeps of them; through the service and the CLI."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harness.media import FRAME, frames
from studio import config
from studio.chain import StoryShot
from studio.errors import InputError, NotFound, StoreError
from studio.jobs.ledger import Ledger
from studio.jobs.migrations import MIGRATIONS
from studio.jobs.model import JobState, MadeAs
from studio.media import inspect
from studio.media.inspect import probe_video
from studio.service import LOCAL, LOCAL_OWNER, Caller, Studio

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")})).start()
    yield s
    s.close()


def run(studio, variant="t2v", owner=LOCAL_OWNER, **fields):
    fields = {"prompt": "a horse on a ridge, slow pan", "duration": 3, "ratio": "16:9", **fields}
    job = studio.core.submit(Caller.of(owner), studio.core.prepare(variant, **fields))
    done = studio.core.wait(Caller.of(owner), job.id, timeout=120, interval=0.05)
    assert done.state is JobState.SUCCEEDED, done.error_message
    return done


def test_a_grabbed_frame_is_a_full_size_first_frame_and_the_next_clip_records_it(studio):
    clip = run(studio, seed=3)
    last = studio.chain.grab_frame(LOCAL, clip.id)
    mid = studio.chain.grab_frame(LOCAL, clip.id, 1.5)
    for path in (last, mid):
        info = inspect.check_first_frame(path)
        assert (info.format, info.width, info.height) == ("PNG", 1280, 720)
        inspect.check_reference(path, 1, "r2v")
    assert last != mid and last.parent == studio.settings.data_dir / "frames"
    # the PNG is the clip's own last frame, not any frame
    want_last, want_mid = frames(Path(clip.output_path), 2.99, 1.5)
    got_last, got_mid = frames_of_png(last), frames_of_png(mid)
    assert abs(got_last - want_last).mean() < 1 and abs(got_mid - want_mid).mean() < 1
    assert abs(got_last - want_mid).mean() > 1  # a real difference between the two times
    with pytest.raises(InputError, match="outside it"):
        studio.chain.grab_frame(LOCAL, clip.id, 7)
    follow = run(studio, "i2v", first_frame=str(last), prompt="from here, orbit")
    assert (follow.parent_id, follow.made_as, follow.parents) == (clip.id, MadeAs.FRAME, (clip.id,))
    refs = run(studio, "r2v", references=[str(mid)], prompt="[Image 1] at night")
    assert (refs.parent_id, refs.made_as) == (clip.id, MadeAs.FRAME)


def frames_of_png(path):
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


def test_another_owners_clip_is_neither_usable_nor_shown_in_lineage(studio):
    mine = run(studio)
    theirs = run(studio, owner="someone-else")
    for action in (lambda: studio.chain.grab_frame(LOCAL, theirs.id),
                   lambda: studio.chain.send(LOCAL, studio.chain.offer_final(LOCAL, theirs.id))[0],
                   lambda: studio.chain.lineage(LOCAL, theirs.id),
                   lambda: studio.chain.stitch(LOCAL, [StoryShot(mine.id), StoryShot(theirs.id)])):
        with pytest.raises(NotFound):
            action()
    # their frame used by me links nothing: lineage never reveals another owner's job
    frame = studio.chain.grab_frame(Caller.of("someone-else"), theirs.id)
    used = run(studio, "i2v", first_frame=str(frame))
    assert used.parent_id is None and used.made_as is None
    child = run(studio, "i2v", owner="someone-else", first_frame=str(studio.chain.grab_frame(LOCAL, mine.id)))
    assert child.parent_id is None
    assert studio.chain.lineage(LOCAL, mine.id).children == []


def test_load_settings_gives_back_the_request_for_its_tab(studio, tmp_path):
    from harness.media import make_image

    refs = [str(make_image(tmp_path / f"r{i}.png", 720, 720)) for i in range(2)]
    job = run(studio, "r2v", references=refs, prompt="[Image 1] meets [Image 2]", ratio="1:1", seed=42,
              watermark=True)
    loaded = studio.chain.load_settings(LOCAL, job.id)
    assert loaded.variant.value == "r2v" and loaded.seed_used == 42
    assert loaded.fields["prompt"] == "[Image 1] meets [Image 2]" and loaded.fields["ratio"] == "1:1"
    assert loaded.fields["watermark"] is True and len(loaded.fields["references"]) == 2
    again = studio.core.prepare(loaded.variant, **(loaded.fields | {"prompt": "[Image 1] leaves"}))
    assert again.request.references == job.request.references and again.request.ratio == "1:1"
    assert json.loads(json.dumps(loaded.to_dict()))["fields"]["seed"] == 42


def test_final_is_the_same_request_and_seed_at_1080p_with_both_costs(studio):
    draft = run(studio, duration=4, seed=123)
    quote = studio.chain.offer_final(LOCAL, draft.id).quote
    assert (quote.draft.resolution, quote.draft.total) == ("720P", 0.56)
    assert (quote.final.resolution, quote.final.total) == ("1080P", 0.72)  # HappyHorse 1.1: $0.18/s
    final = studio.core.wait(LOCAL, studio.chain.send(LOCAL, studio.chain.offer_final(LOCAL, draft.id))[0].id, timeout=120)
    assert final.state is JobState.SUCCEEDED and final.seed == 123
    assert final.request.resolution == "1080P" and final.request.prompt == draft.request.prompt
    assert (final.width, final.height) == (1920, 1080) and final.quote_usd == 0.72
    assert (final.parent_id, final.made_as) == (draft.id, MadeAs.FINAL)
    with pytest.raises(InputError, match="already at 1080P"):
        studio.chain.offer_final(LOCAL, final.id).quote


@pytest.mark.parametrize("count", [1, 5, "two", 2.5])
def test_variations_come_in_sets_of_two_to_four(studio, count):
    job = run(studio)
    with pytest.raises(InputError, match="2, 3 or 4"):
        studio.chain.send(LOCAL, studio.chain.offer_variations(LOCAL, job.id, count))
    assert len(studio.core.jobs(LOCAL)) == 1  # nothing was sent


def test_variations_have_new_seeds_one_quote_and_show_together(studio):
    job = run(studio, seed=9)
    quote = studio.chain.offer_variations(LOCAL, job.id, 3).quote
    assert quote.each.total == 0.42 and quote.total == 1.26
    made = studio.chain.send(LOCAL, studio.chain.offer_variations(LOCAL, job.id, 3))
    done = [studio.core.wait(LOCAL, j.id, timeout=120) for j in made]
    assert all(j.state is JobState.SUCCEEDED for j in done)
    seeds = {j.seed for j in done}
    assert len(seeds) == 3 and 9 not in seeds
    assert all(j.request.prompt == job.request.prompt and j.made_as is MadeAs.VARIATION for j in done)
    assert [j.id for j in studio.chain.variations(LOCAL, job.id)] == [j.id for j in made]
    takes = [job.id, *(j.id for j in made)]
    assert [j.id for j in studio.chain.takes(LOCAL, made[1].id)] == takes == \
        [j.id for j in studio.chain.takes(LOCAL, job.id)]
    for pick in (made[1].id, made[2].id, job.id):  # one pick per set: the star moves
        assert studio.chain.pick_take(LOCAL, pick).favourite
        assert [i for i in takes if studio.core.job(LOCAL, i).favourite] == [pick]
    with pytest.raises(NotFound):
        studio.chain.pick_take(Caller.of("someone-else"), made[0].id)


def test_lineage_both_ways_in_the_ledger_and_after_a_restart(studio, tmp_path):
    root = run(studio, seed=1)
    retry = studio.core.wait(LOCAL, studio.core.retry(LOCAL, root.id).id, timeout=120)
    final = studio.core.wait(LOCAL, studio.chain.send(LOCAL, studio.chain.offer_final(LOCAL, retry.id))[0].id, timeout=120)
    assert retry.made_as is MadeAs.RETRY
    family = studio.chain.lineage(LOCAL, final.id)
    assert [j.id for j in family.ancestors] == [retry.id, root.id]
    assert [j.id for j in studio.chain.lineage(LOCAL, root.id).children] == [retry.id]
    studio.close()
    with sqlite3.connect(studio.settings.ledger_path) as db:
        rows = db.execute("SELECT child_id, parent_id, position FROM job_links ORDER BY child_id").fetchall()
        made = dict(db.execute("SELECT id, made_as FROM jobs").fetchall())
    assert sorted(rows) == sorted([(retry.id, root.id, 0), (final.id, retry.id, 0)])
    assert made == {root.id: None, retry.id: "retry of", final.id: "final of"}
    again = Studio(studio.settings)
    assert again.core.job(LOCAL, final.id).record()["made_as"] == "final of"
    assert again.core.job(LOCAL, final.id).record()["parents"] == [retry.id]


def test_migration_3_turns_old_run_again_jobs_into_retries(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + MIGRATIONS[1] + "; PRAGMA user_version=2;")
    for jid, parent in (("a" * 16, None), ("b" * 16, "a" * 16)):
        db.execute("INSERT INTO jobs (id, owner, variant, backend, state, request, created_at, updated_at, "
                   "parent_id) VALUES (?, 'local', 't2v', 'preview', 'succeeded', ?, 0, 0, ?)",
                   (jid, json.dumps({"variant": "t2v", "prompt": "x"}), parent))
    db.commit()
    db.close()
    ledger = Ledger(path)
    assert ledger.schema_version >= 3
    old = ledger.get("b" * 16)
    assert (old.made_as, old.parents) == (MadeAs.RETRY, ("a" * 16,))
    assert [j.id for j in ledger.children("a" * 16, "local")] == ["b" * 16]


def test_send_to_edit_trims_and_quotes_the_saving(studio):
    clip = run(studio, duration=6)
    whole = studio.chain.send_to_edit(LOCAL, clip.id)
    assert whole.video == Path(clip.output_path) and not whole.trim_suggested
    assert whole.quote.total == 1.68  # 6 s in + 6 s out at $0.14
    cut = studio.chain.send_to_edit(LOCAL, clip.id, 1.0, 4.5)
    assert abs(cut.seconds - 3.5) <= FRAME and cut.quote.total == 1.12 and cut.saving == 0.56
    info = inspect.check_source_video(cut.video)
    assert (info.width, info.height, info.audio_codec) == (1280, 720, "aac")
    with pytest.raises(InputError, match="at least 3 s apart"):
        studio.chain.send_to_edit(LOCAL, clip.id, 2, 4)
    edit = run(studio, "edit", video=str(cut.video), prompt="warmer", audio="retain")
    assert (edit.parent_id, edit.made_as) == (clip.id, MadeAs.EDIT)
    direct = run(studio, "edit", video=str(whole.video), prompt="colder")
    assert (direct.parent_id, direct.made_as) == (clip.id, MadeAs.EDIT)


def test_a_storyboard_longer_than_15_s_is_offered_the_first_15_s(studio):
    shots = [run(studio, duration=6, seed=s) for s in (1, 2, 3)]
    board = studio.chain.stitch(LOCAL, [StoryShot(j.id) for j in shots])
    offer = studio.chain.send_to_edit(LOCAL, board.id)
    assert offer.trim_suggested and abs(offer.clip_seconds - 18) <= FRAME
    assert offer.quote.total == round(33 * 0.14, 2) and offer.quote_if_first_15 == round(30 * 0.14, 2)  # 18+15 vs 15+15
    assert "first 15 s" in offer.describe() and json.loads(json.dumps(offer.to_dict()))["trim_suggested"]
    first = studio.chain.send_to_edit(LOCAL, board.id, 0, 15)
    assert abs(first.seconds - 15) <= FRAME and first.saving == round(3 * 0.14, 2)


def test_stitch_is_a_free_job_with_lineage_to_every_shot(studio):
    a, b, c = (run(studio, duration=d, seed=s) for d, s in ((3, 1), (4, 2), (3, 3)))
    board = studio.chain.stitch(LOCAL, [StoryShot(a.id, 0.5), StoryShot(b.id, 0, 3.5), StoryShot(c.id)],
                          crossfades=[0.5, 0])
    assert board.state is JobState.SUCCEEDED and board.cost_usd == 0 and board.backend == "studio"
    assert board.made_as is MadeAs.STITCH and board.parents == (a.id, b.id, c.id)
    expected = 2.5 + 3.5 + 3 - 0.5
    info = probe_video(board.output_path)
    assert abs(info.duration - expected) <= FRAME and abs(board.seconds - expected) <= FRAME
    assert (info.width, info.height, info.audio_codec) == (1280, 720, "aac")
    assert Path(board.poster_path).stat().st_size > 0
    assert board.id in [j.id for j in studio.core.jobs(LOCAL)]
    for shot in (a, b, c):
        assert board.id in [j.id for j in studio.chain.lineage(LOCAL, shot.id).children]
    assert [j.id for j in studio.chain.lineage(LOCAL, board.id).parents] == [a.id, b.id, c.id]
    answer = json.loads(json.dumps(studio.chain.lineage(LOCAL, a.id).to_dict()))  # an API can send it as is
    assert answer["children"] == [{"id": board.id, "made_as": "stitch of", "variant": "stitch", "state": "succeeded"}]
    with pytest.raises(InputError, match="storyboard"):
        studio.chain.send(LOCAL, studio.chain.offer_final(LOCAL, board.id))[0]


@pytest.mark.parametrize("shots, fades, words", [
    (lambda a, b: [StoryShot(a)], 0, "at least two"),
    (lambda a, b: [StoryShot(a, 2.5, 1), StoryShot(b)], 0, "after the in point"),
    (lambda a, b: [StoryShot(a, 0, 9), StoryShot(b)], 0, "within 0 to"),
    (lambda a, b: [StoryShot(a), StoryShot(b)], 3.5, "shorter than both"),
    (lambda a, b: [StoryShot(a), StoryShot(b)], -1, "negative"),
])
def test_stitch_refuses_what_cannot_be_joined_and_says_what_to_change(studio, shots, fades, words):
    a, b = run(studio, seed=1), run(studio, seed=2)
    with pytest.raises(InputError, match=words):
        studio.chain.stitch(LOCAL, shots(a.id, b.id), fades)
    assert len(studio.core.jobs(LOCAL)) == 2  # nothing recorded


def test_stitch_refuses_an_unfinished_or_failed_clip(studio):
    done = run(studio)
    pending = studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt="slow one", duration=15, resolution="1080P"))
    with pytest.raises(InputError, match="finished clip"):
        studio.chain.stitch(LOCAL, [StoryShot(done.id), StoryShot(pending.id)])
    cancelled = studio.core.cancel(LOCAL, pending.id)
    assert cancelled.state is JobState.CANCELLED
    with pytest.raises(InputError, match="cancelled"):
        studio.chain.stitch(LOCAL, [StoryShot(done.id), StoryShot(pending.id)])


def test_a_storyboard_the_encoder_fails_on_is_a_failed_job_that_says_what_to_try(studio, monkeypatch):
    from studio.media import stitch as stitching
    from studio.media.ffmpeg import FFmpegError

    a, b = run(studio, seed=1), run(studio, seed=2)

    def broken(*args, **kwargs):
        raise FFmpegError("Error opening output /tmp/.out.mp4.x1y2.part: No space left on device")

    monkeypatch.setattr(stitching, "stitch", broken)
    board = studio.chain.stitch(LOCAL, [StoryShot(a.id), StoryShot(b.id)], 0.5)
    assert board.state is JobState.FAILED and board.cost_usd == 0
    assert "could not be joined" in board.error_message and ".part" not in board.error_message
    stored = studio.core.job(LOCAL, board.id)
    assert stored.state is JobState.FAILED and stored.parents == (a.id, b.id)


# --- the same through the CLI ---------------------------------------------------------

def cli(data_dir, *args):
    env = {**os.environ, "STUDIO_DATA_DIR": str(data_dir)}
    for key in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def cli_json(data_dir, *args):
    proc = cli(data_dir, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_cli_chain_frame_final_variations_stitch(tmp_path):
    data = tmp_path / "data"
    a = cli_json(data, "generate", "--variant", "t2v", "--prompt", "a horse, slow pan", "--duration", "3",
                 "--seed", "5")
    b = cli_json(data, "generate", "--variant", "t2v", "--prompt", "a horse, crane up", "--duration", "3")
    frame = cli_json(data, "frame", a["id"], "--at", "1.25", "--out", str(tmp_path / "f.png"))
    assert frame["path"] == str(tmp_path / "f.png") and (frame["width"], frame["height"]) == (1280, 720)
    inspect.check_first_frame(tmp_path / "f.png")
    last = cli_json(data, "frame", a["id"], "--last")
    assert Path(last["path"]).parent == data / "frames"
    final = cli_json(data, "final", a["id"])
    assert (final["seed"], final["request"]["resolution"], final["made_as"]) == (5, "1080P", "final of")
    varied = cli_json(data, "variations", a["id"], "--count", "2")
    assert [v["made_as"] for v in varied] == ["variation of"] * 2 and {v["parent_id"] for v in varied} == {a["id"]}
    board = cli_json(data, "stitch", a["id"], b["id"], "--crossfade", "0.5", "--trim", f"{b['id']}=0.5:")
    assert board["parents"] == [a["id"], b["id"]] and board["cost_usd"] == 0 and board["state"] == "succeeded"
    assert abs(probe_video(board["output_path"]).duration - (3 + 2.5 - 0.5)) <= FRAME
    three = cli_json(data, "stitch", a["id"], b["id"], a["id"], "--crossfade", "0,1")  # one per join
    assert abs(probe_video(three["output_path"]).duration - (3 + 3 + 3 - 1)) <= FRAME


@pytest.mark.parametrize("args, words", [
    (["frame", "0123456789abcdef", "--last"], "no job '0123456789abcdef' in "),
    (["final", "nope"], "(STUDIO_DATA_DIR): list the jobs there with `jobs`"),
    (["stitch", "nope", "nada"], "no job 'nope' in "),
    (["variations", "JOB", "--count", "6"], "2, 3 or 4"),
    (["frame", "JOB", "--at", "99"], "outside it"),
    (["stitch", "JOB", "JOB", "--trim", "JOB=a:b"], "JOB=IN:OUT"),
    (["stitch", "JOB", "JOB", "--trim", "other=1:2"], "not among the shots"),
    (["stitch", "JOB", "JOB", "--crossfade", "5"], "crossfade"),
    (["stitch", "JOB", "JOB", "--crossfade", "0,0.5"], "one per join"),
    (["stitch", "JOB", "JOB", "--crossfade", "half"], "not a length in seconds"),
])
def test_cli_chain_refuses_bad_input_and_unknown_jobs_with_exit_2(tmp_path, args, words):
    data = tmp_path / "data"
    job = cli_json(data, "generate", "--variant", "t2v", "--prompt", "a horse", "--duration", "3")
    proc = cli(data, *[job["id"] if a == "JOB" else a.replace("JOB=", job["id"] + "=") for a in args])
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr


def test_cli_stitch_fit_smallest_exports_at_the_smallest_size_as_the_page_does(tmp_path, monkeypatch, capsys):
    from harness.gallery import seed_jobs
    from harness.media import make_video
    from studio.cli import main

    data = tmp_path / "data"
    ids = seed_jobs(data, 4, states=False)  # 640×360, 360×640, 480×480, 640×360: each a file of its own
    make_video(data / "media" / f"{ids[0]}.mp4", 320, 180, seconds=3)  # a smaller take, second on the board
    monkeypatch.setenv("STUDIO_DATA_DIR", str(data))
    assert main(["stitch", ids[3], ids[0], "--fit", "smallest", "--json"]) == 0  # without it: the first's 640×360
    board = json.loads(capsys.readouterr().out)
    info = probe_video(board["output_path"])
    assert (board["width"], board["height"]) == (320, 180) == (info.width, info.height)


def test_cli_stitch_refuses_a_fit_the_page_does_not_offer(capsys):
    from studio.cli import parser

    with pytest.raises(SystemExit) as refused:
        parser().parse_args(["stitch", "a", "b", "--fit", "biggest"])
    assert refused.value.code == 2 and "choose from 'largest', 'smallest'" in capsys.readouterr().err


def test_the_readmes_chain_keeps_its_lineage_through_a_frame_saved_elsewhere(tmp_path):
    data = tmp_path / "data"
    shot = cli_json(data, "generate", "--variant", "t2v", "--prompt", "a horse on a hill", "--duration", "3")
    saved = tmp_path / "frame.png"
    grabbed = cli(data, "frame", shot["id"], "--last", "--out", str(saved))
    assert grabbed.returncode == 0, grabbed.stderr
    nxt = cli_json(data, "generate", "--variant", "i2v", "--first-frame", str(saved), "--prompt", "orbit left",
                   "--duration", "3")
    assert (nxt["parent_id"], nxt["made_as"]) == (shot["id"], "frame of")  # known by its content

    missing = tmp_path / "no-such-folder" / "frame.png"
    refused = cli(data, "frame", shot["id"], "--last", "--out", str(missing))
    assert refused.returncode == 2 and "there is no folder" in refused.stderr
    assert not missing.parent.exists()  # nothing created on the user's disk by a typo



def test_a_storyboard_whose_clip_cannot_be_kept_leaves_no_poster_in_the_bucket(bucket, proxy, tmp_path):
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_MEDIA_URL": f"s3://{bucket.name}",
           **bucket.env(endpoint=proxy.endpoint)}
    s = Studio(config.load(env), time_scale=0.05)
    s.media.retry_delay = 0.0
    s.start()
    try:
        a, b = run(s, seed=1), run(s, seed=2)
        board = s.chain.stitch(LOCAL, [StoryShot(a.id), StoryShot(b.id)])  # once whole: its sizes
        poster, clip = bucket.objects()[f"media/{board.id}.jpg"], bucket.objects()[f"media/{board.id}.mp4"]
        assert clip > poster + 20_000
        before = bucket.objects()
        proxy.cut_after(poster + 10_000)  # a connection cut once it has sent more than a poster: the clip's put
        with pytest.raises(StoreError, match="did not answer"):
            s.chain.stitch(LOCAL, [StoryShot(a.id), StoryShot(b.id)])
        proxy.heal()
        assert bucket.objects() == before  # no poster of a storyboard that has no clip and no row
        assert [j.id for j in s.core.jobs(LOCAL) if j.variant == "stitch"] == [board.id]
    finally:
        s.close()
