"""Compare (the compare section): the same shot on 2-3 models, quoted as one and sent as linked jobs.

    prepare(variant, models, **fields)  the shot as a request, from a form's, the API's or the command
                                        line's fields (built on the first compared model that takes it all)
    quote(caller, request, models)      one quote with a line per model (each at its own catalogue price);
                                        a model that cannot make the shot is refused in words first
    start(caller, request, models)      the jobs, sent together: same prompt, images, duration, resolution,
                                        ratio and seed (one is picked when the request has none), all or
                                        none under the caps; each keeps its lineage (a frame's clip is its
                                        parent). send(caller, quote) sends a quote already shown.
    group(caller, compare_id)           the jobs of a compare in the order the models were chosen (after a
                                        reload); of(caller, job_id) the compare a job is in; recent(caller)
    pick(caller, job_id)                "pick this one": it is starred, the others of its compare are not;
                                        the chain continues from it as from any clip (studio.service.chain)

`request` is the Request the core's prepare() builds (or the Prepared itself): its model is replaced by each
compared model. Wan 2.7's own fields go to the models that take them (a negative prompt only to Wan 2.7), and
the quote says so. The jobs are recorded in one transaction (Ledger.add_group) and only then sent. Each job's
record names its compare (compare_id, compare_position).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from studio import budgets, chain, models
from studio.errors import InputError, NotFound
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job
from studio.model_choice import BACKEND_NAMES, has, why_not
from studio.parse import MAX_SEED, shown
from studio.pricing import Quote
from studio.service.caller import Caller
from studio.service.core import TWIN_SECONDS, Core, Prepared
from studio.variant_kinds import TAKES_DURATION, TAKES_RATIO
from studio.variants import Request

MIN_MODELS, MAX_MODELS = 2, 3
MAX_ID = 64  # a compare id is 16 hex characters; anything longer is no compare of this studio


@dataclass(frozen=True)
class Line:
    """One model's line of a compare's quote: its request, checked and quoted on that model."""

    model: str
    label: str
    prepared: Prepared
    note: str | None = None  # what this model is sent differently (a field it does not take)

    @property
    def quote(self) -> Quote:
        return self.prepared.quote

    @property
    def total(self) -> float:
        return self.quote.total

    def describe(self) -> str:
        return self.quote.describe() + (f" ({self.note})" if self.note else "")

    def to_dict(self) -> dict[str, Any]:
        return self.quote.to_dict() | {"label": self.label, "note": self.note, "text": self.describe()}


@dataclass(frozen=True)
class CompareQuote:
    """What a compare costs, line by line, before anything is sent; start() sends exactly these lines."""

    lines: tuple[Line, ...]
    backend: str
    seed: int | None  # the shot's seed; None: one is picked when it is sent, the same for every model

    @property
    def total(self) -> float:
        return round(sum(line.total for line in self.lines), 2)

    @property
    def models(self) -> list[str]:
        return [line.model for line in self.lines]

    def describe(self) -> str:
        seed = f"seed {self.seed}" if self.seed is not None else "one seed picked for all"
        return "\n".join([line.describe() for line in self.lines] +
                         [f"${self.total:.2f} in all for {len(self.lines)} clips of the same shot ({seed})"])

    def to_dict(self) -> dict[str, Any]:
        return {"lines": [line.to_dict() for line in self.lines], "total": self.total, "models": self.models,
                "backend": self.backend, "seed": self.seed, "text": self.describe()}


class Compare:
    def __init__(self, core: Core, ledger: Ledger):
        self.core = core
        self.ledger = ledger

    # --- before money is spent ---------------------------------------------

    def prepare(self, variant: str, model_ids: Any, **fields: Any) -> Request:
        """The shot as a request, from loosely typed fields (a form, flags, API JSON; `model` is ignored):
        built on the first compared model that takes all of it, so a negative prompt or a ratio only some
        models take is not refused here but said by quote() for the models that do not take it."""
        fams = parse_models(model_ids)
        fields.pop("model", None)
        first: InputError | None = None
        for fam in fams:
            try:
                return self.core.prepare(variant, model=fam.id, **fields).request
            except InputError as e:
                first = first or e
        raise first

    def quote(self, caller: Caller, request: Request | Prepared, model_ids: Any, backend: str | None = None) -> CompareQuote:
        """The shot checked and quoted on each model (InputError naming what to change when one cannot make
        it). Writes nothing and sends nothing."""
        request = request.request if isinstance(request, Prepared) else request
        if not isinstance(request, Request):
            raise InputError("A compare needs the shot's request: build it as for a single clip first.")
        account = caller.account_for(backend)
        name = account.backend if account else self.core.backend_name(backend)
        fams = parse_models(model_ids)
        check_shot(request, fams, name)
        lines = []
        for fam in fams:
            fields, note = _fields_for(request, fam, fams)
            lines.append(Line(fam.id, fam.label, self.core.prepare(request.variant.value, backend=name, **fields), note))
        return CompareQuote(tuple(lines), name, request.seed)

    # --- jobs -----------------------------------------------------------------

    def start(self, caller: Caller, request: Request | Prepared, model_ids: Any, backend: str | None = None,
              *, again: bool = False) -> list[Job]:
        """Quote the shot on each model and send it to all of them (see send)."""
        return self.send(caller, self.quote(caller, request, model_ids, backend), again=again)

    def send(self, caller: Caller, offer: CompareQuote, *, again: bool = False) -> list[Job]:
        """Record one job per line, linked as one compare with the same seed, and start them. The caps see
        the compare's total: refused (BudgetError) as a whole, nothing recorded or sent. The same compare
        again within TWIN_SECONDS returns the jobs already made (a double click pays once), unless `again`."""
        seed = offer.seed if offer.seed is not None else random.randint(0, MAX_SEED)
        compare_id = uuid.uuid4().hex[:16]
        jobs, account = [], None
        for position, line in enumerate(offer.lines):
            job, account = self.core.new_job(caller, line.prepared, offer.backend)
            job.seed, job.compare_id, job.compare_position = seed, compare_id, position  # one seed: comparable
            jobs.append(job)
        cost = 0.0 if offer.backend == "preview" else offer.total
        caps = self.core.settings.budgets
        admit = None if account is not None else (lambda usage: budgets.admit(caps, usage, cost, jobs=len(jobs)))
        added = self.ledger.add_group(jobs, [line.describe() + " · compare" for line in offer.lines], admit=admit,
                                      twin_window=None if again else TWIN_SECONDS)
        if [j.id for j in added] == [j.id for j in jobs]:
            for job in added:
                self.core.launch(job, account)
        return added

    def group(self, caller: Caller, compare_id: Any) -> list[Job]:
        """The caller's jobs of a compare, in the order its models were chosen; NotFound for an unknown compare
        or someone else's (the same answer for both)."""
        if not isinstance(compare_id, str) or not 0 < len(compare_id) <= MAX_ID:
            raise NotFound(str(compare_id)[:MAX_ID + 1])
        jobs = self.ledger.compares.jobs(compare_id, caller.owner)
        if not jobs:
            raise NotFound(compare_id)
        return jobs

    def of(self, caller: Caller, job_id: str) -> list[Job]:
        """The compare a job of the caller's was made in ([] when it was made alone)."""
        job = self.core.job(caller, job_id)
        return self.group(caller, job.compare_id) if job.compare_id else []

    def recent(self, caller: Caller, limit: int = 20) -> list[str]:
        """The caller's compares, newest first."""
        return self.ledger.compares.recent(caller.owner, max(1, min(int(limit), 200)))

    def pick(self, caller: Caller, job_id: str) -> Job:
        """Pick the clip a compare is won by: it is starred and the others of its compare are not. The chain
        continues from it as from any clip (a frame, the final, variations: studio.service.chain)."""
        job = self.core.job(caller, job_id)
        if not job.compare_id:
            raise InputError(f"Job {job.id} was not made in a compare: star it in the gallery instead.")
        chain.finished_clip(job, "picking it")
        for other in self.group(caller, job.compare_id):
            if other.id != job.id and other.favourite:
                self.ledger.update(other.id, favourite=0)
        return job if job.favourite else self.ledger.update(job.id, favourite=1)


