"""The reference-token rule (reference to video, video edit): the prompt names each picture the way the
active backend reads it ("[Image 2]" on inference.sh and the preview, "character2" on DashScope).

Near-misses ("@image2", "image 2", "Image2", "[img2]", "图2", "图片2", the other backend's style) are
named, and the rewrite writes every one of them in the active style.
"""

from __future__ import annotations

from studio.advice.crowd import PLURAL, SUBJECT, noun_phrase_start
from studio.advice.draft import Draft
from studio.advice.items import say
from studio.prompts import reference_mentions, restyle


def tokens_fires(prompt: str, variant: str, style: str) -> bool:
    mentions = reference_mentions(prompt)
    if not mentions:
        return variant == "r2v"  # an edit may name no reference at all
    return any(token.text != style.format(n=token.slot) for _, _, token in mentions)


def tokens(prompt: str, lang: str, variant: str, style: str) -> Draft:
    first, second = style.format(n=1), style.format(n=2)
    mentions = reference_mentions(prompt)
    if not mentions:
        return Draft(say(lang, "The prompt does not say which reference is which.", "提示词没有写明哪张参考图是谁。"),
                     say(lang, f"Name the pictures by slot ({first}, {second}…)", f"按槽位称呼参考图（{first}、{second}…）"),
                     _name_first_subject(prompt, first, lang), added=first)
    off = list(dict.fromkeys(t.text for _, _, t in mentions if t.text != style.format(n=t.slot)))
    listing = say(lang, ", ", "、").join(f"“{text}”" for text in off[:3]) + ("…" if len(off) > 3 else "")
    one = len(off) == 1
    return Draft(say(lang, f"{listing} {'is' if one else 'are'} not how this backend names references (it reads "
                           f"{first}, {second}…), so the model would not tie {'it' if one else 'them'} to a picture.",
                     f"{listing}不是当前后端称呼参考图的写法（它认的是 {first}、{second}…），模型不会把它对应到图片。"),
                 say(lang, "Write every reference in this backend's style", "按当前后端的写法称呼每张参考图"),
                 restyle(prompt, style), added=" ".join(style.format(n=t.slot) for _, _, t in mentions))


def _name_first_subject(prompt: str, token: str, lang: str) -> str:
    """The first person or animal named becomes the first reference ("A woman walks" -> "[Image 1] walks");
    with none, the token leads the prompt."""
    m = next((m for m in SUBJECT.finditer(prompt) if m.group(0).lower() not in PLURAL), None)
    if m is None:
        return f"{token}{say(lang, ': ', '：')}{prompt}"
    return prompt[:noun_phrase_start(prompt, m)] + token + prompt[m.end():]
