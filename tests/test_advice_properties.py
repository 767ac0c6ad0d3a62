"""The advice property (#23 item 8): every rewrite a rule offers is valid text that the same advice accepts,
in the prompt's language, ready to apply in one click.

Over prompts generated from the rules' own vocabularies (English and Chinese, hypothesis) and a corpus
of creator prompts (tests/advice_corpus.py), every AdviceItem that has a rewrite satisfies:
  (a) its rule no longer fires on the rewrite, and the rewrite fires no rule the prompt did not;
  (b) the rewrite is well formed: brackets and quotes balanced, no doubled or stranded punctuation, every
      English word one that the prompt or the rules' own wording has (nothing cut mid-word), every run of
      Chinese made of whole words of the prompt or the rules' wording;
  (c) the rewrite, the reason and the suggestion are in the prompt's language.
The checks below are written here, apart from the code that makes the rewrites, and the rules that can
rewrite every generated form must give a rewrite, so the property is not met by offering none.
"""

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from studio.advice import AdviceKind, advise_prompt, language, rules
from studio.prompts import prompt_budget
from tests.advice_corpus import CORPUS, prompt_of, words_of
from tests.tally import tally

SUITE = "advice rewrites"
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the rules' own wording: what a rewrite may bring in ------------------------------------------------
RULE_WORDS_EN = " ".join([*rules.POSITIVE_EN.values(), rules.LIGHT["en"], rules.LIGHT_ADJECTIVE,
                          rules.LIGHT_PREDICATE, rules.WIDER["en"], rules.WIDER_FILL, rules.CAMERA_ADDED["en"],
                          "two with and Image character"])
RULE_WORDS_ZH = {*rules.POSITIVE_ZH.values(), rules.LIGHT["zh"], rules.WIDER["zh"], rules.CAMERA_ADDED["zh"],
                 "两个", "两只", "两位", "两匹", "两名", "两个路人", "的", "和"}

# --- generated prompts ----------------------------------------------------------------------------------
SUBJECTS_EN = ["a woman", "an old man", "a girl", "a boy", "a dog", "a cat", "a horse", "a robot", "a soldier"]
COUNTS_EN = ["five dancers", "three men", "a group of kids", "several soldiers", "4 dogs"]
MODIFIERS_EN = ["", "", "with no hat", "without an umbrella", "with no shoes"]
ACTIONS_EN = ["walks along the shore", "dances in the rain", "plays in a field", "sits by a window",
              "runs across a bridge"]
STEPS_EN = ["then jumps over a fence", "then turns around", "finally waves goodbye", "then sits down"]
EXTRAS_EN = ["slow push in", "tracking shot", "orbit around them", "static camera", "crane up", "handheld camera",
             "good lighting", "nice light", "no people", "no cars", "no rain", "don't show any boats",
             "without music", "no clouds in the sky", "extreme close-up of her face", "close-up of his eyes",
             "her face fills the frame", 'a neon sign that reads "OPEN"', "a banner that says 'WELCOME HOME'",
             'a T-shirt with the words "HELLO"', "with subtitles", "golden hour", "35mm film grain"]
TOKENS_EN = ["[Image 1]", "@image1", "image 1", "Image1", "character1", "(image 1)", "[img1]", "@Image 1"]

SUBJECTS_ZH = [("一个", "男人"), ("一个", "女人"), ("一个", "女孩"), ("一位", "老人"), ("一只", "猫"), ("一只", "狗"),
               ("一匹", "马"), ("一个", "机器人")]
COUNTS_ZH = [("三个", "孩子"), ("五只", "狗"), ("一群", "人"), ("几位", "舞者")]
PLACES_ZH = [("在", "海边"), ("在", "公园", "里"), ("在", "雨", "中"), ("在", "广场", "上")]
ACTIONS_ZH = [("奔跑",), ("跳舞",), ("散步",), ("看书",)]
STEPS_ZH = [("然后", "跳", "起来"), ("接着", "坐下"), ("最后", "挥手")]
EXTRAS_ZH = [("镜头", "跟拍"), ("航拍",), ("镜头", "缓慢", "推进"), ("光线很好",), ("灯光很好",), ("不要", "下雨"),
             ("没有", "行人"), ("避免", "模糊"), ("不要出现", "汽车"), ("脸部", "大特写"), ("眼睛", "特写"),
             ("墙上", "写着", "“", "欢迎光临", "”", "的", "招牌"), ("配上", "字幕"), ("柔和", "的", "晨光")]
