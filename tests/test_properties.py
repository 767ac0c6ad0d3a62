"""Property-based tests (hypothesis): request validation, quoting, and the providers' status and
error parsers. Whatever arrives, each answers in its contract (a value, or the one error it may
raise) and never a raw Python error; each case is counted (tests/tally.py).
"""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import pricing, variants
from studio.backends import dashscope, inferencesh
from studio.backends.base import TaskState, TaskStatus
from studio.errors import InputError, ProviderError, TransientError
from studio.service import Studio
from studio import config
from tests.tally import tally

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACTIONS = ("give", "choose", "use", "remove", "retype", "put", "add", "leave", "change", "describe", "trim",
           "upload", "shorten", "move", "join")
SUITE = "properties"

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["720P", "1080p", " 720p ", "5", "3.0", "nan", "inf", "true", "False",
                                           "TRUE", "16:9", "9:16", "\ud800", "a\x00b", "1e400", "-0"]),
    st.lists(st.one_of(st.none(), st.text(max_size=5)), max_size=3))
texts = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=80)


def refusal_says_what_to_change(e: InputError) -> bool:
    text = str(e)
    text.encode("utf-8")  # a refusal can always be printed and sent
    return any(word in text.lower() for word in ACTIONS) and "Traceback" not in text


@EXAMPLES
@given(duration=anything, resolution=anything, ratio=anything, watermark=anything, seed=anything)
def test_any_typed_value_is_a_request_or_a_refusal_that_says_what_to_change(duration, resolution, ratio,
                                                                             watermark, seed):
    try:
        req = variants.build("t2v", prompt="a horse", duration=duration, resolution=resolution, ratio=ratio,
                             watermark=watermark, seed=seed)
    except InputError as e:
        ok = refusal_says_what_to_change(e)
        tally(SUITE, "build: refused with what to change", ok)
        assert ok, str(e)
        return
    ok = (req.resolution in variants.RESOLUTIONS and isinstance(req.duration, int)
          and 3 <= req.duration <= 15 and req.ratio in variants.RATIOS and isinstance(req.watermark, bool)
          and req.watermark == (watermark is True or (isinstance(watermark, str)
                                                      and watermark.strip().lower() == "true"))
          and (req.seed is None or 0 <= req.seed <= variants.MAX_SEED))
    tally(SUITE, "build: accepted within every limit", ok)
    assert ok, req


@EXAMPLES
@given(prompt=texts)
def test_any_prompt_text_is_kept_whole_or_refused_in_words(prompt):
    try:
        req = variants.build("t2v", prompt=prompt)
    except InputError as e:
        ok = refusal_says_what_to_change(e)
        tally(SUITE, "prompt: refused with what to change", ok)
        assert ok, str(e)
        return
    ok = req.prompt == prompt.strip() and json.loads(json.dumps(req.to_dict(), ensure_ascii=False))["prompt"] == req.prompt
    req.prompt.encode("utf-8")
    ok = ok and variants.Request.from_dict(req.to_dict()) == req
    tally(SUITE, "prompt: accepted, stored and read back the same", ok)
    assert ok


@EXAMPLES
@given(watermark=st.text(max_size=8))
def test_watermark_words_other_than_true_and_false_are_refused(watermark):
    word = watermark.strip().lower()
    try:
        req = variants.build("t2v", prompt="x", watermark=watermark)
    except InputError:
        ok = word not in ("true", "false", "")
    else:
        ok = req.watermark == (word == "true")
    tally(SUITE, "watermark: true/false only", ok)
    assert ok


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    return Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path_factory.mktemp("data")), "STUDIO_BACKEND": "preview"}))


@EXAMPLES
@given(variant=st.sampled_from(["t2v", "i2v", "r2v", "edit", "x", ""]), resolution=anything, duration=anything,
       source=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)))
