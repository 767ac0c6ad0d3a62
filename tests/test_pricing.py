import shutil

import pytest

from studio import models, pricing
from studio import variants as v
from studio.errors import InputError
from studio.jobs import messages
from studio.jobs.model import Job


def test_quote_per_second_at_each_resolution_on_the_default_model():
    q = pricing.quote(v.build("t2v", prompt="x", duration=5, backend="dashscope"))
    assert (q.total, q.per_second, q.billed_seconds, q.model) == (0.70, 0.14, 5, "happyhorse-1.1")
    q = pricing.quote(v.build("r2v", prompt="x", references=["a.png"], duration=15, resolution="1080P",
                              backend="dashscope"))
    assert q.total == 2.70 and "on HappyHorse 1.1: 15 s × $0.18/s at 1080P" in q.describe()
    # a door that has not said where the job goes gets a model every backend runs, quoted as such
    q = pricing.quote(v.build("r2v", prompt="x", references=["a.png"], duration=15, resolution="1080P"))
    assert q.total == 3.60 and "on HappyHorse 1.0: 15 s × $0.24/s at 1080P" in q.describe()


def test_a_5_s_1080p_clip_is_0_90_on_1_1_and_1_20_on_1_0():
    on = {m: pricing.quote(v.build("t2v", prompt="x", duration=5, resolution="1080P", model=m))
          for m in ("happyhorse-1.1", "happyhorse-1.0", "wan2.7")}
    assert (on["happyhorse-1.1"].total, on["happyhorse-1.0"].total, on["wan2.7"].total) == (0.90, 1.20, 0.75)
    assert "on HappyHorse 1.0" in on["happyhorse-1.0"].describe()
    assert "third-party price" in on["wan2.7"].describe() and "unconfirmed" in on["wan2.7"].describe()
    assert pricing.quote_shape("t2v", "1080P", 5, model="happyhorse-1.0").total == 1.20


def test_edit_bills_input_plus_output_on_1_0():
    edit = v.build("edit", prompt="warmer", video="a.mp4")
    assert edit.model == "happyhorse-1.0"                     # there is no 1.1 edit
    assert pricing.quote(edit, 6.0).total == 1.68           # the PROTOCOLS.md example: 12 s x 0.14
    long = pricing.quote(edit, 40.0)                          # output is capped at 15 s, input is not
    assert (long.input_seconds, long.output_seconds, long.total) == (40, 15, 7.70)
    assert pricing.quote(edit, 6.02).billed_seconds == 12     # container slack is not a billed second
    assert pricing.quote(edit, 6.4).billed_seconds == 14


def test_prices_are_dated_and_sourced_per_model():
    for model in ("happyhorse-1.1", "happyhorse-1.0", "wan2.7"):
        table = pricing.price_table(model)
        assert table["date"] and table["source"] and table["per_second"]["720P"] > 0
    assert pricing.price_table("happyhorse-1.0")["date"] == "2026-11-01"
    assert not pricing.price_table("wan2.7")["confirmed"]
    assert pricing.quote(v.build("t2v", prompt="x", backend="dashscope")).price_date == \
        pricing.price_table("happyhorse-1.1")["date"]


def test_compare_quote_has_one_line_per_model_and_the_total():
    shot = v.build("t2v", prompt="a horse", duration=5, resolution="1080P")
    quotes = pricing.quote_each(shot, ["happyhorse-1.1", "wan2.7"])
    assert [q.total for q in quotes] == [0.90, 0.75]
    text = pricing.describe_each(quotes)
    assert text.splitlines()[0].startswith("$0.90 on HappyHorse 1.1") and "Wan 2.7" in text.splitlines()[1]
    assert text.splitlines()[-1] == "$1.65 in all for 2 clips"
    wide = v.build("t2v", prompt="a horse", ratio="21:9", model="happyhorse-1.1")
    with pytest.raises(InputError, match="21:9 is not offered on HappyHorse 1.0"):
        pricing.quote_each(wide, ["happyhorse-1.1", "happyhorse-1.0"])
    with pytest.raises(InputError, match="not offered on inference.sh"):
        pricing.quote_each(shot, ["happyhorse-1.1"], backend="inferencesh")


def test_billed_cost_uses_the_price_the_job_was_quoted_at():
    def job(request):
        q = pricing.quote(request)
        return Job(id="j", owner="o", request=request, backend="dashscope", quote=q.to_dict(), quote_usd=q.total)

    on_11 = job(v.build("t2v", prompt="x", duration=5, resolution="1080P", model="happyhorse-1.1"))
    on_10 = job(v.build("t2v", prompt="x", duration=5, resolution="1080P", model="happyhorse-1.0"))
    assert (messages.cost(on_11, 5), messages.cost(on_10, 5)) == (0.90, 1.20)
    old = Job.from_row({**on_10.to_row(), "quote": '{"per_second": 0.24}',
                        "request": '{"variant": "t2v", "prompt": "x", "resolution": "1080P", "duration": 5}'})
    assert old.request.model == "happyhorse-1.0" and messages.cost(old, 5) == 1.20  # a row from before models
    assert pricing.cost("1080P", 5, "happyhorse-1.1") == 0.90


def test_an_owner_edits_a_price_in_the_catalogue_and_the_next_quote_uses_it(tmp_path, monkeypatch):
    path = tmp_path / "catalogue.toml"
    shutil.copyfile(models.PATH, path)
    monkeypatch.setattr(models, "PATH", path)
    shot = v.build("t2v", prompt="x", duration=5, resolution="1080P", backend="dashscope")
    assert pricing.quote(shot).total == 0.90
    text = path.read_text()
    path.write_text(text.replace('"1080P" = 0.18', '"1080P" = 0.2', 1)
                        .replace('t2v = { dashscope = "happyhorse-1.1-t2v" }',
                                 't2v = { dashscope = "happyhorse-1.1-t2v", inferencesh = "alibaba/happyhorse-1-1-t2v" }'))
    assert pricing.quote(shot).total == 1.00                     # no restart, no Python
    assert v.build("t2v", prompt="x", backend="inferencesh").model == "happyhorse-1.1"  # a new app id is offered
    assert v.build("t2v", prompt="x").model == "happyhorse-1.1"      # ... and now every backend runs 1.1
    path.write_text(text.replace('"1080P" = 0.18', '"1080P" = "cheap"', 1))
    with pytest.raises(models.CatalogueError, match=r"families.happyhorse-1.1.prices.1080P must be a number"):
        pricing.quote(shot)
