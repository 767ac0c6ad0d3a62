"""A job's phase: the one rule that reads a (state, error code) pair, in Python and in SQL, agreeing."""

from __future__ import annotations

import itertools
import sqlite3

from studio.jobs.model import JobState, Phase, phase_of, phase_sql

CODES = (None, "deadline", "kept_billed", "stopped_waiting", "not_sent", "link_expired", "not_collected",
         "cancelled", "needs_key", "provider_error", "")


def test_the_sql_fragment_selects_exactly_the_jobs_of_each_phase():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE jobs (state TEXT, error_code TEXT)")
    pairs = list(itertools.product(JobState, CODES))
    db.executemany("INSERT INTO jobs VALUES (?, ?)", [(s.value, c) for s, c in pairs])
    for phase in Phase:
        found = set(db.execute(f"SELECT state, error_code FROM jobs WHERE {phase_sql(phase)}").fetchall())
        assert found == {(s.value, c) for s, c in pairs if phase_of(s, c) is phase}, phase
    both = db.execute(f"SELECT COUNT(*) FROM jobs WHERE {phase_sql(Phase.OWED, Phase.DONE)}").fetchone()[0]
    assert both == sum(phase_of(s, c) in (Phase.OWED, Phase.DONE) for s, c in pairs)
    assert db.execute(f"SELECT COUNT(*) FROM jobs WHERE {phase_sql()}").fetchone()[0] == 0


def test_phases_say_what_the_studio_does_with_a_job():
    assert phase_of(JobState.RUNNING, "needs_key") is Phase.WORKING  # waiting for a key is still working
    assert phase_of(JobState.CANCELLED, "stopped_waiting").at_provider  # the provider may still bill it
    assert not phase_of(JobState.CANCELLED, "cancelled").billed  # cancelled in time
    assert phase_of(JobState.FAILED, "deadline").watched and phase_of(JobState.FAILED, "deadline").collectable
    assert not phase_of(JobState.FAILED, "provider_error").billed
    assert phase_of(JobState.UNCOLLECTED, "link_expired").collectable
    assert not phase_of(JobState.UNCOLLECTED, "link_expired").watched  # collected on request only
    assert phase_of(JobState.FAILED, "kept_billed").billed
