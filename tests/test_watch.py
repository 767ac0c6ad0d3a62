"""What each open page follows, kept by the server (studio.ui.watch): answers arriving out of order, twice,
or from another owner cannot drop a job's end."""

import threading

from studio.ui.live import page_of
from studio.ui.watch import Watch

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

    assert page_of("user:ann", Request()) == ("user:ann", "s1")
    assert page_of("user:ann", NoSession()) is None


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
