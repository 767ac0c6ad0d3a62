"""The page's event wiring, read from the Blocks config the browser receives.

Gradio re-sends a whole change event to every listener on an input when a deferred ("always_last")
listener ends with a change pending, so two such listeners on one input re-trigger each other for as long
as the page is open. A browser test shows the symptom (tests/test_browser.py, an idle page sends
nothing); this one names the input that breaks the rule.
"""

from collections import defaultdict

import pytest

from studio import config
from studio.service import LOCAL, Studio
from studio.ui.app import build


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    yield s
    s.close()


def test_no_input_has_two_listeners_that_each_resend_its_change(studio):
    demo = build(studio)
    cfg = demo.get_config_file()
    names = {c["id"]: c.get("props", {}).get("label") or c.get("type") for c in cfg["components"]}
    deferred = defaultdict(list)
    for dep in cfg["dependencies"]:
        if dep.get("trigger_mode") == "always_last":
            for target, event in dep["targets"]:
                deferred[(target, event)].append(dep["id"])
    # the form's inputs are the inputs this matters for: each has its one form listener
    labels = {names[target] for (target, event), deps in deferred.items() if event == "change"}
    assert {"Prompt", "Resolution", "Seed", "First frame", "Source clip", "Image 9", "Reference 5"} <= labels
    twice = {f"{names.get(t)} ({t}) .{e}": deps for (t, e), deps in deferred.items() if len(deps) > 1}
    assert not twice, f"inputs with two always_last listeners (they re-send each other forever): {twice}"


def test_one_form_change_updates_counter_advice_quote_and_keeps_the_tab_in_the_draft(studio):
    demo = build(studio)
    cfg = demo.get_config_file()
    prompt = next(c["id"] for c in cfg["components"] if c.get("props", {}).get("label") == "Prompt")
    listeners = [d for d in cfg["dependencies"] if (prompt, "change") in map(tuple, d["targets"])]
    assert len(listeners) == 1  # counter, advice, quote and the draft: one round trip per change
    fn = demo.fns[listeners[0]["id"]].fn
    studio.gallery.save_draft(LOCAL, {"image_to_video.1": "kept from the other tab"})
    notes, quote, button = fn(None, "A horse, a dog and a cat run and jump and swim", "720P", "16:9", 4, False, "")
    counter, advice = notes.split("\n\n", 1)  # one Markdown under the prompt: the length, then the advice
    assert counter == "46 / 5000 characters"
    assert "subjects" in advice.lower()
    assert "$0.00" in quote or "free" in quote.lower()
    assert button["interactive"] is True
    kept = studio.gallery.draft(LOCAL)
    assert kept["text_to_video.0"].startswith("A horse") and kept["text_to_video.3"] == 4
    assert kept["image_to_video.1"] == "kept from the other tab"
