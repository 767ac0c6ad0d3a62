"""advise_prompt: every rule that fires for a prompt, in the order a writer would fix them, each with its
rewrite when that rewrite holds up.

A rewrite is offered only when applying it gives text that the same rule no longer fires on, that fires
no rule the prompt did not already fire, that is as well formed as the prompt (no new stray quote,
bracket or comma, no word that is in neither the prompt nor the rule's own wording) and that is in the
prompt's language. Otherwise the advice says what to do in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from studio.advice.crowd import crowded, crowded_fires
from studio.advice.draft import Draft
from studio.advice.edit import defects, describe_change
from studio.advice.items import AdviceItem, AdviceKind, language, say
from studio.advice.lettering import on_screen_text, on_screen_text_fires
from studio.advice.rules import (face_close_up, face_close_up_fires, negative, negative_fires, no_camera,
                                 no_camera_fires, too_long, too_long_fires, vague_light, vague_light_fires)
from studio.advice.tokens import tokens, tokens_fires

ABOUT = "Prompt"  # as the page labels the box


@dataclass(frozen=True)
class Rule:
    kind: AdviceKind
    fires: Callable[[str], bool]
    draft: Callable[[str, str], Draft]


RULES = (Rule(AdviceKind.CROWDED, crowded_fires, crowded),
         Rule(AdviceKind.NO_CAMERA, no_camera_fires, no_camera),
         Rule(AdviceKind.VAGUE_LIGHT, vague_light_fires, vague_light),
         Rule(AdviceKind.NEGATIVE, negative_fires, negative),
         Rule(AdviceKind.FACE_CLOSE_UP, face_close_up_fires, face_close_up),
         Rule(AdviceKind.ON_SCREEN_TEXT, on_screen_text_fires, on_screen_text),
         Rule(AdviceKind.TOO_LONG, too_long_fires, too_long))


def rules_for(variant: str, token_style: str) -> tuple[Rule, ...]:
    """The rules that apply to a variant: an edit keeps the source clip's camera; references need tokens."""
    rules = tuple(r for r in RULES if not (variant == "edit" and r.kind is AdviceKind.NO_CAMERA))
    if variant in ("r2v", "edit"):
        rules += (Rule(AdviceKind.TOKENS, partial(tokens_fires, variant=variant, style=token_style),
                       partial(tokens, variant=variant, style=token_style)),)
    return rules


def advise_prompt(prompt: str, variant: str = "t2v", token_style: str = "[Image {n}]") -> list[AdviceItem]:
    """Every rule that fires for this prompt, in the prompt's language, each with a rewrite where one holds up."""
    prompt = (prompt or "").strip()
    if not prompt:
        return []
    rules = rules_for(variant, token_style)
    fired = [r for r in rules if r.fires(prompt)]
    kinds = {r.kind for r in fired}
    lang = language(prompt)
    return [_advice(prompt, lang, rule, kinds, rules) for rule in fired]


def _advice(prompt: str, lang: str, rule: Rule, kinds: set[AdviceKind], rules: tuple[Rule, ...]) -> AdviceItem:
    draft = rule.draft(prompt, lang)
    rewrite = draft.rewrite if holds_up(prompt, draft, rule.kind, kinds, rules) else None
    if rewrite is not None:
        change = draft.change or describe_change(prompt, rewrite, lang)
        suggestion = say(lang, f"{draft.how}: {change}.", f"{draft.how}：{change}。")
    else:
        suggestion = draft.otherwise or say(lang, f"{draft.how}.", f"{draft.how}。")
    return AdviceItem(rule.kind, ABOUT, draft.reason, suggestion, rewrite)


def holds_up(prompt: str, draft: Draft, kind: AdviceKind, kinds: set[AdviceKind], rules: tuple[Rule, ...]) -> bool:
    """Whether a rule's rewrite may be offered (see the module docstring)."""
    rewrite = draft.rewrite
    if not rewrite or not rewrite.strip() or rewrite == prompt:
        return False
    if defects(rewrite) - defects(prompt) or _new_words(rewrite, f"{prompt} {draft.added}"):
        return False
    if language(rewrite) != language(prompt):
        return False
    after = {r.kind for r in rules if r.fires(rewrite)}
    return kind not in after and after <= kinds


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _new_words(text: str, source: str) -> set[str]:
    """Words of `text` found nowhere in `source`: what a cut through the middle of a word leaves."""
    return {w.lower() for w in _LATIN_WORD.findall(text)} - {w.lower() for w in _LATIN_WORD.findall(source)}
