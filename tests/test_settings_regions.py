"""DashScope regions and workspace hosts are settings like the others; a bad value is refused naming it."""

import pytest

from studio import config, models


@pytest.mark.parametrize("env, region, url", [
    ({}, "singapore", "https://dashscope-intl.aliyuncs.com"),
    ({"DASHSCOPE_REGION": "hongkong"}, "hongkong", "https://cn-hongkong.dashscope.aliyuncs.com"),
    ({"DASHSCOPE_REGION": "cn-hongkong"}, "hongkong", "https://cn-hongkong.dashscope.aliyuncs.com"),
    ({"DASHSCOPE_WORKSPACE_ID": "llm-Ab12"}, "singapore", "https://llm-ab12.ap-southeast-1.maas.aliyuncs.com"),
    ({"DASHSCOPE_REGION": "frankfurt", "DASHSCOPE_WORKSPACE_ID": "ws1"}, "frankfurt",
     "https://ws1.eu-central-1.maas.aliyuncs.com"),
    ({"DASHSCOPE_REGION": "virginia", "DASHSCOPE_WORKSPACE_ID": "ws1"}, "virginia",
     "https://ws1.us-east-1.maas.aliyuncs.com"),
    ({"DASHSCOPE_WORKSPACE_ID": "ws1", "DASHSCOPE_BASE_URL": "http://127.0.0.1:9/api/v1/"}, "singapore",
     "http://127.0.0.1:9"),  # an explicit address wins
])
def test_region_and_workspace_give_the_host(tmp_path, env, region, url):
    settings = config.load({"STUDIO_DATA_DIR": str(tmp_path), **env})
    assert (settings.dashscope_region, settings.dashscope_url) == (region, url)


@pytest.mark.parametrize("env, words", [
    ({"DASHSCOPE_REGION": "mars"}, "DASHSCOPE_REGION='mars' is unknown: use one of singapore, beijing"),
    ({"DASHSCOPE_REGION": "frankfurt"}, "set DASHSCOPE_WORKSPACE_ID"),
    ({"DASHSCOPE_WORKSPACE_ID": "ws.evil.example"}, "DASHSCOPE_WORKSPACE_ID='ws.evil.example' is not a workspace id"),
    ({"DASHSCOPE_WORKSPACE_ID": "-ws"}, "DASHSCOPE_WORKSPACE_ID"),
    ({"DASHSCOPE_BASE_URL": "dashscope-intl.aliyuncs.com"}, "DASHSCOPE_BASE_URL='dashscope-intl.aliyuncs.com' is not an http(s)"),
    ({"INFERENCE_BASE_URL": "ftp://x"}, "INFERENCE_BASE_URL"),
    ({"STUDIO_JOB_DEADLINE": "soon"}, "STUDIO_JOB_DEADLINE='soon' must be a number of seconds"),
    ({"STUDIO_JOB_DEADLINE": "0"}, "STUDIO_JOB_DEADLINE"),
])
def test_bad_values_are_refused_naming_the_variable(tmp_path, env, words):
    with pytest.raises(ValueError) as e:
        config.load({"STUDIO_DATA_DIR": str(tmp_path), **env})
    assert words in str(e.value) and "\n" not in str(e.value)


def test_the_default_deadline_covers_the_slowest_typical_render_with_room():
    slowest = max(f.render_time("1080P", f.max_seconds) for f in models.catalogue().families.values())
    assert slowest == 14 * 60                        # a 15 s 1080P clip on HappyHorse 1.0
    assert config.Settings(data_dir=".").job_deadline >= 2 * slowest