TOKENS_ZH = ["[Image 1]", "图1", "图片1", "@图1", "character1", "【图片1】"]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@st.composite
def english(draw):
    subjects = draw(st.one_of(st.lists(st.sampled_from(SUBJECTS_EN), min_size=1, max_size=4, unique=True),
                              st.sampled_from(COUNTS_EN).map(lambda c: [c])))
    if draw(st.booleans()):
        subjects[0] = draw(st.sampled_from(TOKENS_EN))
    who = subjects[0] if len(subjects) == 1 else ", ".join(subjects[:-1]) + " and " + subjects[-1]
    modifier = draw(st.sampled_from(MODIFIERS_EN))
    clauses = [" ".join(x for x in (who, modifier, draw(st.sampled_from(ACTIONS_EN))) if x)]
    clauses += draw(st.lists(st.sampled_from(STEPS_EN), max_size=3, unique=True))
    clauses += draw(st.lists(st.sampled_from(EXTRAS_EN), max_size=4, unique=True))
    return _sentence(", ".join(clauses)) + draw(st.sampled_from(["", "", "."])), None


@st.composite
def chinese(draw):
    subjects = draw(st.one_of(st.lists(st.sampled_from(SUBJECTS_ZH), min_size=1, max_size=3, unique=True),
                              st.sampled_from(COUNTS_ZH).map(lambda c: [c])))
    pieces: list[str] = []
    if draw(st.booleans()):
        subjects[0] = (draw(st.sampled_from(TOKENS_ZH)),)
    for i, subject in enumerate(subjects):
        pieces += (["和"] if i else []) + list(subject)
    pieces += list(draw(st.sampled_from(PLACES_ZH))) + list(draw(st.sampled_from(ACTIONS_ZH)))
    for clause in (draw(st.lists(st.sampled_from(STEPS_ZH), max_size=3, unique=True))
                   + draw(st.lists(st.sampled_from(EXTRAS_ZH), max_size=4, unique=True))):
        pieces += ["，", *clause]
    if draw(st.booleans()):
        pieces.append("。")
    return "".join(pieces), set(pieces)


# --- the checks -----------------------------------------------------------------------------------------
_PAIRS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "「": "」", "『": "』", "“": "”"}
_STRAY = re.compile(r"[,;，；、]\s*[,;.!?，；。！？、]|[ \t][,.;!?，。；](?=\s|$)|^[\s,.;，。；、]|[,;，；、:：]\s*$"
                    r"|\b(?:and|or|with|of|the|a|then)\s*[.。]?$|[和与的]\s*[。]?$|\S {2,}\S|“\s*”|\(\s*\)"
                    r"|\b(?:and|or|with|the|an?)\s*[,;.!?]|\b(?:and|or|with)\s+(?:and|or|with)\b"
                    r"|\b(?:the|an?)\s+(?:the|an?)\b",
                    re.IGNORECASE)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def unbalanced(text: str) -> int:
    stack, bad = [], 0
    for ch in text:
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in _PAIRS.values():
            if stack and stack[-1] == ch:
                stack.pop()
            else:
                bad += 1
    # an apostrophe inside a word (don't) or a possessive after a reference ([Image 1]'s) is not a quote;
    # one after a reference and before a word ('[Image 1]'slow) is
    singles = re.sub(r"(?<=[A-Za-z])'(?=[A-Za-z])|(?<=\])'(?=s\b)", "", text).count("'")
    return bad + len(stack) + text.count('"') % 2 + singles % 2


def whole_chinese_words(run: str, dictionary: set[str]) -> bool:
    """Can the run be split into dictionary words? (Chinese has no spaces to show a cut word.)"""
    ok = [True] + [False] * len(run)
    for end in range(1, len(run) + 1):
        ok[end] = any(ok[start] and run[start:end] in dictionary for start in range(max(0, end - 12), end))
    return ok[-1]


def problems(prompt: str, rewrite: str, chinese_words: set[str] | None) -> list[str]:
    """What is wrong with a rewrite, as this test sees it (independently of the code that made it)."""
    found = []
    if unbalanced(rewrite) > unbalanced(prompt):
        found.append("unbalanced bracket or quote")
    if len(_STRAY.findall(rewrite)) > len(_STRAY.findall(prompt)):
        found.append(f"stray punctuation: {_STRAY.findall(rewrite)}")
    known = {w.lower() for w in _LATIN.findall(prompt + " " + RULE_WORDS_EN)}
    if new := {w for w in _LATIN.findall(rewrite) if w.lower() not in known}:
        found.append(f"words in neither the prompt nor the rules: {new}")
    if chinese_words is not None:
        dictionary = {run for w in chinese_words | RULE_WORDS_ZH for run in _CJK_RUN.findall(w)}
        found += [f"Chinese cut mid-word: {run}" for run in _CJK_RUN.findall(rewrite)
                  if not whole_chinese_words(run, dictionary)]
    plain = re.sub(r"\[[^\]]*\]|character\d+", "", rewrite)
    if language(prompt) == "en" and _CJK_RUN.search(plain) and not _CJK_RUN.search(prompt):
        found.append("Chinese brought into an English prompt")
    latin_before = {w.lower() for w in _LATIN.findall(prompt)}
    if language(prompt) == "zh" and {w.lower() for w in _LATIN.findall(plain)} - latin_before:
        found.append("English brought into a Chinese prompt")
    if prompt_budget(rewrite).over and not prompt_budget(prompt).over:
        found.append("rewrite over the length limit")
    return found


