"""Compare: the same shot on 2-3 models, over loopback HTTP against the emulator. One quote with a line per
model; linked jobs with the same prompt and seed; refusals (a ratio a model does not take, the caps) before
anything is sent; the group kept in the ledger (SQLite and PostgreSQL) and rebuilt after reopening it;
"pick this one" and the chain from it."""

from __future__ import annotations

import pytest

from studio.errors import BudgetError, InputError, NotFound
from studio.jobs.ledger import Ledger
from studio.jobs.model import JobState, MadeAs
from studio.service import LOCAL, Account, Caller
from tests.conftest import database_env, finish

SHOT = {"prompt": "a grey horse gallops along a beach at dawn", "duration": 3, "resolution": "720P", "ratio": "16:9"}
MODELS = {"dashscope": ["happyhorse-1.1", "wan2.7"], "inferencesh": ["happyhorse-1.0", "wan2.7"]}
IDS = {"happyhorse-1.1": "happyhorse-1.1-t2v", "happyhorse-1.0": "happyhorse-1.0-t2v", "wan2.7": "wan2.7-t2v"}
APPS = {"happyhorse-1.0": "alibaba/happyhorse-1-0-t2v", "wan2.7": "alibaba/wan-2-7-t2v"}


def shot(studio, variant="t2v", **fields):
    """The request a tab would build for one model (its default), which a compare sends to each model."""
    return studio.core.prepare(variant, **(SHOT | fields)).request


def body(emulator, job) -> dict:
    """What the provider received for a job's task, as (model or app, prompt, seed, ratio, resolution)."""
    sent = emulator.control.tasks()[job.task_id]["request"]["body"]
    params = sent.get("parameters") or sent["input"]
    return {"model": sent.get("model") or sent.get("app"), "prompt": sent["input"]["prompt"], "seed": params["seed"],
            "ratio": params.get("ratio"), "resolution": params["resolution"], "duration": params["duration"]}


@pytest.mark.parametrize("backend", ["dashscope", "inferencesh"])
def test_a_compare_of_two_models_makes_two_linked_jobs_with_the_same_prompt_and_seed(make_studio, emulator, backend):
    studio = make_studio(backend)
    models = MODELS[backend]
    quote = studio.compare.quote(LOCAL, shot(studio), models)
    per_model = {"happyhorse-1.1": 0.42, "happyhorse-1.0": 0.42, "wan2.7": 0.30}  # 3 s at 720P each
    assert [(line.model, line.total) for line in quote.lines] == [(m, per_model[m]) for m in models]
    assert quote.total == round(sum(per_model[m] for m in models), 2) and quote.to_dict()["total"] == quote.total
    assert emulator.control.creates(backend) == 0  # a quote sends nothing

    jobs = [finish(studio, j) for j in studio.compare.start(LOCAL, shot(studio), models)]
    assert all(j.state is JobState.SUCCEEDED for j in jobs), [j.error_message for j in jobs]
    assert [j.model for j in jobs] == models and emulator.control.creates(backend) == 2
    sent = [body(emulator, j) for j in jobs]
    ids = IDS if backend == "dashscope" else APPS
    assert [s["model"] for s in sent] == [ids[m] for m in models]
    assert len({(s["prompt"], s["seed"], s["ratio"], s["resolution"], s["duration"]) for s in sent}) == 1
    assert sent[0]["prompt"] == SHOT["prompt"] and sent[0]["seed"] == jobs[0].seed == jobs[1].seed
    assert jobs[0].compare_id and {j.compare_id for j in jobs} == {jobs[0].compare_id}
    assert [j.compare_position for j in jobs] == [0, 1] and jobs[0].request.seed is None  # picked for all
    assert [j.cost_usd for j in jobs] == [line.total for line in quote.lines]
    assert [j.id for j in studio.compare.group(LOCAL, jobs[0].compare_id)] == [j.id for j in jobs]
    assert jobs[1].record()["compare_id"] == jobs[0].compare_id  # the CLI, the API and the page see the link


