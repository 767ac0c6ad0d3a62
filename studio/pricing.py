"""Quotes from a dated price table (studio/prices.json), so an owner can update prices without code."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from studio import variants
from studio.errors import InputError
from studio.variants import EDIT_OUTPUT_MAX_SECONDS, Request, Variant

PRICES_PATH = Path(__file__).with_name("prices.json")
MODEL_FAMILY = "happyhorse-1.0"


@functools.cache
def price_table() -> dict:
    return json.loads(PRICES_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Quote:
    resolution: str
    output_seconds: int
    input_seconds: int       # edits only: the source clip is billed too
    per_second: float
    total: float
    price_date: str

    @property
    def billed_seconds(self) -> int:
        return self.output_seconds + self.input_seconds

    def describe(self) -> str:
        if self.input_seconds:
            return (f"${self.total:.2f} on HappyHorse: {self.input_seconds} s in + {self.output_seconds} s out "
                    f"= {self.billed_seconds} s × ${self.per_second:.2f}/s at {self.resolution} "
                    f"(prices of {self.price_date})")
        return (f"${self.total:.2f} on HappyHorse: {self.output_seconds} s × ${self.per_second:.2f}/s "
                f"at {self.resolution} (prices of {self.price_date})")

    def to_dict(self) -> dict:
        return asdict(self) | {"billed_seconds": self.billed_seconds}


def per_second(resolution: str) -> float:
    return float(price_table()["models"][MODEL_FAMILY][resolution])


def billable_seconds(seconds: float) -> int:
    """Whole seconds as a provider bills them: rounded up, ignoring container slack under 0.05 s."""
    return max(0, math.ceil(seconds - 0.05))


def quote(request: Request, source_seconds: float | None = None) -> Quote:
    """What the job costs on HappyHorse. Edits need the source clip's length."""
    if request.variant is Variant.EDIT:
        if source_seconds is None:
            raise ValueError("an edit quote needs the source video's duration")
        input_s = billable_seconds(source_seconds)
        output_s = billable_seconds(min(source_seconds, EDIT_OUTPUT_MAX_SECONDS))
    else:
        input_s, output_s = 0, int(request.duration or 0)
    rate = per_second(request.resolution)
    return Quote(
        resolution=request.resolution,
        output_seconds=output_s,
        input_seconds=input_s,
        per_second=rate,
        total=round((input_s + output_s) * rate, 2),
        price_date=price_table()["date"],
    )


def quote_shape(variant: str, resolution: str | None = None, duration: int | None = None,
                source_seconds: float | None = None) -> Quote:
    """What a job of this shape would cost, before any file is chosen (an edit needs its source's length)."""
    v = variants.parse_variant(variant)
    lo, hi = variants.VIDEO_MIN_SECONDS, variants.VIDEO_MAX_SECONDS
    if v is Variant.EDIT and not (source_seconds and lo <= source_seconds <= hi):
        raise InputError(f"An edit is billed on its source clip too: give the source's length in seconds "
                         f"({lo:g} to {hi:g}).")
    request = Request(v, resolution=variants.parse_resolution(resolution),
                      duration=variants.parse_duration(duration) if v in variants.TAKES_DURATION else None)
    return quote(request, source_seconds if v is Variant.EDIT else None)


def cost(resolution: str, billed_seconds: float) -> float:
    """The charge for seconds a provider reports as billed."""
    return round(billed_seconds * per_second(resolution), 2)
