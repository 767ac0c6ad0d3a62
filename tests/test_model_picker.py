"""The model picker on the page: each tab offers the models its backend runs (HappyHorse 1.1 first), quotes at the
chosen model's price and limits, refuses a ratio the model does not take in words naming the model that does,
shows Wan 2.7's own fields only for Wan 2.7, and the tabs' API endpoints take `model`, `negative_prompt` and
`prompt_extend` (a Wan job's rewritten prompt comes back over HTTP from the emulator and is shown beside the clip).
"""

from __future__ import annotations

import shutil

import pytest
from gradio_client import Client

from harness.app import start_app, stop_app
from studio import config
from studio.jobs.model import Job, JobState
from studio.service import Studio
from studio.ui import model_picker
from studio.ui.app import build
from studio.ui.controls import ready, seed_line
from studio.ui.edit_tab import model_note
from studio.variants import build as build_request


def built(tmp_path, backend="preview", **env):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": backend,
                            "DASHSCOPE_API_KEY": "sk-test-0001", "INFERENCE_API_KEY": "inf_test-0002", **env}))
    return s, build(s)


def component(demo, label: str, tab: str):
    """The component with this label inside the tab with this id."""
    found = []

    def walk(block, in_tab):
        in_tab = in_tab or getattr(block, "id", None) == tab and type(block).__name__ == "Tab"
        if in_tab and getattr(block, "label", None) == label:
            found.append(block)
        for child in getattr(block, "children", []):
            walk(child, in_tab)

    walk(demo, False)
    assert found, f"no {label!r} in tab {tab}"
    return found[0]


def listener(demo, target, fn_name: str):
    return next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == fn_name and
                any(t[0] == target._id for t in f.targets))


@pytest.fixture
def page(tmp_path):
    s, demo = built(tmp_path)
    yield s, demo
    s.close()


def test_each_generating_tab_offers_every_model_with_1_1_first_and_edit_says_it_runs_on_1_0(page):
    _, demo = page
    for tab in ("t2v", "i2v", "r2v"):
        picker = component(demo, "Model", tab)
        assert picker.value == "happyhorse-1.1"
        assert [v for _, v in picker.choices] == ["happyhorse-1.1", "happyhorse-1.0", "wan2.7"]
        assert "unconfirmed" in {v: k for k, v in picker.choices}["wan2.7"]
    note = model_note("preview")
    assert "HappyHorse 1.0" in note and "no 1.1 edit" in note


def test_on_inference_sh_only_the_models_it_has_apps_for_are_offered_and_the_missing_one_is_explained(tmp_path):
    s, demo = built(tmp_path, "inferencesh")
    try:
        picker = component(demo, "Model", "t2v")
        assert [v for _, v in picker.choices] == ["happyhorse-1.0", "wan2.7"] and picker.value == "happyhorse-1.0"
        assert "inference.sh has no HappyHorse 1.1 app" in picker.info
        ratio = component(demo, "Aspect ratio", "t2v")
        assert "21:9" not in [v for _, v in ratio.choices]  # the ratios of the model shown
    finally:
        s.close()


def quote_of(demo, values):
    """The t2v form's quote for its values in order, as the page's form listener computes it."""
    prompt = component(demo, "Prompt", "t2v")
    follow = listener(demo, prompt, "follow")
    _, quote, button = follow(None, *values)
    return quote, button["interactive"]


def advice_in(notes: str) -> str:
    """The advice in the form's notes under the prompt (its length first, then the advice)."""
    return notes.split("\n\n", 1)[1] if "\n\n" in notes else ""