def test_a_given_seed_is_the_seed_of_every_clip_and_three_models_are_quoted_line_by_line(make_studio, emulator):
    studio = make_studio("dashscope")
    models = ["wan2.7", "happyhorse-1.0", "happyhorse-1.1"]
    quote = studio.compare.quote(LOCAL, shot(studio, seed=4242, resolution="1080P", duration=5), "wan2.7, happyhorse-1.0,happyhorse-1.1")
    assert [line.total for line in quote.lines] == [0.75, 1.20, 0.90] and quote.total == 2.85
    text = quote.describe()
    assert text.splitlines()[-1].startswith("$2.85 in all for 3 clips") and "seed 4242" in text
    jobs = [finish(studio, j) for j in studio.compare.send(LOCAL, quote)]
    assert [j.model for j in jobs] == models and [body(emulator, j)["seed"] for j in jobs] == [4242] * 3
    assert {body(emulator, j)["resolution"] for j in jobs} == {"1080P"}


def test_a_21_9_compare_with_happyhorse_1_0_is_refused_before_anything_is_sent(make_studio, emulator):
    studio = make_studio("dashscope")
    wide = shot(studio, ratio="21:9")  # HappyHorse 1.1 takes it
    for action in (lambda: studio.compare.quote(LOCAL, wide, ["happyhorse-1.1", "happyhorse-1.0"]),
                   lambda: studio.compare.start(LOCAL, wide, ["happyhorse-1.1", "happyhorse-1.0"])):
        with pytest.raises(InputError) as refused:
            action()
        words = str(refused.value)
        assert "21:9" in words and "HappyHorse 1.0" in words and "only HappyHorse 1.1 takes it" in words
        assert "16:9, 9:16, 1:1, 4:3 or 3:4" in words  # what every model compared takes
    assert emulator.control.requests(method="POST") == [] and not any(emulator.control.creates().values())
    assert studio.core.jobs(LOCAL) == []


@pytest.mark.parametrize("models, fields, words", [
    (["happyhorse-1.1", "wan2.7"], {"model": "wan2.7", "duration": 2},
     "A duration of 2 s is not offered on HappyHorse 1.1: only Wan 2.7 takes it"),
    (["happyhorse-1.1"], {}, "2 or 3 models; you gave 1"),
    (["wan2.7", "wan2.7"], {}, "wan2.7 is named twice"),
    (["happyhorse-1.1", "happyhorse-1.0", "wan2.7", "wan2.7"], {}, "you gave 4"),
    (["happyhorse-1.1", "sora"], {}, "Model 'sora' is not offered"),
    ([1, 2], {}, "give 2 or 3 model names"),
    ("", {}, "you gave 0"),
    ("wan2.7," * 50_000, {}, "you gave 50000"),
    (["happyhorse-1.1", "x" * 1_000_000], {}, "is not offered"),
    ([None, {"$gt": ""}], {}, "give 2 or 3 model names"),
])
def test_a_compare_that_cannot_be_made_says_what_to_change_and_sends_nothing(make_studio, emulator, models, fields,
                                                                              words):
    studio = make_studio("dashscope")
    with pytest.raises(InputError, match=words):
        studio.compare.start(LOCAL, shot(studio, **fields), models)
    assert emulator.control.creates("dashscope") == 0 and studio.core.jobs(LOCAL) == []


def test_happyhorse_1_1_on_inference_sh_is_refused_in_words(make_studio, emulator):
    studio = make_studio("inferencesh")
    with pytest.raises(InputError, match="HappyHorse 1.1 is not offered on inference.sh"):
        studio.compare.start(LOCAL, shot(studio), ["happyhorse-1.1", "wan2.7"])
    assert emulator.control.creates("inferencesh") == 0


@pytest.mark.parametrize("caps, words", [
    ({"STUDIO_BUDGET_USER_DAY": "0.70"}, "this $0.72 job would pass it"),   # each fits, together they do not
    ({"STUDIO_BUDGET_DAY": "0.50"}, "This studio's daily budget is $0.50"),
    ({"STUDIO_MAX_RUNNING_PER_USER": "1"}, "and 2 more would pass it"),
])
def test_the_caps_refuse_the_whole_compare_and_nothing_is_sent(make_studio, emulator, caps, words):
    studio = make_studio("dashscope", **caps)
    with pytest.raises(BudgetError) as refused:
        studio.compare.start(LOCAL, shot(studio), ["happyhorse-1.1", "wan2.7"])
    assert words in str(refused.value)
    assert studio.core.jobs(LOCAL) == [] and emulator.control.creates("dashscope") == 0


