"""Learned timing: how long a task with these settings takes, and when to ask about it.

The ledger keeps each finished task's provider run time (create answered ->
provider reported it done) under its shape: backend, variant, resolution,
output length and model (rows from before models are HappyHorse 1.0's).
From the newest HISTORY of them, estimate() takes robust quantiles (10th,
50th, 90th percentile: one or two odd tasks move nothing). Without history,
what a user is told comes from the model's typical render time in the
catalogue (typical_seconds): a 15 s 1080P clip takes about 12 minutes on
HappyHorse 1.1, so nothing assumes a clip is done in 5. The same two figures
stretch a job's deadline (deadline_seconds) when the owner's is shorter than
its shape usually needs.

next_delay() plans status reads from that estimate, as a pure function of the
time since the task was created:

    no estimate (cold)   1 s gaps, then 2 s, 4 s, 5 s: the official dashscope
                         SDK's own loop (1 s doubling every 3 reads up to 5 s),
                         minus its read at 0 s
    before the window    one sparse read halfway (at most EARLY_MAX apart), then
                         the window's start
    in the window        dense reads, the window split into about DENSE_READS,
                         or into the reads the SDK would have made by its end
    after the window     gaps growing with the lateness, up to the cold 5 s

A provider's task never gets more status reads than the SDK's loop would have
sent by the same time: the k-th read waits for the SDK's k-th (sdk_read_time),
so at any finish time T the studio has read at most as often (reads saved early
are spent in the window). Every delay is also at least the job's share of the
backend's request rate, and at least what is left of a 429 pause. Times in the constants are model
seconds; `scale` shrinks them (tests and benchmarks run time faster), while
estimates come from measured, already scaled, run times.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio import models
from studio.jobs.model import Job, JobState
from studio.variants import Request

if TYPE_CHECKING:
    from studio.jobs.ledger import Ledger

HISTORY = 50       # newest finished tasks of a shape an estimate looks at
MIN_SAMPLES = 3    # fewer than this: no estimate, the cold schedule
COLD_GAPS = ((2.0, 1.0), (8.0, 2.0), (20.0, 4.0))  # (until elapsed, gap): the SDK's loop
COLD_MAX = 5.0     # the SDK's longest gap; also the longest gap for a late task
DENSE_READS = 12   # reads spent across the likely-finish window
MIN_GAP = 0.25     # densest reads of one task, seconds
MAX_DENSE = 2.0    # sparsest reads inside the window (keeps the wait under 1 s on average)
WIDEN = 0.15       # the window reaches this share of its width beyond the 10th/90th percentile
MARGIN = 0.03      # ... and this share of the median, for tight histories
LATE_GROWTH = 0.25  # after the window, the gap grows by this share of the lateness
EARLY_MAX = 30.0   # longest gap before the window (a task that fails early is seen within this)
SDK_READS = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 20.0)  # the SDK's first reads; then every COLD_MAX
DEADLINE_TYPICAL = 2.0  # a job's deadline is at least this many times its model's typical render time
DEADLINE_LEARNED = 2.0  # ... and this many times the slowest usual run time (90th percentile) of its shape


def shape_key(backend: str, variant: str, resolution: str, seconds: float | None,
              model: str | None = None) -> str:
    """The settings a task's run time depends on, as one string the ledger indexes (the model last, so
    the ledger's migration 9 could mark every earlier run time as HappyHorse 1.0's)."""
    length = f"{float(seconds or 0):g}"
    return f"{backend}/{variant}/{resolution}/{length}s/{model or models.LEGACY}"


def request_shape(backend: str, request: Request, output_seconds: float | None) -> str:
    return shape_key(backend, request.variant.value, request.resolution, output_seconds or request.duration,
                     request.model)


def job_shape(job: Job) -> str:
    return request_shape(job.backend, job.request, job.quote.get("output_seconds"))


@dataclass(frozen=True)
class Estimate:
    """How long tasks of one shape took at the provider, in seconds."""

    samples: int
    low: float     # 10th percentile
    median: float
    high: float    # 90th percentile

    @property
    def window(self) -> tuple[float, float]:
        """When the task most likely finishes: dense reads go here."""
        pad = WIDEN * (self.high - self.low) + MARGIN * self.median
        return max(0.0, self.low - pad), self.high + pad


def quantile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of an already sorted, non-empty sequence."""
    pos = q * (len(ordered) - 1)
    below, above = math.floor(pos), math.ceil(pos)
    return ordered[below] + (ordered[above] - ordered[below]) * (pos - below)


