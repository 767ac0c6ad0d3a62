"""Quotes from the model catalogue's dated prices (studio/models/catalogue.toml), so an owner can update
prices without code. A job is quoted on its own model; a recorded quote keeps the model and price it was
sent with, and the billed cost of a finished job is reckoned at that price."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass
from typing import Any

from studio import model_choice, models, variants
from studio.errors import InputError
from studio.variants import EDIT_OUTPUT_MAX_SECONDS, Request, Variant


@dataclass(frozen=True)
class Quote:
    resolution: str
    output_seconds: int
    input_seconds: int       # edits only: the source clip is billed too
    per_second: float
    total: float
    price_date: str
    model: str = models.LEGACY   # quotes recorded before the catalogue were all HappyHorse 1.0
    price_confirmed: bool = True  # False: a third-party figure (Wan 2.7), said so in the description

    @property
    def billed_seconds(self) -> int:
        return self.output_seconds + self.input_seconds

    @property
    def model_label(self) -> str:
        return models.label(self.model)

    def describe(self) -> str:
        prices = f"prices of {self.price_date}" if self.price_confirmed else \
            f"third-party price of {self.price_date}, unconfirmed"
        if self.input_seconds:
            return (f"${self.total:.2f} on {self.model_label}: {self.input_seconds} s in + {self.output_seconds} s "
                    f"out = {self.billed_seconds} s × ${self.per_second:.2f}/s at {self.resolution} ({prices})")
        return (f"${self.total:.2f} on {self.model_label}: {self.output_seconds} s × ${self.per_second:.2f}/s "
                f"at {self.resolution} ({prices})")

    def to_dict(self) -> dict:
        return asdict(self) | {"billed_seconds": self.billed_seconds, "model_label": self.model_label}


def price_table(model: str | None = None) -> dict[str, Any]:
    """One model's prices (default: text to video's default model) with their date and source."""
    fam = models.family(model or model_choice.default_model(Variant.T2V))
    return {"model": fam.id, "label": fam.label, "currency": "USD", "unit": "per billed second of video",
            "date": fam.prices.date, "source": fam.prices.source, "confirmed": fam.prices.confirmed,
            "per_second": dict(fam.prices.per_second)}


def per_second(resolution: str, model: str | None = None) -> float:
    """USD per billed second at a resolution on a model (default: text to video's default model)."""
    fam = models.family(model or model_choice.default_model(Variant.T2V))
    if resolution not in fam.prices.per_second:
        raise InputError(f"{fam.label} has no price at {resolution}: choose {' or '.join(fam.resolutions)}.")
    return fam.price(resolution)


def billable_seconds(seconds: float) -> int:
    """Whole seconds as a provider bills them: rounded up, ignoring container slack under 0.05 s."""
    return max(0, math.ceil(seconds - 0.05))


def quote(request: Request, source_seconds: float | None = None) -> Quote:
    """What the job costs on its model. Edits need the source clip's length."""
    if request.variant is Variant.EDIT:
        if source_seconds is None:
            raise ValueError("an edit quote needs the source video's duration")
        input_s = billable_seconds(source_seconds)
        output_s = billable_seconds(min(source_seconds, EDIT_OUTPUT_MAX_SECONDS))
    else:
        input_s, output_s = 0, int(request.duration or 0)
    fam = request.family
    rate = per_second(request.resolution, fam.id)
    return Quote(
        resolution=request.resolution,
        output_seconds=output_s,
        input_seconds=input_s,
        per_second=rate,
        total=round((input_s + output_s) * rate, 2),
        price_date=fam.prices.date,
        model=fam.id,
        price_confirmed=fam.prices.confirmed,
    )


def quote_shape(variant: str, resolution: str | None = None, duration: int | None = None,
                source_seconds: float | None = None, model: str | None = None,
                backend: str | None = None) -> Quote:
    """What a job of this shape would cost on a model (default: the variant's), before any file is chosen
    (an edit needs its source's length)."""
    v = variants.parse_variant(variant)
    lo, hi = variants.VIDEO_MIN_SECONDS, variants.VIDEO_MAX_SECONDS
    if v is Variant.EDIT and not (source_seconds and lo <= source_seconds <= hi):
        raise InputError(f"An edit is billed on its source clip too: give the source's length in seconds "
                         f"({lo:g} to {hi:g}).")
    fam = model_choice.resolve(v, model, backend)
    request = Request(v, resolution=variants.parse_resolution(resolution, fam), model=fam.id,
                      duration=model_choice.parse_duration(duration, fam) if v in variants.TAKES_DURATION else None)
    return quote(request, source_seconds if v is Variant.EDIT else None)


def quote_each(request: Request, model_ids: list[str], source_seconds: float | None = None,
               backend: str | None = None) -> list[Quote]:
    """The same shot quoted on each model, in the order given (for a compare). Each model must make the
    variant on the backend and take the shot's resolution, ratio and duration; else InputError naming it."""
    quotes = []
    for model in model_ids:
        fam = model_choice.resolve(request.variant, model, backend)
        variants.parse_resolution(request.resolution, fam)
        if request.ratio:
            model_choice.parse_ratio(request.ratio, fam)
        if request.duration is not None:
            model_choice.parse_duration(request.duration, fam)
        quotes.append(quote(dataclasses.replace(request, model=fam.id), source_seconds))
    return quotes


def describe_each(quotes: list[Quote]) -> str:
    """One line per model, then the total: the quote a compare shows before anything is sent."""
    lines = [q.describe() for q in quotes]
    return "\n".join(lines + [f"${sum(q.total for q in quotes):.2f} in all for {len(quotes)} clips"])


def cost(resolution: str, billed_seconds: float, model: str) -> float:
    """The charge for seconds a provider reports as billed, at the model's catalogue price."""
    return round(billed_seconds * per_second(resolution, model), 2)


def recorded_cost(quoted: dict[str, Any], resolution: str, billed_seconds: float, model: str | None) -> float:
    """The charge for billed seconds at the price the job was quoted at (the catalogue's, for old records)."""
    rate = quoted.get("per_second")
    if isinstance(rate, (int, float)) and quoted.get("model", models.LEGACY) == (model or models.LEGACY):
        return round(billed_seconds * rate, 2)
    return cost(resolution, billed_seconds, model or models.LEGACY)
