"""Small pieces of wording the viewer and its neighbours share, so the same fact reads the same everywhere.

- A seed is a number the user can reuse, or "random" when none was set and the provider did not say which
  it drew: never "None" (#23).
- A title cut to fit ends at a whole word with an ellipsis, never mid-word ("a mountain lak…").
"""

from __future__ import annotations

from studio.jobs.model import Job

NO_PROMPT = {"i2v": "From a first frame", "edit": "An edit", "stitch": "A storyboard"}


def seed_words(job: Job) -> str:
    """The seed the clip was made with, else the one asked for, else "random"."""
    seed = job.seed if job.seed is not None else job.request.seed
    return "random" if seed is None else str(seed)


def cut(text: str, chars: int) -> str:
    """The text on one line, cut at a word boundary to at most `chars` characters (with its ellipsis).

    A single word longer than the room (a URL, a run of CJK text without spaces) is cut where it must."""
    text = " ".join((text or "").split())
    if len(text) <= chars:
        return text
    room = text[:max(chars - 1, 1)]
    at = room.rfind(" ")
    if text[len(room)] != " " and at >= chars // 2:  # mid-word: back to a boundary that keeps most of it
        room = room[:at]
    return room.rstrip(" ,;:.-–—") + "…"


def title(job: Job, chars: int) -> str:
    """The clip's prompt as a title of at most `chars` characters; its kind when it has no prompt."""
    text = " ".join((job.request.prompt or "").split())
    if not text:
        return NO_PROMPT.get(job.request.variant.value, "No prompt")
    return cut(text, chars)
