"""Prompt advice: what HappyHorse is known to handle badly, said before money is spent.

Each rule reads the prompt (English or Chinese) and, when it fires, gives an AdviceItem with the reason,
what to do and, where it holds up, the whole prompt rewritten (`rewrite`, applied in one click), all in
the prompt's language. Advice never blocks a job; input errors (a token naming an empty slot) are raised
elsewhere (studio.variants.check_tokens). File advice lives in studio.media.quality.

    items.py      AdviceItem, AdviceKind, language()
    prompt.py     advise_prompt: runs the rules, offers a rewrite only when it holds up
    rules.py      camera, light, negatives, close-ups of faces, length
    crowd.py      subjects and actions;  lettering.py  text on screen;  tokens.py  reference tokens
    edit.py       taking phrases out and mending the join; describing a change in words
"""

from studio.advice.items import AdviceItem, AdviceKind, language
from studio.advice.prompt import advise_prompt

__all__ = ["AdviceItem", "AdviceKind", "advise_prompt", "language"]
