"""The gallery's search and filters arrive from the browser: whatever their shape, what the page keeps is five
checked values, and the ledger's Filter made from them is bounded."""

from __future__ import annotations

import pytest

from studio.ui import filters

KEYS = {"variant", "state", "backend", "search", "favourites"}


def test_what_a_page_chooses_is_kept_as_it_was_chosen():
    chosen = {"variant": "r2v", "state": "failed", "backend": "model:wan2.7", "search": "paper boat",
              "favourites": True}
    assert filters.chosen(chosen) == chosen
    f = filters.filter_of(chosen)
    assert (f.variant, f.state, f.backend, f.model, f.search, f.favourites) == (
        "r2v", "failed", None, "wan2.7", "paper boat", True)
    assert filters.filter_of({"backend": "dashscope"}).backend == "dashscope"
    assert filters.filter_of(filters.NONE) == filters.filter_of(None)


@pytest.mark.parametrize("hostile", [
    None, "heron", ["t2v"], 7, {"variant": ["t2v"], "state": {"$ne": 1}, "favourites": "true"},
    {"state": "'; DROP TABLE jobs; --", "variant": "nope", "favourites": 1},
    {"search": "x" * 100_000, "backend": "model:" + "w" * 5000}, {"unknown": "key", "search": None},
])
def test_anything_else_reads_as_no_filter_and_stays_bounded(hostile):
    chosen = filters.chosen(hostile)
    assert set(chosen) == KEYS
    assert chosen["favourites"] is False and chosen["variant"] == "" and chosen["state"] == ""
    assert all(isinstance(chosen[k], str) for k in KEYS - {"favourites"})
    assert len(chosen["search"]) <= filters.SEARCH_CHARS and len(chosen["backend"]) <= 80
    f = filters.filter_of(hostile)
    assert f.variant is None and f.state is None and f.favourites is False
    assert len(f.search) <= filters.SEARCH_CHARS and (f.model is None or len(f.model) <= 64)


def test_the_box_is_static_html_with_named_native_controls():
    box = filters.box_html()
    for elem_id in ("hh-search", "hh-favs", "hh-f-variant", "hh-f-state", "hh-f-backend"):
        assert f'id="{elem_id}"' in box
    assert box.count("<select") == 3 and 'aria-label="State"' in box and 'aria-label="Kind of clip"' in box and 'type="search"' in box
    assert all(f'value="{v}"' in box for _, v in filters.STATES)