def check(prompt: str, variant: str, chinese_words: set[str] | None, must_rewrite: bool) -> None:
    items = advise_prompt(prompt, variant)
    kinds = {i.kind for i in items}
    lang = language(prompt)
    for item in items:
        said = language(item.reason) == lang and language(item.suggestion) == lang
        tally(SUITE, f"said in the prompt's language: {item.kind.value}", said)
        assert said, item
        if item.rewrite is None:
            tally(SUITE, f"rewrite offered: {item.kind.value}", not must_rewrite)
            assert not must_rewrite, (prompt, item)
            continue
        after = {i.kind for i in advise_prompt(item.rewrite, variant)}
        wrong = problems(prompt, item.rewrite, chinese_words)
        if item.kind in after:
            wrong.append("the same rule still fires")
        if after - kinds:
            wrong.append(f"new advice: {after - kinds}")
        if language(item.rewrite) != lang:
            wrong.append("rewrite in another language")
        tally(SUITE, f"rewrite holds: {item.kind.value}", not wrong)
        assert not wrong, (prompt, item.rewrite, wrong)


@EXAMPLES
@given(generated=english(), variant=st.sampled_from(["t2v", "i2v", "r2v", "edit"]))
def test_every_rewrite_of_a_generated_english_prompt_holds(generated, variant):
    check(generated[0], variant, None, must_rewrite=True)


@EXAMPLES
@given(generated=chinese(), variant=st.sampled_from(["t2v", "i2v", "r2v", "edit"]))
def test_every_rewrite_of_a_generated_chinese_prompt_holds(generated, variant):
    check(generated[0], variant, generated[1], must_rewrite=True)


@pytest.mark.parametrize("entry,variant,kinds", CORPUS, ids=[prompt_of(e)[:40] for e, _, _ in CORPUS])
def test_creator_prompts_get_their_advice_and_every_rewrite_holds(entry, variant, kinds):
    prompt = prompt_of(entry)
    assert {i.kind.value for i in advise_prompt(prompt, variant)} == kinds
    check(prompt, variant, words_of(entry) if language(prompt) == "zh" else None, must_rewrite=False)


def test_most_corpus_advice_comes_with_a_rewrite():
    items = [i for e, v, _ in CORPUS for i in advise_prompt(prompt_of(e), v)]
    with_rewrite = [i for i in items if i.rewrite]
    assert len(items) >= 35 and len(with_rewrite) >= 0.9 * len(items), [i for i in items if not i.rewrite]


SCRAPS = st.sampled_from(EXTRAS_EN + SUBJECTS_EN + COUNTS_EN + STEPS_EN + TOKENS_EN + TOKENS_ZH
                         + ["".join(c) for c in EXTRAS_ZH + SUBJECTS_ZH + COUNTS_ZH]
                         + [", ", ". ", "，", "。", " and ", "'", '"', "“", "(", ")", "don't", " no ", "\n"])


@EXAMPLES
@given(prompt=st.one_of(st.lists(SCRAPS, max_size=12).map("".join), st.text(max_size=60)))
@example(prompt="'@image1'slow push in")  # a quote closed after a reference is a quote, not a possessive
def test_any_text_gets_advice_whose_rewrites_break_nothing(prompt):
    for variant in ("t2v", "r2v"):
        items = advise_prompt(prompt, variant)
        stripped = prompt.strip()
        for item in (i for i in items if i.rewrite):
            after = {i.kind for i in advise_prompt(item.rewrite, variant)}
            ok = (item.kind not in after and after <= {i.kind for i in items}
                  and unbalanced(item.rewrite) <= unbalanced(stripped)
                  and language(item.rewrite) == language(stripped))
            tally(SUITE, "any text: rewrite breaks nothing", ok)
            assert ok, (prompt, item)


def test_a_long_prompt_is_cut_at_a_sentence_end_outside_its_quotes():
    prompt = ("A horse gallops along the surf at golden hour, tracking shot. " * 78
              + 'Speech in English: "Easy now, easy, we are nearly home." ' * 3)
    item = next(i for i in advise_prompt(prompt) if i.kind is AdviceKind.TOO_LONG)
    assert not prompt_budget(item.rewrite).over and item.rewrite.endswith(".") and not unbalanced(item.rewrite)
    assert prompt.startswith(item.rewrite) and len(item.rewrite) > 0.8 * 5000
    chinese_long = "一匹马在海边奔跑，镜头跟拍。" * 200
    item = next(i for i in advise_prompt(chinese_long) if i.kind is AdviceKind.TOO_LONG)
    assert item.rewrite.endswith("。") and not prompt_budget(item.rewrite).over
    assert language(item.reason) == "zh" and "2500" in item.reason