def test_the_quote_is_at_the_chosen_models_price_and_a_ratio_it_lacks_is_refused_naming_the_model_that_takes_it(page):
    _, demo = page
    shot = ["a kite over dunes", "1080P", "16:9", 5, False, ""]
    q11, ok = quote_of(demo, shot + ["happyhorse-1.1", "", False])
    assert "$0.90 on HappyHorse 1.1" in q11 and ok
    q10, ok = quote_of(demo, shot + ["happyhorse-1.0", "", False])
    assert "$1.20 on HappyHorse 1.0" in q10 and ok
    wan, ok = quote_of(demo, shot + ["wan2.7", "blurry, text", True])
    assert "$0.75 on Wan 2.7" in wan and "unconfirmed" in wan and ok
    wide, ok = quote_of(demo, ["a kite over dunes", "720P", "21:9", 5, False, "", "happyhorse-1.0", "", False])
    assert not ok and not ready(wide)
    assert "21:9 is not offered on HappyHorse 1.0" in wide and "HappyHorse 1.1" in wide
    assert quote_of(demo, ["a kite", "720P", "21:9", 5, False, "", "happyhorse-1.1", "", False])[1]
    short, ok = quote_of(demo, ["a kite", "720P", "16:9", 2, False, "", "happyhorse-1.1", "", False])
    assert not ok and "2" in short
    assert quote_of(demo, ["a kite", "720P", "16:9", 2, False, "", "wan2.7", "", False])[1]  # Wan 2.7 from 2 s


def test_the_advice_says_first_what_the_chosen_model_does_not_take(page):
    _, demo = page
    follow = listener(demo, component(demo, "Prompt", "t2v"), "follow")
    advice = advice_in(follow(None, "a kite", "720P", "21:9", 5, False, "", "happyhorse-1.0", "", False)[0])
    assert advice.startswith("**Fix before generating:** Aspect ratio 21:9 is not offered on HappyHorse 1.0")
    assert "Fix before" not in advice_in(follow(None, "a kite", "720P", "21:9", 5, False, "", "happyhorse-1.1", "",
                                                False)[0])
    short = advice_in(follow(None, "a kite", "720P", "16:9", 2, False, "", "happyhorse-1.1", "", False)[0])
    assert short.startswith("**Fix before generating:**") and "2" in short


def test_choosing_a_model_sets_its_ratios_and_durations_and_shows_wan_fields_only_for_wan(page):
    _, demo = page
    picker = component(demo, "Model", "t2v")
    chosen = listener(demo, picker, "chosen")
    ratio, duration, negative, extend = chosen("happyhorse-1.0", "21:9")
    values = [v for _, v in ratio["choices"]]
    assert values[:5] == ["16:9", "9:16", "1:1", "4:3", "3:4"] and "4:5" not in values
    assert ratio["choices"][-1] == ("21:9 (not on HappyHorse 1.0)", "21:9")  # kept, marked: the quote says why
    assert (duration["minimum"], duration["maximum"]) == (3, 15)
    assert negative == {"__type__": "update", "value": "", "visible": False}  # never sent hidden
    assert extend == {"__type__": "update", "value": False, "visible": False}
    ratio, duration, negative, extend = chosen("wan2.7", "16:9")
    assert duration["minimum"] == 2 and negative["visible"] and extend["visible"] and "value" not in negative
    assert [v for _, v in chosen("happyhorse-1.1", "16:9")[0]["choices"]][-1] == "21:9"
    # what a stranger sends instead of a model changes nothing
    assert chosen({"x": 1}, None) == [{"__type__": "update"}] * 4 == chosen("gpt-9", "16:9")
    i2v = listener(demo, component(demo, "Model", "i2v"), "chosen")
    assert len(i2v("wan2.7")) == 3  # no ratio on image to video: the frame sets it


def test_the_api_parameters_are_named_model_negative_prompt_and_prompt_extend(page):
    _, demo = page
    info = demo.get_api_info()["named_endpoints"]
    for name in ("/text_to_video", "/image_to_video", "/reference_to_video"):
        params = [p["parameter_name"] for p in info[name]["parameters"]]
        assert params[-3:] == ["model", "negative_prompt", "prompt_extend"], (name, params)
        described = {p["parameter_name"]: p["type"].get("additional_description", "") for p in info[name]["parameters"]}
        assert "happyhorse-1.0" in described["model"] and "wan2.7" in described["model"]
    assert "model" not in [p["parameter_name"] for p in info["/video_edit"]["parameters"]]