def estimate(seconds: Sequence[float]) -> Estimate | None:
    """Robust summary of recent run times (newest first; only HISTORY of them count)."""
    recent = sorted(s for s in list(seconds)[:HISTORY] if s >= 0)
    if len(recent) < MIN_SAMPLES:
        return None
    return Estimate(len(recent), quantile(recent, 0.1), quantile(recent, 0.5), quantile(recent, 0.9))


def learned(ledger: Ledger, shape: str) -> Estimate | None:
    """The estimate from the ledger's newest HISTORY run times of tasks of this shape."""
    return estimate(ledger.run_times(shape, HISTORY))


def reading_densely(elapsed: float, est: Estimate | None, scale: float = 1.0) -> bool:
    """Whether a task is in its frequent-read phase (cold, in or after its window)."""
    return est is None or elapsed >= est.window[0] - dense_gap(est, scale)


def sdk_read_time(k: int) -> float:
    """When the official SDK's k-th status read goes out (k from 1: its first is at once), model seconds."""
    if k <= len(SDK_READS):
        return SDK_READS[k - 1]
    return SDK_READS[-1] + COLD_MAX * (k - len(SDK_READS))


def sdk_reads_by(t: float) -> int:
    """How many status reads the official SDK has sent by model second t (at or before it)."""
    if t < 0:
        return 0
    if t < SDK_READS[-1] + COLD_MAX:
        return sum(1 for at in SDK_READS if at <= t + 1e-9)
    return len(SDK_READS) + int((t - SDK_READS[-1]) / COLD_MAX + 1e-9)


def dense_gap(est: Estimate, scale: float = 1.0) -> float:
    start, end = est.window
    return min(max((end - start) / DENSE_READS, MIN_GAP * scale), MAX_DENSE * scale)


def cold_gap(elapsed: float, scale: float = 1.0, longest: float = COLD_MAX) -> float:
    for until, gap in COLD_GAPS:
        if elapsed < until * scale:
            return min(gap, longest) * scale
    return min(COLD_MAX, longest) * scale


def planned_gap(elapsed: float, est: Estimate | None, scale: float = 1.0, longest: float = COLD_MAX,
                reads: int | None = None) -> float:
    """Seconds from now to the next status read, from the estimate alone.

    longest (model seconds) caps the gaps of the cold and late phases: a local
    backend asks more often. The early phase stays sparse, up to EARLY_MAX.
    reads: the status reads this task has had, when it reads no more than the SDK
    (the window is then split into the reads the SDK would have left).
    """
    if est is None:
        return cold_gap(elapsed, scale, longest)
    start, end = est.window
    gap = dense_gap(est, scale)
    if elapsed < start:
        halfway = min(start / 2, elapsed + EARLY_MAX * scale)
        if elapsed < halfway - gap:
            return halfway - elapsed
        return max(start - elapsed, MIN_GAP * scale)
    if elapsed <= end:
        left = None if reads is None else sdk_reads_by(end / scale) - reads
        return gap if left is None or left <= 0 else max(gap, (end - elapsed) / left)
    return min(gap + LATE_GROWTH * (elapsed - end), max(gap, min(COLD_MAX, longest) * scale))


