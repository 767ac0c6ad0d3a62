"""Which model a request runs on, and that model's own limits, refused in words.

    resolve(variant, model, backend)   the model family a request uses: the named one, or the default
                                       (HappyHorse 1.1 where the variant has it; 1.0 for edit; on a
                                       backend, only models it has an id or app for; with no backend
                                       named, one that every backend runs)
    offered(variant, backend)          every model for a picker, each available or with why it is not
    parse_ratio / parse_duration / parse_negative_prompt / parse_prompt_extend
                                       the model's own ratios, durations and Wan's extra fields

The facts come from the catalogue (studio.models); the words are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio import models
from studio.errors import InputError
from studio.models import Family
from studio.parse import parse_bool, parse_seconds, parse_text, shown
from studio.variant_kinds import Variant

BACKEND_NAMES = {"dashscope": "DashScope", "inferencesh": "inference.sh", "preview": "the preview"}
DEFAULT_RATIO = "16:9"
DEFAULT_SECONDS = 5


@dataclass(frozen=True)
class Offer:
    """One model as a picker shows it for a variant on a backend."""

    model: str
    label: str
    available: bool
    default: bool
    why_not: str | None   # when not available: the sentence to show beside it
    price_confirmed: bool


def has(fam: Family, variant: Variant, backend: str | None) -> bool:
    """Whether the family makes this variant on this backend (None: not chosen yet; preview: any it has)."""
    if variant.value not in fam.ids:
        return False
    return backend in (None, "preview") or fam.provider_id(variant.value, backend) is not None


def runs_on(variant: Variant, backend: str | None) -> list[Family]:
    return [f for f in models.catalogue().families.values() if has(f, variant, backend)]


def why_not(fam: Family, variant: Variant, backend: str | None) -> str | None:
    """Why this family is not offered for the variant on the backend, or None when it is."""
    if variant.value not in fam.ids:
        where = _labels(runs_on(variant, None))
        return f"{variant.title} runs on {where}: {fam.missing.get(variant.value, f'{fam.label} has no {variant.title.lower()}')}."
    if not has(fam, variant, backend):
        name = BACKEND_NAMES.get(backend, backend)
        reason = fam.missing.get(backend, f"{name} has no {fam.label} {variant.title.lower()} in the catalogue")
        there = runs_on(variant, backend)
        instead = f" On {name}, choose {_ids(there)}." if there else ""
        return f"{fam.label} is not offered on {name}: {reason}.{instead}"
    return None


def default_model(variant: Variant, backend: str | None = None) -> str:
    """The model a request uses when it names none: the catalogue's default (HappyHorse 1.1, or 1.0 for
    edit) where the backend has it, else the first model that backend has.

    backend None means a door has not said where the job goes: then the default is a model every
    backend runs (HappyHorse 1.0 while inference.sh has no 1.1), so the job works wherever it is sent
    at the price it was quoted. Name the backend to get its newest model.
    """
    cat = models.catalogue()
    preferred = cat.families[cat.defaults[variant.value]]
    ordered = [preferred] + [f for f in cat.families.values() if f is not preferred]
    wanted = [backend] if backend else list(models.BACKENDS)
    for fam in ordered:
        if all(has(fam, variant, b) for b in wanted):
            return fam.id
    if backend is None and has(preferred, variant, None):
        return preferred.id
    raise InputError(f"{variant.title} is not offered on {BACKEND_NAMES.get(backend, backend)}: use another backend.")


def resolve(variant: Variant, model: Any = None, backend: str | None = None) -> Family:
    """The family a request uses; InputError naming what works when the model cannot make it there."""
    if model is None or model == "":
        return models.family(default_model(variant, backend))
    if not isinstance(model, str):
        raise InputError(f"Model {shown(model)} is not offered: give its name, e.g. happyhorse-1.1.")
    fam = models.family(model.strip().lower())
    reason = why_not(fam, variant, backend)
    if reason:
        raise InputError(reason)
    return fam


def offered(variant: Variant, backend: str | None) -> list[Offer]:
    """Every model in catalogue order for a picker: available ones first-class, the others with their reason."""
    fams = models.catalogue().families.values()
    default = default_model(variant, backend) if runs_on(variant, backend) else None
    return [Offer(model=f.id, label=f.label, available=has(f, variant, backend), default=f.id == default,
                  why_not=why_not(f, variant, backend), price_confirmed=f.prices.confirmed) for f in fams]


def parse_ratio(value: Any, fam: Family) -> str:
    if value is not None and not isinstance(value, str):
        raise InputError(f"Aspect ratio {shown(value)} is not offered: give it as text, one of {', '.join(fam.ratios)}.")
    ratio = (value or DEFAULT_RATIO).strip()
    if ratio in fam.ratios:
        return ratio
    others = [f for f in models.catalogue().families.values() if ratio in f.ratios]
    if others:
        raise InputError(f"Aspect ratio {ratio} is not offered on {fam.label}, which takes {', '.join(fam.ratios)}: "
                         f"choose one of those, or use {_labels(others)} ({_ids(others)}), which takes {ratio}.")
    raise InputError(f"Aspect ratio {shown(ratio)} is not offered: choose one of {', '.join(fam.ratios)}.")


def parse_duration(value: Any, fam: Family) -> int:
    """Whole seconds in the model's range (HappyHorse 3-15, Wan 2.7 2-15); empty means 5."""
    where = "" if (fam.min_seconds, fam.max_seconds) == (3, 15) else f" on {fam.label}"
    return parse_seconds(value, fam.min_seconds, fam.max_seconds, DEFAULT_SECONDS, where)


def parse_negative_prompt(value: Any, fam: Family) -> str | None:
    """What the clip should not show: only models that take a negative prompt (Wan 2.7)."""
    text = parse_text("The negative prompt", value).strip()
    if not text:
        return None
    if not fam.negative_prompt:
        takers = [f for f in models.catalogue().families.values() if f.negative_prompt]
        raise InputError(f"{fam.label} takes no negative prompt: remove it, or choose {_ids(takers)} "
                         f"({_labels(takers)}), which does.")
    if len(text) > fam.negative_prompt_max:
        raise InputError(f"The negative prompt is {len(text)} characters; {fam.label} reads at most "
                         f"{fam.negative_prompt_max} (the rest would be cut silently): shorten it by {len(text) - fam.negative_prompt_max}.")
    return text


def parse_prompt_extend(value: Any, fam: Family) -> bool | None:
    """Whether the provider rewrites the prompt: always a decision on models that rewrite (sent as
    true or false), None on models that never do. Asking a model that cannot rewrite to do so is refused."""
    wanted = parse_bool("Prompt rewrite", value, default=fam.prompt_extend_default)
    if fam.prompt_extend:
        return wanted
    if wanted:
        takers = [f for f in models.catalogue().families.values() if f.prompt_extend]
        raise InputError(f"{fam.label} has no prompt rewrite: turn it off, or choose {_ids(takers)} "
                         f"({_labels(takers)}), which rewrites prompts.")
    return None


def _labels(fams: list[Family]) -> str:
    return _either([f.label for f in fams])


def _ids(fams: list[Family]) -> str:
    return _either([f.id for f in fams])


def _either(names: list[str]) -> str:
    if not names:
        return "no model"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
