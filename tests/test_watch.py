"""What each open page follows, kept by the server (studio.ui.watch): answers arriving out of order, twice,
or from another owner cannot drop a job's end."""

import threading

import gradio as gr

from studio import pricing, variants
from studio.jobs.model import Job, JobState
from studio.service import Caller
from studio.ui import live
from studio.ui.watch import Latest, Watch, Windows, page_of, seq_of

PAGE = ("local", "session-a")


def test_a_job_is_reported_ended_once_whatever_order_the_redraws_run_in():
    watch = Watch()
    assert watch.follow(PAGE, "j1") is True
    assert watch.follow(PAGE, "j1") is False  # the same job again: already followed
    assert watch.advance(PAGE, {"j1"}) == []  # still running
    # a redraw that read the ledger before j2 was sent answers after Generate followed it
    watch.follow(PAGE, "j2")
    assert watch.advance(PAGE, {"j1"}) == ["j2"]  # the page re-follows a job that is not finished (live.py)
    watch.follow(PAGE, "j2")
    assert watch.advance(PAGE, set()) == ["j1", "j2"]
    assert watch.advance(PAGE, set()) == []  # reported once, not by every later redraw


def test_pages_are_kept_apart_by_owner_and_session_and_the_oldest_is_forgotten():
    watch = Watch(max_pages=2)
    watch.follow(("local", "a"), "j1")
    watch.follow(("anon:x", "a"), "j2")  # another owner sending the same session id
    assert watch.advance(("local", "a"), set()) == ["j1"]
    watch.follow(("local", "b"), "j3")
    watch.follow(("local", "c"), "j4")  # a third page: the least recently seen is forgotten
    assert watch.advance(("anon:x", "a"), set()) == []
    assert watch.advance(("local", "c"), set()) == ["j4"]


def test_page_of_needs_a_session_and_names_the_owner():
    class Request:
        session_hash = "s1"

    class NoSession:
        session_hash = None

    assert page_of(Caller.of("user:ann"), Request()) == ("user:ann", "s1")
    assert page_of(Caller.of("user:ann"), NoSession()) is None


def test_redraws_from_many_threads_report_each_end_exactly_once():
    watch = Watch()
    for n in range(200):
        watch.follow(PAGE, f"j{n}")
    ended: list[str] = []
    lock = threading.Lock()

    def redraw():
        got = watch.advance(PAGE, set())
        with lock:
            ended.extend(got)

    threads = [threading.Thread(target=redraw) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ended) == sorted(f"j{n}" for n in range(200))


def _job(state: JobState, **fields) -> Job:
    request = variants.build("t2v", prompt="A kite over dunes", duration=5, resolution="720P")
    return Job(id="a" * 16, owner="local", request=request, backend="dashscope", state=state,
               quote_usd=pricing.quote(request).total, base_url="https://dashscope-intl.aliyuncs.com", **fields)


def test_the_end_of_a_billed_job_whose_clip_is_still_owed_is_not_called_a_failure(monkeypatch):
    said = []
    monkeypatch.setattr(gr, "Warning", lambda text, **kw: said.append((kw.get("title"), text)))
    monkeypatch.setattr(gr, "Info", lambda text, **kw: said.append((kw.get("title"), text)))
    job = _job(JobState.UNCOLLECTED, cost_usd=0.70, error_message="The download was refused (HTTP 403).")
    live.toast(job)
    title, text = said[-1]
    assert title == "Clip owed" and "failed" not in text
    assert "$0.70 billed, clip not collected yet" in text and "no new charge" in text
    live.toast(_job(JobState.FAILED, error_message="The provider refused the prompt."))
    assert said[-1] == ("Job failed", "“A kite over dunes” failed: The provider refused the prompt.")


def test_only_the_tile_opened_last_is_drawn_when_opens_overlap():
    latest = Latest(max_pages=2)
    first, second = latest.take(PAGE), latest.take(PAGE)  # two clicks running side by side
    assert not latest.is_latest(PAGE, first) and latest.is_latest(PAGE, second)
    other = ("local", "session-b")
    assert latest.is_latest(other, latest.take(other))  # another page's clicks are its own
    assert latest.is_latest(PAGE, second)


def test_a_redraw_that_read_the_viewer_before_a_click_steps_aside():
    latest = Latest()
    opened = latest.current(PAGE)  # the timer's redraw starts reading (nothing opened yet: 0)
    assert latest.is_latest(PAGE, opened)
    latest.take(PAGE)  # "pick this take" is clicked while the redraw reads
    assert not latest.is_latest(PAGE, opened)  # its viewer would be older than the pick's: not drawn
    assert latest.is_latest(PAGE, latest.current(PAGE))  # the redraw after the pick draws it