def next_delay(elapsed: float, est: Estimate | None, *, scale: float = 1.0, longest: float = COLD_MAX,
               min_gap: float = 0.0, paused_for: float = 0.0, reads: int | None = None) -> float:
    """The delay before the next status read, within the shared rate, any 429 pause and the SDK's count.

    min_gap is this task's share of the backend's request rate (seconds between
    calls times the tasks reading densely now, see BackendLimits.share);
    paused_for is what is left of a pause; reads is how many status reads the
    task has had (None: a local backend, not held to the SDK's count).
    """
    planned = max(planned_gap(elapsed, est, scale, longest, reads), min_gap, paused_for)
    if reads is None:
        return planned
    return max(planned, sdk_read_time(reads + 1) * scale - elapsed)


def reads_until(finish: float, est: Estimate | None, *, scale: float = 1.0, min_gap: float = 0.0,
                limit: int = 10_000) -> list[float]:
    """The read times a provider's task finishing at `finish` gets (the last one sees it done)."""
    times: list[float] = []
    t = 0.0
    while len(times) < limit:
        t += next_delay(t, est, scale=scale, min_gap=min_gap, reads=len(times))
        times.append(t)
        if t >= finish:
            break
    return times


@dataclass(frozen=True)
class Expected:
    """What a user is told: the usual time for these settings and, once running, what is left."""

    seconds: float | None         # median run time; None without enough history
    low: float | None = None
    high: float | None = None
    samples: int = 0
    elapsed: float | None = None  # since the provider took the task
    left: float | None = None     # None when unknown, or already later than usual

    @property
    def late(self) -> bool:
        return self.high is not None and self.elapsed is not None and self.elapsed > self.high


def typical_seconds(job: Job) -> float | None:
    """Before this studio has history for a shape: the catalogue's render time for the job's model
    (a 15 s 1080P clip takes about 12 min on HappyHorse 1.1). None for a preview or an emulator."""
    return None if job.is_test else typical_for(job.request, job.quote.get("output_seconds"))


def typical_for(request: Request, output_seconds: float | None) -> float | None:
    """The catalogue's render time of a request's model at its resolution and length (None when it has none)."""
    family = models.catalogue().families.get(request.model or "")
    seconds = output_seconds or request.duration
    if family is None or not seconds or request.resolution not in family.render_seconds:
        return None
    return family.render_time(request.resolution, float(seconds))


def deadline_seconds(configured: float, typical: float | None, est: Estimate | None) -> float:
    """How long the studio waits for a job before it stops waiting (and cancels the task if it still can):
    the owner's STUDIO_JOB_DEADLINE, stretched for a shape that usually takes longer. A 15 s 1080P clip takes
    about 12 min on HappyHorse 1.1 and 14 on 1.0, so a deadline set to 5 min would cut every one of them:
    a job gets at least DEADLINE_TYPICAL times its model's typical render time, and DEADLINE_LEARNED times
    the slowest usual run (90th percentile) of its shape here."""
    return max(configured, DEADLINE_TYPICAL * (typical or 0.0), DEADLINE_LEARNED * (est.high if est else 0.0))


def expected(est: Estimate | None, elapsed: float | None = None, typical: float | None = None) -> Expected:
    """What to tell the user: from the learned estimate, else from the model's typical time (no range)."""
    if est is None:
        left = None if typical is None or elapsed is None or elapsed > typical else typical - elapsed
        return Expected(typical, elapsed=elapsed, left=left)
    left = None
    if elapsed is not None and elapsed <= est.high:
        left = max(0.0, est.median - elapsed)
    return Expected(est.median, est.low, est.high, est.samples, elapsed, left)


def expected_of(ledger: Ledger, job: Job) -> Expected:
    """How long the job's settings usually take at the provider and, while it runs there, the time left."""
    since = ledger.running_since(job.id) if job.state is JobState.RUNNING else None
    return expected(learned(ledger, job_shape(job)), None if since is None else max(0.0, time.time() - since),
                    typical_seconds(job))
