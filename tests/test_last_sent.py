"""When a page last sent a job from a tab is kept on the server (studio.ui.live.LastSent), in place of a
gr.State in every tab (#22): per page and tab, only for jobs sent, and for a bounded number of pages."""

from studio.ui.live import LastSent

PAGE, OTHER = ("owner-a", "session-1"), ("owner-b", "session-1")  # the same session id, another owner


def test_a_tab_remembers_its_own_last_send_per_page():
    sent = LastSent()
    assert sent.last(PAGE, "text_to_video") == 0.0  # never sent: a first press
    sent.note(PAGE, "text_to_video", 100.0)
    assert sent.last(PAGE, "text_to_video") == 100.0
    assert sent.last(PAGE, "video_edit") == 0.0      # another tab of the page
    assert sent.last(OTHER, "text_to_video") == 0.0  # a borrowed session id is another page
    sent.note(PAGE, "text_to_video", 105.0)
    assert sent.last(PAGE, "text_to_video") == 105.0


def test_no_page_is_always_a_first_press_and_the_oldest_pages_are_forgotten():
    sent = LastSent(size=2)
    sent.note(None, "text_to_video", 1.0)
    assert sent.last(None, "text_to_video") == 0.0
    for n in range(3):
        sent.note((f"o{n}", "s"), "t", float(n + 1))
    assert sent.last(("o0", "s"), "t") == 0.0  # the least recently used went first
    assert sent.last(("o1", "s"), "t") == 2.0 and sent.last(("o2", "s"), "t") == 3.0