def parse_models(value: Any) -> list[models.Family]:
    """2 or 3 different catalogue models, as a list or "a,b" text, in the order given."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(m, str) for m in value):
        raise InputError(f"Models to compare {shown(value)}: give 2 or 3 model names, e.g. happyhorse-1.1,wan2.7.")
    if not MIN_MODELS <= len(value) <= MAX_MODELS:
        raise InputError(f"A compare sends the same shot to {MIN_MODELS} or {MAX_MODELS} models; you gave "
                         f"{len(value)}: choose {MIN_MODELS} or {MAX_MODELS} of {', '.join(models.catalogue().families)}.")
    fams = [models.family(m.strip().lower()) for m in value]
    ids = [f.id for f in fams]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"{twice} is named twice: compare different models (to try one model again, use "
                         "variations).")
    return fams


def check_shot(request: Request, fams: list[models.Family], backend: str) -> None:
    """Every compared model makes this variant on the backend and takes the shot's resolution, ratio and
    duration; else one InputError naming what is not taken, by which model, which models take it, and what
    to choose instead."""
    variant = request.variant
    problems = [reason for f in fams if (reason := why_not(f, variant, backend))]
    if problems:
        raise InputError(" ".join(problems) + " Compare only models that make it.")
    checks: list[tuple[str, Any, Any, Any]] = [
        ("Resolution", request.resolution, lambda f, v: v in f.resolutions, lambda f: f.resolutions)]
    if variant in TAKES_RATIO and request.ratio:
        checks.append(("Aspect ratio", request.ratio, lambda f, v: v in f.ratios, lambda f: f.ratios))
    if variant in TAKES_DURATION and request.duration is not None:
        checks.append(("A duration of", f"{request.duration} s",
                       lambda f, v: f.min_seconds <= request.duration <= f.max_seconds, None))
    for what, value, takes, choices in checks:
        refused = [f for f in fams if not takes(f, value)]
        if not refused:
            continue
        takers = [f for f in models.catalogue().families.values() if has(f, variant, backend) and takes(f, value)]
        where = BACKEND_NAMES.get(backend, backend)
        said = f"{what} {value} is not offered on {_names(refused)}" + \
            (f": only {_names(takers)} take{'s' * (len(takers) == 1)} it on {where}. " if takers else ". ")
        options = []
        if len(takers) >= MIN_MODELS:
            options.append(f"compare models that take {value} ({', '.join(f.id for f in takers)})")
        if choices is None:
            lo, hi = max(f.min_seconds for f in fams), min(f.max_seconds for f in fams)
            options.append(f"choose {lo} to {hi} s, which every model compared makes")
        else:
            common = [c for c in choices(fams[0]) if all(c in choices(f) for f in fams)]
            options.append(f"choose {_either(common)}, which every model compared takes" if common
                           else "compare models that share one")
        advice = " or ".join(options)
        raise InputError(said + advice[0].upper() + advice[1:] + ".")


def _fields_for(request: Request, fam: models.Family, fams: list[models.Family]) -> tuple[dict[str, Any], str | None]:
    """The request's fields for one model: the same shot, with the fields only some models take sent to
    those (a negative prompt to Wan 2.7, the prompt rewrite where a model has one), and a note saying so."""
    fields = request.to_dict()
    fields.pop("variant")
    fields["model"] = fam.id
    notes = []
    if not fam.negative_prompt and request.negative_prompt:
        fields["negative_prompt"] = None
        notes.append(f"{fam.label} takes no negative prompt: sent without it")
    if fam.prompt_extend:
        fields["prompt_extend"] = request.prompt_extend if request.prompt_extend is not None \
            else fam.prompt_extend_default
        if fields["prompt_extend"] and any(not f.prompt_extend for f in fams):
            notes.append(f"{fam.label} rewrites the prompt (prompt rewrite on); the other models get it as written")
    else:
        fields["prompt_extend"] = None
    return fields, "; ".join(notes) or None


def _names(fams: list[models.Family]) -> str:
    labels = [f.label for f in fams]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