def test_a_compare_that_fits_the_caps_is_sent_whole_and_counts_against_them(make_studio, emulator, store, request):
    studio = make_studio("dashscope", STUDIO_BUDGET_USER_DAY="1.00", STUDIO_MAX_RUNNING_PER_USER="2",
                         **database_env(store, request))
    jobs = [finish(studio, j) for j in studio.compare.start(LOCAL, shot(studio), ["happyhorse-1.1", "wan2.7"])]
    assert [j.state for j in jobs] == [JobState.SUCCEEDED] * 2 and emulator.control.creates("dashscope") == 2
    with pytest.raises(BudgetError, match=r"\$0.72 is spent or running, so \$0.28 is left"):
        studio.compare.start(LOCAL, shot(studio, seed=1), ["happyhorse-1.1", "wan2.7"])
    assert len(studio.core.jobs(LOCAL)) == 2 and emulator.control.creates("dashscope") == 2


def test_two_compares_racing_for_the_last_of_a_budget_send_one_whole_and_refuse_the_other(make_studio, emulator,
                                                                                            store, request):
    import threading

    studio = make_studio("dashscope", STUDIO_BUDGET_USER_DAY="1.00", **database_env(store, request))
    shots = [shot(studio, seed=seed) for seed in (1, 2)]
    outcomes: list = []
    go = threading.Barrier(2)

    def race(request):
        go.wait()
        try:
            outcomes.append(studio.compare.start(LOCAL, request, ["happyhorse-1.1", "wan2.7"]))
        except BudgetError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=race, args=(r,)) for r in shots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    sent = [o for o in outcomes if isinstance(o, list)]
    assert len(outcomes) == 2 and len(sent) == 1, outcomes  # $0.72 each: one fits under $1.00, never half of both
    assert {j.id for j in studio.core.jobs(LOCAL)} == {j.id for j in sent[0]}
    for job in sent[0]:
        finish(studio, job)
    assert emulator.control.creates("dashscope") == 2


def test_on_the_users_own_key_a_compare_skips_the_studios_caps(make_studio, emulator):
    studio = make_studio("dashscope", STUDIO_BUDGET_USER_DAY="0.50")
    own = Caller.of("user:ann", Account("dashscope", "sk-ann-own-key-5150"))
    jobs = [studio.core.wait(own, j.id, timeout=60, interval=0.05)
            for j in studio.compare.start(own, shot(studio), ["happyhorse-1.1", "wan2.7"])]
    assert [(j.state, j.key_source) for j in jobs] == [(JobState.SUCCEEDED, "user")] * 2
    with pytest.raises(BudgetError):
        studio.compare.start(Caller.of("user:ann"), shot(studio, seed=5), ["happyhorse-1.1", "wan2.7"])


def test_a_double_click_starts_one_compare_and_again_starts_another(make_studio, emulator, store, request):
    studio = make_studio("dashscope", **database_env(store, request))
    first = studio.compare.start(LOCAL, shot(studio), ["happyhorse-1.1", "wan2.7"])
    twin = studio.compare.start(LOCAL, shot(studio), ["happyhorse-1.1", "wan2.7"])
    assert [j.id for j in twin] == [j.id for j in first]
    other_order = studio.compare.start(LOCAL, shot(studio), ["wan2.7", "happyhorse-1.1"])
    again = studio.compare.start(LOCAL, shot(studio), ["happyhorse-1.1", "wan2.7"], again=True)
    assert len({first[0].compare_id, other_order[0].compare_id, again[0].compare_id}) == 3
    for job in first + other_order + again:
        finish(studio, job)
    assert emulator.control.creates("dashscope") == 6