def test_quote_is_a_price_or_a_refusal(studio, variant, resolution, duration, source):
    try:
        q = studio.core.price(variant, resolution, duration, source)
    except InputError as e:
        ok = refusal_says_what_to_change(e)
        tally(SUITE, "quote: refused with what to change", ok)
        assert ok, str(e)
        return
    billed = q.input_seconds + q.output_seconds
    ok = (math.isfinite(q.total) and q.total >= 0 and abs(q.total - round(billed * q.per_second, 2)) < 1e-9
          and 3 <= q.output_seconds <= 15)
    tally(SUITE, "quote: total = billed seconds x rate", ok)
    assert ok, q


@EXAMPLES
@given(seconds=st.integers(3, 15), more=st.integers(0, 12))
def test_a_longer_or_sharper_clip_never_costs_less(seconds, more):
    def total(resolution, s):
        return pricing.quote(variants.build("t2v", prompt="x", resolution=resolution, duration=s)).total
    longer = min(15, seconds + more)
    ok = total("720P", longer) >= total("720P", seconds) and total("1080P", seconds) >= total("720P", seconds)
    tally(SUITE, "quote: monotone in length and resolution", ok)
    assert ok


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=12)
ds_answers = st.fixed_dictionaries(
    {"output": st.fixed_dictionaries(
        {"task_status": st.sampled_from(list(dashscope.STATES) + ["", "DONE", "succeeded", 3])},
        optional={"video_url": st.one_of(st.none(), st.just(""), st.just("https://x.test/v.mp4"), json_values),
                  "code": st.text(max_size=8), "message": st.text(max_size=20)})},
    optional={"usage": st.one_of(json_values, st.fixed_dictionaries({"duration": json_values})),
              "request_id": st.one_of(st.none(), st.text(max_size=10))})


def parsed_or_refused(parse, data, kind) -> TaskStatus | None:
    try:
        status = parse(data)
    except ValueError:
        tally(SUITE, f"{kind}: unreadable answer refused", True)
        return None
    assert isinstance(status, TaskStatus) and isinstance(status.state, TaskState)
    return status


@EXAMPLES
@given(data=st.one_of(json_values, ds_answers))
def test_dashscope_status_parser_reads_or_refuses_any_answer(data):
    status = parsed_or_refused(dashscope.parse_task, data, "dashscope status")
    if status is None:
        return
    ok = status.state is not TaskState.SUCCEEDED or (
        bool(status.video_url) and (status.billed_seconds is None or math.isfinite(status.billed_seconds)))
    tally(SUITE, "dashscope status: read", ok)
    assert ok, status


@EXAMPLES
@given(data=st.one_of(json_values, st.fixed_dictionaries(
    {"status": st.one_of(st.integers(-2, 16), st.sampled_from(inferencesh.STATUS_NAMES + ("Canceled", "done"))),
     "output": st.one_of(json_values, st.fixed_dictionaries({"video": st.one_of(
         st.just("https://x.test/v.mp4"), st.fixed_dictionaries({"uri": st.text(max_size=5)}), json_values)})),
     "error": st.one_of(st.none(), st.text(max_size=10))})))
def test_inferencesh_status_parser_reads_or_refuses_any_answer(data):
    status = parsed_or_refused(inferencesh.parse_task, data, "inference.sh status")
    if status is None:
        return
    ok = status.state is not TaskState.SUCCEEDED or bool(status.video_url)
    tally(SUITE, "inference.sh status: read", ok)
    assert ok, status


@EXAMPLES
@given(status=st.integers(400, 599), data=st.one_of(json_values, st.fixed_dictionaries(
    {}, optional={"code": st.text(max_size=12), "message": st.text(max_size=30), "type": st.text(max_size=20),
                  "detail": st.text(max_size=20), "request_id": st.text(max_size=8)})))
def test_error_parsers_keep_a_code_and_mark_what_may_pass(status, data):
    for name, parse in (("dashscope", dashscope.parse_error), ("inference.sh", inferencesh.parse_error)):
        e = parse(status, data)
        transient = isinstance(e, TransientError)
        ok = (isinstance(e, ProviderError) and bool(e.code) and e.status == status and isinstance(str(e), str)
              and (transient or not (status == 429 or status >= 500)))
        tally(SUITE, f"{name} error: code kept, 429/5xx retried", ok)
        assert ok, (status, data, e.code, transient)
