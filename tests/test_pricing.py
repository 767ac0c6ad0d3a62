from studio import pricing, variants as v


def test_quote_per_second_at_each_resolution():
    q = pricing.quote(v.build("t2v", prompt="x", duration=5))
    assert (q.total, q.per_second, q.billed_seconds) == (0.70, 0.14, 5)
    q = pricing.quote(v.build("r2v", prompt="x", references=["a.png"], duration=15, resolution="1080P"))
    assert q.total == 3.60 and "15 s × $0.24/s at 1080P" in q.describe()


def test_edit_bills_input_plus_output():
    edit = v.build("edit", prompt="warmer", video="a.mp4")
    assert pricing.quote(edit, 6.0).total == 1.68           # the PROTOCOLS.md example: 12 s x 0.14
    long = pricing.quote(edit, 40.0)                          # output is capped at 15 s, input is not
    assert (long.input_seconds, long.output_seconds, long.total) == (40, 15, 7.70)
    assert pricing.quote(edit, 6.02).billed_seconds == 12     # container slack is not a billed second
    assert pricing.quote(edit, 6.4).billed_seconds == 14


def test_price_table_is_dated_and_sourced():
    table = pricing.price_table()
    assert table["date"] and table["source"]
    assert pricing.quote(v.build("t2v", prompt="x")).price_date == table["date"]
