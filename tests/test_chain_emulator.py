"""Finals, variations and storyboards on the real adapters, over loopback HTTP against the emulator:
what each create carried to the provider (same seed at 1080P, new seeds), costs, lineage."""

import pytest

from studio.chain import StoryShot
from studio.jobs.model import JobState, MadeAs
from studio.media.inspect import probe_video
from studio.service import LOCAL
from tests.conftest import BACKENDS, finish, submit

FRAME = 1 / 24


def sent(emulator, job):
    """The parameters the provider received for a job's task (seed, resolution), either protocol."""
    body = emulator.control.tasks()[job.task_id]["request"]["body"]
    found = {}

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("seed", "resolution") and not isinstance(value, (dict, list)):
                    found.setdefault(key, value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_final_sends_the_same_seed_at_1080p_and_bills_the_final(make_studio, emulator, backend):
    studio = make_studio(backend)
    draft = finish(studio, submit(studio, "t2v", prompt="a horse at dawn", duration=3, seed=4242))
    assert draft.state is JobState.SUCCEEDED, draft.error_message
    quote = studio.chain.offer_final(LOCAL, draft.id).quote
    at_1080 = {"dashscope": 0.54, "inferencesh": 0.72}[backend]  # the draft's model: 1.1 on DashScope, 1.0 there
    assert (quote.draft.total, quote.final.total) == (0.42, at_1080)
    final = finish(studio, studio.chain.send(LOCAL, studio.chain.offer_final(LOCAL, draft.id))[0])
    assert final.state is JobState.SUCCEEDED, final.error_message
    assert sent(emulator, final) == {"seed": 4242, "resolution": "1080P"} and final.model == draft.model
    assert (probe_video(final.output_path).width, final.cost_usd, final.backend) == (1920, at_1080, backend)
    assert (final.parent_id, final.made_as) == (draft.id, MadeAs.FINAL)
    assert emulator.control.creates(backend) == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_variations_are_sent_together_with_new_seeds(make_studio, emulator, backend):
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="a horse in rain", duration=3, seed=7))
    quote = studio.chain.offer_variations(LOCAL, job.id, 2).quote
    made = [finish(studio, j) for j in studio.chain.send(LOCAL, studio.chain.offer_variations(LOCAL, job.id, 2))]
    assert all(j.state is JobState.SUCCEEDED for j in made), [j.error_message for j in made]
    seeds = [sent(emulator, j)["seed"] for j in made]
    assert len(set(seeds)) == 2 and 7 not in seeds and seeds == [j.seed for j in made]
    assert sum(j.cost_usd for j in made) == quote.total == 0.84
    assert [j.id for j in studio.chain.variations(LOCAL, job.id)] == [j.id for j in made]
    assert emulator.control.creates(backend) == 3


def test_provider_clips_stitch_into_one_free_storyboard(make_studio, emulator):
    studio = make_studio("dashscope")
    shots = [finish(studio, submit(studio, "t2v", prompt=p, duration=3)) for p in ("a ridge", "a river")]
    board = studio.chain.stitch(LOCAL, [StoryShot(shots[0].id, 0, 2.5), StoryShot(shots[1].id)], crossfades=0.5)
    assert board.state is JobState.SUCCEEDED and board.cost_usd == 0 and board.backend == "studio"
    info = probe_video(board.output_path)
    assert abs(info.duration - 5.0) <= FRAME and info.audio_codec == "aac"
    assert board.parents == (shots[0].id, shots[1].id)
    assert emulator.control.creates("dashscope") == 2  # stitching sent nothing to the provider
