"""Prints the counting suites' table (tests/tally.py) at the end of the run, workers' counts included; closes
the browser pages a test opened."""

import os
import sys
import tempfile

import pytest

from tests.tally import dump, gather, table

TALLY_DIR = "HAPPYHORSE_TALLY_DIR"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        os.environ[TALLY_DIR] = tempfile.mkdtemp(prefix="happyhorse-tally-")


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput") and os.environ.get(TALLY_DIR):
        dump(os.environ[TALLY_DIR])


def pytest_terminal_summary(terminalreporter):
    if os.environ.get(TALLY_DIR):
        gather(os.environ[TALLY_DIR])
    lines = table()
    if lines:
        terminalreporter.section("cases tried and passed, by kind")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _no_browser_page_outlives_its_test():
    """A page a failed test left open keeps following its studio (and saving its draft) into the next test."""
    yield
    pages = sys.modules.get("tests.browser_fixture")
    if pages is not None:
        pages.close_pages()