def test_the_group_survives_reopening_the_ledger(make_studio, emulator, store, request):
    env = database_env(store, request)
    studio = make_studio("dashscope", **env)
    jobs = [finish(studio, j) for j in studio.compare.start(LOCAL, shot(studio), ["wan2.7", "happyhorse-1.1"])]
    compare_id = jobs[0].compare_id
    studio.close()
    reopened = Ledger(env.get("STUDIO_DATABASE_URL") or studio.settings.ledger_location)
    assert [j.id for j in reopened.compares.jobs(compare_id, LOCAL.owner)] == [j.id for j in jobs]
    assert reopened.compares.recent(LOCAL.owner) == [compare_id]
    again = make_studio("dashscope", **env)
    rebuilt = again.compare.group(LOCAL, compare_id)
    assert [(j.id, j.model, j.seed, j.state) for j in rebuilt] == [(j.id, j.model, j.seed, JobState.SUCCEEDED)
                                                                    for j in jobs]
    assert [j.id for j in again.compare.of(LOCAL, jobs[1].id)] == [j.id for j in jobs]
    stranger = Caller.of("someone-else")
    for bad in (compare_id, "x" * 10_000, None, {"$ne": 1}, "' OR 1=1 --"):
        with pytest.raises(NotFound):
            again.compare.group(stranger if bad == compare_id else LOCAL, bad)
    assert again.compare.recent(stranger) == []


def test_pick_this_one_stars_it_alone_and_the_chain_continues_from_it(make_studio, emulator):
    studio = make_studio("dashscope")
    jobs = studio.compare.start(LOCAL, shot(studio, seed=77), ["happyhorse-1.1", "wan2.7"])
    with pytest.raises(InputError, match="needs a finished clip"):
        studio.compare.pick(LOCAL, jobs[0].id)  # still running
    jobs = [finish(studio, j) for j in jobs]
    assert studio.compare.pick(LOCAL, jobs[0].id).favourite
    picked = studio.compare.pick(LOCAL, jobs[1].id)
    assert picked.favourite and [j.favourite for j in studio.compare.group(LOCAL, picked.compare_id)] == [False, True]
    final = finish(studio, studio.chain.send(LOCAL, studio.chain.offer_final(LOCAL, picked.id))[0])
    assert (final.parent_id, final.made_as, final.model, final.seed) == (picked.id, MadeAs.FINAL, "wan2.7", 77)
    assert final.compare_id is None and body(emulator, final)["resolution"] == "1080P"
    alone = finish(studio, studio.core.submit(LOCAL, studio.core.prepare("t2v", **SHOT)))
    with pytest.raises(InputError, match="not made in a compare"):
        studio.compare.pick(LOCAL, alone.id)
    with pytest.raises(NotFound):
        studio.compare.pick(Caller.of("someone-else"), picked.id)


def test_each_clip_keeps_its_lineage_from_a_grabbed_frame(make_studio, emulator):
    studio = make_studio("dashscope")
    parent = finish(studio, studio.core.submit(LOCAL, studio.core.prepare("t2v", **SHOT)))
    frame = studio.chain.grab_frame(LOCAL, parent.id)
    request = studio.core.prepare("i2v", prompt="the horse turns to the sea", first_frame=str(frame), duration=3).request
    jobs = [finish(studio, j) for j in studio.compare.start(LOCAL, request, ["happyhorse-1.1", "happyhorse-1.0"])]
    assert all(j.state is JobState.SUCCEEDED for j in jobs), [j.error_message for j in jobs]
    assert [(j.parent_id, j.made_as) for j in jobs] == [(parent.id, MadeAs.FRAME)] * 2
    assert [j.id for j in studio.chain.lineage(LOCAL, parent.id).children] == [j.id for j in jobs]


def test_wan_fields_go_to_wan_alone_and_the_quote_says_so(make_studio, emulator):
    studio = make_studio("dashscope")
    request = shot(studio, model="wan2.7", negative_prompt="text, blur", prompt_extend=False)
    quote = studio.compare.quote(LOCAL, request, ["wan2.7", "happyhorse-1.1"])
    assert quote.lines[0].note is None and "HappyHorse 1.1 takes no negative prompt" in quote.lines[1].note
    jobs = [finish(studio, j) for j in studio.compare.send(LOCAL, quote)]
    sent = [emulator.control.tasks()[j.task_id]["request"]["body"] for j in jobs]
    fields = [s["input"] | s["parameters"] for s in sent]  # the negative prompt goes where the adapter puts it
    assert fields[0]["negative_prompt"] == "text, blur" and fields[0]["prompt_extend"] is False
    assert "negative_prompt" not in fields[1] and "prompt_extend" not in fields[1]
    assert fields[0]["prompt"] == fields[1]["prompt"] == SHOT["prompt"]
