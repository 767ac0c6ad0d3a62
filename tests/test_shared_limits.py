"""An account's limits held by every replica together: slots, the shared pause, taking over a dead one's slot.

Two SharedLimits on one ledger stand for two replicas (the runner makes one per account per process).
"""

import asyncio
import subprocess
import sys

from studio.jobs.ledger import Ledger, process_id
from studio.jobs.model import JobState
from studio.jobs.offloop import OffLoop
from studio.jobs.shared_limits import SharedLimits
from tests.conftest import make_job


def replicas(location, holders):
    """A ledger with four queued jobs, and one account's limits (2 in flight) as each holder sees them."""
    led = Ledger(location)
    for i in range(4):
        led.add(make_job(i))
    return led, [SharedLimits(Ledger(location), "dashscope:", holder, OffLoop(1), 2, 60) for holder in holders]


def test_tasks_in_flight_are_counted_across_replicas(ledger_location):
    me = process_id()
    led, (a, b) = replicas(ledger_location, (me, me))
    for i in range(4):
        led.claim(f"job{i:04d}", me)
    assert a._try_slot("job0000") and b._try_slot("job0001")
    assert not a._try_slot("job0002") and not b._try_slot("job0003")  # 2 in flight for the account
    asyncio.run(a.free_slot("job0000"))
    assert b._try_slot("job0003") and not a._try_slot("job0002")


def test_a_dead_replicas_slot_frees_only_once_its_task_left_the_provider(ledger_location):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = f"{process_id().rpartition(':')[0]}:{dead.stdout.strip()}"
    led, (a, b) = replicas(ledger_location, (gone, process_id()))
    led.claim("job0000", gone)
    led.claim("job0001", gone)
    assert a._try_slot("job0000")
    led.update("job0000", state=JobState.RUNNING)  # sent; job0001 was not yet when its replica died
    assert a._try_slot("job0001")
    led.claim("job0002", process_id())
    led.claim("job0003", process_id())
    assert b._try_slot("job0002")      # the dead replica's unsent job0001 no longer holds a slot
    assert not b._try_slot("job0003")  # its job0000 is still at the provider: the account is full


def test_a_429_seen_by_one_replica_pauses_the_others(ledger_location):
    _, (a, b) = replicas(ledger_location, ("replica-a:1", "replica-b:1"))
    assert asyncio.run(b.paused_for()) == 0
    a.pause(30).result()  # written for every replica
    assert 25 < asyncio.run(b.paused_for()) <= 30
