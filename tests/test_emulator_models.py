"""The emulator knows every model in the catalogue, over real HTTP: HappyHorse 1.1's ids and ratios,
Wan 2.7's durations, negative prompt and prompt rewrite, inference.sh's Wan apps and a 404 for an app
that does not exist, and the two account answers as injectable faults."""

from __future__ import annotations

import pytest

from harness.media import make_image
from studio import models
from studio.emulator import spec
from tests.emulator_calls import (
    DS_KEY,
    HTTP,
    assert_clip,
    ds,
    ds_wait,
    inf,
    inf_wait,
    oss_upload,
)


def test_every_catalogue_id_is_one_the_emulated_provider_knows_for_that_variant():
    known = {"dashscope": spec.DASHSCOPE_MODELS, "inferencesh": spec.INFERENCE_APPS}
    for fam in models.catalogue().families.values():
        for variant, ids in fam.ids.items():
            for backend, pid in ids.items():
                assert known[backend][pid].variant == variant, (fam.id, variant, backend, pid)
                assert known[backend][pid].ratios == fam.ratios and known[backend][pid].seconds == (
                    fam.min_seconds, fam.max_seconds)


def test_happyhorse_1_1_makes_a_21_9_clip_and_1_0_refuses_the_ratio(emulator):
    resp = ds(emulator, "happyhorse-1.1-t2v", {"prompt": "a horse"}, {"resolution": "720P", "ratio": "21:9",
                                                                      "duration": 3})
    assert resp.status_code == 200, resp.text
    done = ds_wait(emulator, resp.json()["output"]["task_id"])
    assert done["output"]["task_status"] == "SUCCEEDED" and done["usage"]["ratio"] == "21:9"
    assert_clip(HTTP.get(done["output"]["video_url"]).content, 1680, 720, 3)
    old = ds(emulator, "happyhorse-1.0-t2v", {"prompt": "a horse"}, {"ratio": "21:9"})
    assert old.status_code == 400 and old.json()["code"] == "InvalidParameter"
    assert "ratio" in old.json()["message"] and "21:9" in old.json()["message"]
    assert emulator.control.creates("dashscope") == 1
    assert ds(emulator, "happyhorse-1.1-video-edit", {"prompt": "x"}).json()["code"] == "ModelNotFound"


def test_wan_takes_two_seconds_and_happyhorse_does_not(emulator):
    assert ds(emulator, "wan2.7-t2v", {"prompt": "a horse"}, {"duration": 2, "prompt_extend": False}).status_code == 200
    refused = ds(emulator, "happyhorse-1.1-t2v", {"prompt": "a horse"}, {"duration": 2})
    assert refused.status_code == 400 and "from 3 to 15" in refused.json()["message"]


def test_wan_rewrites_the_prompt_only_when_asked_or_left_to_its_default(emulator):
    def finished(params, inp=None):
        resp = ds(emulator, "wan2.7-t2v", {"prompt": "a horse on a beach", **(inp or {})}, params)
        assert resp.status_code == 200, resp.text
        return ds_wait(emulator, resp.json()["output"]["task_id"])["output"]

    rewritten = finished({"prompt_extend": True}, {"negative_prompt": "blur, text"})
    assert rewritten["actual_prompt"].startswith("a horse on a beach.") and rewritten["orig_prompt"] == "a horse on a beach"
    assert "actual_prompt" not in finished({"prompt_extend": False})
    assert "actual_prompt" in finished({})  # the provider's own default is on: the studio always says
    bad = ds(emulator, "wan2.7-t2v", {"prompt": "x"}, {"prompt_extend": "yes"})
    assert bad.status_code == 400 and "prompt_extend" in bad.json()["message"]
    misplaced = ds(emulator, "wan2.7-t2v", {"prompt": "x"}, {"negative_prompt": "blur"})
    assert misplaced.status_code == 400 and "input.negative_prompt" in misplaced.json()["message"]


@pytest.mark.parametrize("field, where", [("negative_prompt", "input"), ("prompt_extend", "parameters")])
def test_happyhorse_refuses_wans_fields(emulator, field, where):
    value = "blur" if field == "negative_prompt" else True
    inp, params = {"prompt": "a horse"}, {}
    (inp if where == "input" else params)[field] = value
    resp = ds(emulator, "happyhorse-1.1-t2v", inp, params)
    assert resp.status_code == 400 and f"{where}.{field}" in resp.json()["message"]


def test_inference_sh_runs_the_wan_apps_and_answers_404_for_a_1_1_app(emulator):
    resp = inf(emulator, "alibaba/wan-2-7-t2v", {"prompt": "a horse", "duration": 2, "resolution": "720P",
                                                 "negative_prompt": "blur", "prompt_extend": True})
    assert resp.status_code == 200, resp.text
    done = inf_wait(emulator, resp.json()["data"]["id"])
    assert done["status"] == 10 and done["output"]["actual_prompt"].startswith("a horse.")
    assert_clip(HTTP.get(done["output"]["video"]["uri"]).content, 1280, 720, 2)
    missing = inf(emulator, "alibaba/happyhorse-1-1-t2v", {"prompt": "a horse"})
    assert missing.status_code == 404 and missing.json()["type"].endswith("/not_found")
    assert inf(emulator, "t2v", {"prompt": "a horse", "negative_prompt": "blur"}).status_code == 422  # 1.0 has none


def test_the_two_account_answers_are_injectable_faults(emulator, tmp_path):
    emulator.control.add_fault(kind="plan_credits")
    emulator.control.add_fault(kind="free_tier_only")
    credits = ds(emulator, "happyhorse-1.1-t2v", {"prompt": "a horse"})
    assert credits.status_code == 429 and credits.json()["code"] == "Throttling.AllocationQuota"
    assert "Allocated quota exceeded" in credits.json()["message"]
    free = ds(emulator, "happyhorse-1.1-t2v", {"prompt": "a horse"})
    assert free.status_code == 403 and free.json()["code"] == "AllocationQuota.FreeTierOnly"
    assert ds(emulator, "happyhorse-1.1-t2v", {"prompt": "a horse"}).status_code == 200
    assert emulator.control.creates("dashscope") == 1


def test_an_upload_for_a_1_1_model_is_used_by_that_model(emulator, tmp_path):
    frame = oss_upload(emulator.url, DS_KEY, "happyhorse-1.1-i2v", make_image(tmp_path / "f.png", 900, 600))
    resp = ds(emulator, "happyhorse-1.1-i2v", {"media": [{"type": "first_frame", "url": frame}]}, {"duration": 3},
              **{"X-DashScope-OssResourceResolve": "enable"})
    assert resp.status_code == 200, resp.text
    assert ds_wait(emulator, resp.json()["output"]["task_id"])["output"]["task_status"] == "SUCCEEDED"