def test_the_latest_clip_and_the_detail_show_the_model_and_the_rewritten_prompt():
    request = build_request("t2v", prompt="a horse <b>on</b> a beach", model="wan2.7", prompt_extend=True)
    job = Job(id="j1", owner="local", request=request, backend="preview", quote_usd=0.5, quote={}, seed=7,
              state=JobState.SUCCEEDED, actual_prompt="A *chestnut* horse <script>x</script> on a beach at dusk.")
    line = seed_line(job.public_record())
    assert line.startswith("Wan 2.7 · Seed used: `7`") and "Rewritten prompt" in line
    assert "\\*chestnut\\*" in line and "\\<script\\>" in line  # shown as text, never as markup
    rows = dict(model_picker.detail_rows(job))
    assert rows["Model"] == "Wan 2.7" and "&lt;script&gt;" in rows["Rewritten prompt"]
    same = Job(id="j2", owner="local", request=request, backend="preview", quote_usd=0.5, quote={}, seed=7,
               actual_prompt=request.prompt)
    assert "Rewritten" not in seed_line(same.public_record()) and "Rewritten prompt" not in dict(
        model_picker.detail_rows(same))


@pytest.fixture(scope="module")
def on_emulator(tmp_path_factory):
    from harness.emulator import start_emulator, stop_emulator

    emu = start_emulator(task_seconds=0.2)
    root = tmp_path_factory.mktemp("picker")
    app = start_app(root / "data", {"STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-test-secret-0001",
                                    "DASHSCOPE_BASE_URL": emu.url, "STUDIO_REQUESTS_PER_MINUTE": "0"})
    yield app
    stop_app(app)
    stop_emulator(emu)


def test_a_wan_clip_made_through_the_api_endpoint_keeps_its_model_fields_and_rewritten_prompt(on_emulator):
    client = Client(on_emulator.url, verbose=False)
    _, record = client.predict("a horse on a beach", "720P", "16:9", 2, False, "", "wan2.7", "text, blur", True,
                               api_name="/text_to_video")
    assert record["state"] == "succeeded" and record["model"] == "wan2.7"
    assert record["request"]["negative_prompt"] == "text, blur" and record["request"]["prompt_extend"] is True
    assert record["actual_prompt"] and record["actual_prompt"] != "a horse on a beach"
    assert "Rewritten prompt" in seed_line(record)
    _, plain = client.predict("a horse", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    assert plain["model"] == "happyhorse-1.1" and plain["quote_usd"] == 0.42  # the default, at its price
    with pytest.raises(Exception) as refused:
        client.predict("a horse", "720P", "21:9", 3, False, "", "happyhorse-1.0", "", False, api_name="/text_to_video")
    assert "21:9 is not offered on HappyHorse 1.0" in str(refused.value) and "HappyHorse 1.1" in str(refused.value)
    with pytest.raises(Exception) as hidden:
        client.predict("a horse", "720P", "16:9", 3, False, "", "happyhorse-1.1", "blur", False,
                       api_name="/text_to_video")
    assert "takes no negative prompt" in str(hidden.value)


def test_page_users_image_checks_count_against_their_own_allowance(page, tmp_path, monkeypatch):
    s, demo = page
    from PIL import Image

    from studio.service import Caller
    from studio.service.image_checks import ImageChecks
    from studio.ui import identity

    s.advice.images = ImageChecks(per_minute=1)
    monkeypatch.setattr(identity.Callers, "caller", lambda self, request: request)  # the event's user, as given
    alice, bob = Caller("anon:alice", "addr:a"), Caller("anon:bob", "addr:b")
    from studio.ui.compat import upload_folder

    folder = upload_folder() / f"picker-{tmp_path.name}"  # where Gradio puts uploads: the page takes only those
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for i in range(2):
        path = folder / f"f{i}.png"
        Image.new("RGB", (640, 360), (i * 90, 20, 20)).save(path)
        frames.append(str(path))
    follow = listener(demo, component(demo, "Prompt (optional)", "i2v"), "follow")

    def advice(who, frame):
        return advice_in(follow(who, frame, "a slow pan", "720P", 5, False, "", "happyhorse-1.1", "", False)[0])

    assert "Not looked at" not in advice(alice, frames[0])
    assert "Not looked at" in advice(alice, frames[1])  # alice's one picture this minute is used
    assert "Not looked at" not in advice(bob, frames[1])  # bob's allowance is his own
    shutil.rmtree(folder, ignore_errors=True)