def test_opens_count_in_the_order_the_user_clicked_whatever_order_they_arrive_in():
    latest = Latest()
    second = latest.take(PAGE, seq=2)  # the second click reached the server first
    first = latest.take(PAGE, seq=1)
    assert first == Latest.STALE and not latest.is_latest(PAGE, first)
    assert latest.is_latest(PAGE, second)
    action = latest.take(PAGE)  # an action on the open clip (no seq) still steps a redraw aside
    assert not latest.is_latest(PAGE, second) and latest.is_latest(PAGE, action)
    third = latest.take(PAGE, seq=3)
    assert latest.is_latest(PAGE, third) and latest.take(PAGE, seq=3) == Latest.STALE  # a repeated seq


def test_a_redraw_holding_an_earlier_clip_does_not_draw_it_back():
    latest = Latest()
    assert latest.showing(PAGE, "a")  # nothing recorded yet: a redraw draws what the page names
    first = latest.take(PAGE, seq=1)
    assert latest.shows(PAGE, first, "a")
    second = latest.take(PAGE, seq=2)
    assert not latest.shows(PAGE, first, "a")  # answered after the second click: steps aside
    opened = latest.current(PAGE)  # a redraw starts, its copy of the page's state still names "a"
    assert latest.shows(PAGE, second, "b")
    assert latest.is_latest(PAGE, opened) and not latest.showing(PAGE, "a") and latest.showing(PAGE, "b")
    assert latest.shows(PAGE, latest.take(PAGE), "")  # closed: no clip is drawn back by a redraw
    assert not latest.showing(PAGE, "b")


def test_a_seq_is_taken_only_as_a_plain_positive_int():
    assert seq_of({"seq": 7}) == 7
    for bad in (0, -1, True, 2**60, 1.5, "7", None, [7]):
        assert seq_of({"seq": bad}) is None, bad
    assert seq_of({}) is None


def test_a_redraw_between_an_open_and_its_answer_draws_only_the_clip_being_opened():
    latest = Latest()
    assert latest.shows(PAGE, latest.take(PAGE, seq=1, job_id="c"), "c")  # the first tile's answer
    latest.take(PAGE, seq=2, job_id="d")  # the second tile's click runs; its lookup has not ended
    opened = latest.current(PAGE)  # the redraw after the first answer starts, still naming "c"
    assert latest.is_latest(PAGE, opened) and not latest.showing(PAGE, "c") and latest.showing(PAGE, "d")
    latest.take(PAGE)  # a pick: its clip is known only when it ends, so no redraw draws one meanwhile
    assert not latest.showing(PAGE, "c") and not latest.showing(PAGE, "d")


def test_a_redraw_holding_the_window_before_a_filter_leaves_the_grid_to_the_filter():
    windows, page, other = Windows(), ("local", "s1"), ("local", "s2")
    before = ({"state": ""}, 24, "newest:")
    assert windows.is_asked(page, *before)  # nothing asked yet: the first view's window is the page's
    windows.ask(page, {"state": "failed"}, 24, "newest:")
    assert not windows.is_asked(page, *before)  # a tick that left the browser before the filter
    assert windows.is_asked(page, {"state": "failed"}, 24, "newest:")
    assert windows.is_asked(other, *before)  # another page (or tab) of the same owner is its own
    windows.ask(page, {"state": "failed"}, 48, "newest:")  # "more"
    assert not windows.is_asked(page, {"state": "failed"}, 24, "newest:")
    assert windows.is_asked(None, *before)  # no session: nothing to contradict


def test_windows_forget_the_least_recently_seen_page():
    windows = Windows(max_pages=2)
    for n in range(3):
        windows.ask(("local", f"s{n}"), {"state": "failed"}, 24, "")
    assert windows.is_asked(("local", "s0"), {}, 24, "")  # forgotten: anything goes again
    assert not windows.is_asked(("local", "s2"), {}, 24, "")


def test_filter_changes_draw_only_the_pages_latest_in_whatever_order_they_run():
    windows, page, other = Windows(), ("local", "s1"), ("local", "s2")
    assert windows.change(page, 1) and windows.latest_change(page, 1)
    assert windows.change(page, 2)  # a second change while the first is drawn
    assert not windows.latest_change(page, 1)  # the first, drawn after it came in, steps aside
    assert windows.latest_change(page, 2)
    assert not windows.change(page, 1)  # a change reaching the server after a later one: never drawn
    assert not windows.change(page, 2)  # nor the same change twice
    assert windows.change(other, 1) and windows.latest_change(other, 1)  # each page counts its own
    assert windows.change(None, None) and windows.latest_change(page, None)  # no page or count: nothing to order
