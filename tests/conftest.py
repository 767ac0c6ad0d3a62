"""Prints the counting suites' table (tests/tally.py) at the end of the run."""

from tests.tally import table


def pytest_terminal_summary(terminalreporter):
    lines = table()
    if lines:
        terminalreporter.section("cases tried and passed, by kind")
        for line in lines:
            terminalreporter.write_line(line)
