"""The model catalogue's types, and reading them from catalogue.toml with every value checked.

A value the studio cannot use is refused with the file and the key that holds it
("families.wan2.7.prices.1080P must be ..."), so an owner who edits the data
learns at once what to change. Nothing here knows about requests or backends'
protocols: ids are plain strings the adapters send.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from studio.errors import StudioError

VARIANTS = ("t2v", "i2v", "r2v", "edit")
BACKENDS = ("dashscope", "inferencesh")   # the preview renders every model; it needs no id
MB = 1024 * 1024
_RATIO = re.compile(r"^[1-9][0-9]?:[1-9][0-9]?$")
_RESOLUTION = re.compile(r"^[1-9][0-9]{2,3}P$")   # "720P": the short side in pixels, then P


class CatalogueError(StudioError, ValueError):
    """The catalogue file cannot be used; the message names the key and what to write."""


@dataclass(frozen=True)
class Limits:
    """Input limits that may differ between models (the rest are the same for all, in studio.variants)."""

    image_max_bytes: int
    edit_video_max_long_side: int
    edit_video_min_short_side: int


@dataclass(frozen=True)
class Prices:
    per_second: Mapping[str, float]   # resolution -> USD per billed second
    date: str
    source: str
    confirmed: bool                   # False: a third-party figure, shown as such


@dataclass(frozen=True)
class Family:
    """One model family (HappyHorse 1.1, ...): what it takes, what it costs, its id per variant and backend."""

    id: str
    label: str
    released: str | None
    ratios: tuple[str, ...]
    min_seconds: int
    max_seconds: int
    resolutions: tuple[str, ...]
    unconfirmed_resolutions: tuple[str, ...]
    negative_prompt: bool
    negative_prompt_max: int              # characters (0 when the model takes none)
    prompt_extend: bool
    prompt_extend_default: bool
    render_seconds: Mapping[str, float]   # resolution -> provider seconds per output second
    prices: Prices
    limits: Limits
    ids: Mapping[str, Mapping[str, str]]  # variant -> backend -> provider id (app)
    missing: Mapping[str, str]            # variant or backend -> why it is not offered
    notes: Mapping[str, str]              # what is unconfirmed about this model, by topic

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(v for v in VARIANTS if v in self.ids)

    def provider_id(self, variant: str, backend: str) -> str | None:
        """The id the provider knows this model by for a variant, or None when it has none."""
        return self.ids.get(variant, {}).get(backend)

    def price(self, resolution: str) -> float:
        return self.prices.per_second[resolution]

    def render_time(self, resolution: str, output_seconds: float) -> float:
        """Typical provider seconds for a clip of this length (before any history says better)."""
        return self.render_seconds[resolution] * output_seconds


@dataclass(frozen=True)
class Catalogue:
    path: Path
    checked: str
    families: Mapping[str, Family]        # in the order they are offered
    defaults: Mapping[str, str]           # variant -> family id
    limits: Limits                        # shared, where a family does not say otherwise
    unconfirmed_limits: Mapping[str, Any]  # the other reading of each disputed limit, and its note

    def all_ratios(self) -> tuple[str, ...]:
        """Every ratio some model takes, in catalogue order."""
        return tuple(dict.fromkeys(r for f in self.families.values() for r in f.ratios))

    def all_resolutions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for f in self.families.values() for r in f.resolutions))


def parse(text: str, path: Path) -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{path} is not valid TOML ({e}): fix the line it names.") from None
    r = _Reader(path)
    limits = r.limits(r.table(data, "limits"), "limits", None)
    order = r.strings(data, "order", "order")
    tables = r.table(data, "families")
    if sorted(order) != sorted(tables) or len(set(order)) != len(order):
        r.fail("order", f"must list each model under [families] once ({', '.join(tables)})")
    families = {fid: r.family(fid, r.table(tables, fid, f"families.{fid}"), limits) for fid in order}
    defaults = r.table(data, "default")
    for variant in VARIANTS:
        fid = r.string(defaults, variant, f"default.{variant}")
        if fid not in families or variant not in families[fid].ids:
            r.fail(f"default.{variant}", f"must name a model that has {variant} (one of "
                   f"{', '.join(f for f in families if variant in families[f].ids)})")
    return Catalogue(path=path, checked=r.string(data, "checked", "checked"), families=MappingProxyType(families),
                     defaults=MappingProxyType({v: defaults[v] for v in VARIANTS}), limits=limits,
                     unconfirmed_limits=MappingProxyType(dict(r.table(r.table(data, "limits"), "unconfirmed",
                                                                      "limits.unconfirmed", {}))))


class _Reader:
    """Typed reads from the parsed TOML; each failure names the key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, what: str) -> None:
        raise CatalogueError(f"{self.path}: {key} {what}. Fix it in the file.")

    def table(self, data: Mapping, name: str, key: str | None = None, default: Any = None) -> Mapping:
        value = data.get(name, default)
        if not isinstance(value, Mapping):
            self.fail(key or name, "must be a table")
        return value

    def string(self, data: Mapping, name: str, key: str, default: str | None = None) -> str:
        value = data.get(name, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be text")
        return value.strip()

    def strings(self, data: Mapping, name: str, key: str, default: list | None = None) -> list[str]:
        value = data.get(name, default)
        if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
            self.fail(key, "must be a list of text")
        return [s.strip() for s in value]

    def flag(self, data: Mapping, name: str, key: str, default: bool | None = None) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def number(self, data: Mapping, name: str, key: str, whole: bool = False) -> float:
        value = data.get(name)
        ok = isinstance(value, int) if whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or not 0 < value < 1e9:
            self.fail(key, f"must be a {'whole ' if whole else ''}number above 0, not {value!r}")
        return value

    def per_resolution(self, data: Mapping, resolutions: list[str], key: str) -> dict[str, float]:
        return {res: float(self.number(data, res, f"{key}.{res}")) for res in resolutions}

    def limits(self, data: Mapping, key: str, shared: Limits | None) -> Limits:
        """The limits a table gives; a family's table may leave any of them to the shared ones."""
        def value(name: str, inherited: float | None) -> float:
            return self.number(data, name, f"{key}.{name}") if name in data or shared is None else inherited

        return Limits(
            image_max_bytes=int(value("image_max_mb", shared and shared.image_max_bytes / MB) * MB),
            edit_video_max_long_side=int(value("edit_video_max_long_side", shared and shared.edit_video_max_long_side)),
            edit_video_min_short_side=int(value("edit_video_min_short_side",
                                                shared and shared.edit_video_min_short_side)))

    def family(self, fid: str, data: Mapping, shared: Limits) -> Family:
        k = f"families.{fid}"
        ratios = self.strings(data, "ratios", f"{k}.ratios")
        for ratio in ratios:
            if not _RATIO.match(ratio):
                self.fail(f"{k}.ratios", f"has {ratio!r}: write ratios as width:height, e.g. \"16:9\"")
        durations = data.get("durations")
        if (not isinstance(durations, list) or len(durations) != 2 or not all(type(d) is int for d in durations)
                or not 1 <= durations[0] <= durations[1] <= 60):
            self.fail(f"{k}.durations", "must be [from, to] in whole seconds, e.g. [3, 15]")
        resolutions = self.strings(data, "resolutions", f"{k}.resolutions")
        for res in resolutions:
            if not _RESOLUTION.match(res):
                self.fail(f"{k}.resolutions", f"has {res!r}: write a resolution as its short side and P, e.g. \"720P\"")
        prices = self.table(data, "prices", f"{k}.prices")
        extend = self.flag(data, "prompt_extend", f"{k}.prompt_extend")
        negative = self.flag(data, "negative_prompt", f"{k}.negative_prompt")
        return Family(
            id=fid, label=self.string(data, "label", f"{k}.label"),
            released=data.get("released") if isinstance(data.get("released"), str) else None,
            ratios=tuple(ratios), min_seconds=durations[0], max_seconds=durations[1], resolutions=tuple(resolutions),
            unconfirmed_resolutions=tuple(self.strings(data, "unconfirmed_resolutions", f"{k}.unconfirmed_resolutions", [])),
            negative_prompt=negative,
            negative_prompt_max=int(self.number(data, "negative_prompt_max", f"{k}.negative_prompt_max", whole=True))
            if negative else 0,
            prompt_extend=extend,
            prompt_extend_default=self.flag(data, "prompt_extend_default", f"{k}.prompt_extend_default", False) and extend,
            render_seconds=MappingProxyType(self.per_resolution(self.table(data, "render_seconds", f"{k}.render_seconds"),
                                                                resolutions, f"{k}.render_seconds")),
            prices=Prices(per_second=MappingProxyType(self.per_resolution(prices, resolutions, f"{k}.prices")),
                          date=self.string(prices, "date", f"{k}.prices.date"),
                          source=self.string(prices, "source", f"{k}.prices.source"),
                          confirmed=self.flag(prices, "confirmed", f"{k}.prices.confirmed")),
            limits=self.limits(self.table(data, "limits", f"{k}.limits", {}), f"{k}.limits", shared),
            ids=MappingProxyType(self.ids(self.table(data, "variants", f"{k}.variants"), k)),
            missing=MappingProxyType(self.missing(self.table(data, "missing", f"{k}.missing", {}), k)),
            notes=MappingProxyType({name[:-len("_note")]: self.string(data, name, f"{k}.{name}")
                                    for name in data if name.endswith("_note")}),
        )

    def ids(self, data: Mapping, k: str) -> dict[str, Mapping[str, str]]:
        ids = {}
        for variant, table in data.items():
            if variant not in VARIANTS:
                self.fail(f"{k}.variants.{variant}", f"is not a variant: use {', '.join(VARIANTS)}")
            table = self.table(data, variant, f"{k}.variants.{variant}")
            for backend in table:
                if backend not in BACKENDS:
                    self.fail(f"{k}.variants.{variant}.{backend}", f"is not a backend: use {', '.join(BACKENDS)}")
            ids[variant] = MappingProxyType({b: self.string(table, b, f"{k}.variants.{variant}.{b}") for b in table})
        if not ids:
            self.fail(f"{k}.variants", "must give at least one variant's provider ids")
        return ids

    def missing(self, data: Mapping, k: str) -> dict[str, str]:
        for name in data:
            if name not in VARIANTS + BACKENDS:
                self.fail(f"{k}.missing.{name}", f"is neither a variant nor a backend ({', '.join(VARIANTS + BACKENDS)})")
        return {name: self.string(data, name, f"{k}.missing.{name}") for name in data}
