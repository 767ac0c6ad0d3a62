"""Prompt advice rules (English and Chinese), the prompt builder, and reference tokens by on-screen slot."""

import json
from pathlib import Path

import pytest

from harness.media import make_image, make_video
from studio import config, variants
from studio.advice import AdviceKind, advise_prompt
from studio.cli import main
from studio.errors import InputError
from studio.prompts import (
    BuilderFields,
    compose,
    examples,
    insert,
    reference_tokens,
    renumber,
)
from studio.service import LOCAL, Caller, Studio

CINEMATIC = [
    "Slow tracking shot following a woman walking through morning fog on a cobblestone street, warm "
    "side-lighting from shop windows, shallow depth of field",
    "A chestnut horse gallops along the surf at golden hour, low tracking shot, spray flying in slow motion",
    "Orbit around a ceramic teapot on a wooden table, steam rising, soft morning light, product commercial",
    "Extreme close-up of water droplets splashing off a leaf in slow motion, macro lens, static camera",
    "Medium shot of a barista, slow push in, late-afternoon window light. Speech in English: \"Your coffee.\"",
    "清晨的薄雾中，一位女子走过石板街道，镜头缓慢跟拍，商店橱窗透出温暖的侧光，浅景深，电影感",
    "黄昏时分，一匹栗色骏马在海边奔跑，低角度跟拍，浪花飞溅，慢动作",
    "雨后的竹林里，一只白鹤展翅起飞，镜头缓慢升降，柔和的晨光，电影感",
]

TRIGGERS = {
    AdviceKind.CROWDED: ["Five people dance in a park, tracking shot",
                         "A man runs, then jumps, then swims across a lake, tracking shot",
                         "A dog, a cat and a horse play in a field, pan left",
                         "一群人在广场上跳舞，航拍", "五个孩子在草地上奔跑，镜头跟拍"],
    AdviceKind.NO_CAMERA: ["a person walking", "A red fox in the snow at dawn", "一个男人在雨中奔跑"],
    AdviceKind.VAGUE_LIGHT: ["A city street with good lighting, dolly in", "A kitchen, well lit, pan right",
                             "她站在窗前，光线很好，镜头推进"],
    AdviceKind.NEGATIVE: ["A street with no people, tracking shot", "A city without cars, pan left",
                          "A beach, don't show any boats, orbit", "街道上不要下雨，镜头跟拍", "广场上没有行人，航拍"],
    AdviceKind.FACE_CLOSE_UP: ["Extreme close-up of her face as she cries, dolly in",
                               "Close-up of a woman's face, static camera", "女孩的脸部大特写，镜头推进"],
    AdviceKind.ON_SCREEN_TEXT: ['A neon sign that reads "OPEN 24 HOURS" above a diner, pan left',
                                "A title card with subtitles, static camera", "墙上写着“欢迎光临”的招牌，镜头推进"],
    AdviceKind.TOO_LONG: ["A horse on a beach, tracking shot. " * 150, "一匹马在海边奔跑，镜头跟拍。" * 200],
}


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")})).start()
    yield s
    s.close()


@pytest.mark.parametrize("prompt", CINEMATIC)
def test_cinematic_prompts_get_no_advice(prompt):
    assert advise_prompt(prompt, "t2v") == []


@pytest.mark.parametrize("kind,prompt", [(k, p) for k, ps in TRIGGERS.items() for p in ps])
def test_each_rule_fires_with_a_reason_and_a_rewrite(kind, prompt):
    items = [i for i in advise_prompt(prompt, "t2v") if i.kind is kind]
    assert len(items) == 1, advise_prompt(prompt, "t2v")
    assert items[0].reason and items[0].suggestion and items[0].about == "Prompt"


def test_rewrites_say_what_to_want_instead():
    def rewrite(kind, prompt):
        return next(i for i in advise_prompt(prompt) if i.kind is kind).rewrite

    assert rewrite(AdviceKind.NEGATIVE, "A street with no people, tracking shot") == \
        "A street with an empty, deserted scene, tracking shot"
    assert rewrite(AdviceKind.NEGATIVE, "街道上不要下雨，镜头跟拍") == "街道上晴朗干燥的天气，镜头跟拍"
    assert rewrite(AdviceKind.VAGUE_LIGHT, "A street with good lighting, dolly in") == \
        "A street with soft golden-hour side light, dolly in"
    assert rewrite(AdviceKind.CROWDED, "Five people dance in a park, tracking shot") == \
        "Two people dance in a park, tracking shot"
    assert rewrite(AdviceKind.CROWDED, "一群人在广场上跳舞，航拍") == "两个人在广场上跳舞，航拍"
    assert rewrite(AdviceKind.FACE_CLOSE_UP, "Extreme close-up of her face, pan") == "Medium close-up of her face, pan"
    assert rewrite(AdviceKind.ON_SCREEN_TEXT, 'A neon sign that reads "OPEN" above a diner, pan') == \
        "A neon sign above a diner, pan"
    assert rewrite(AdviceKind.NO_CAMERA, "一个男人在雨中奔跑") == "一个男人在雨中奔跑，镜头缓慢推进"


def test_the_suggestion_names_the_change_and_the_rewrite_is_the_whole_prompt():
    item = advise_prompt("A city street with no cars at night, static camera")[0]
    assert item.suggestion == "Say what you want instead: “no cars” → “an empty road”."
    assert item.rewrite == "A city street with an empty road at night, static camera"
    assert item.to_dict()["rewrite"] == item.rewrite


def test_edit_instructions_are_not_asked_for_a_camera_move():
    assert advise_prompt("make the lighting warmer", "edit") == []


def test_r2v_prompt_in_another_backends_token_style_is_advised():
    items = advise_prompt("character1 walks in, tracking shot", "r2v", "[Image {n}]")
    assert [i.kind for i in items] == [AdviceKind.TOKENS] and "[Image 1]" in items[0].suggestion
    assert advise_prompt("character1 walks in, tracking shot", "r2v", "character{n}") == []


def test_every_shipped_example_prompt_passes_its_own_advice():
    for variant in ("t2v", "i2v", "r2v", "edit"):
        assert len(examples(variant)) >= 4
        for example in examples(variant):
            assert advise_prompt(example.prompt, variant) == [], example.title


def test_builder_composes_every_field_and_an_empty_builder_adds_nothing():
    text = compose(BuilderFields(subject="a horse", action="gallops", shot="wide shot", camera="crane up",
                                 lens="35mm lens", time_of_day="at dawn", light="soft light", motion="slow motion",
                                 style="cinematic", ambience="waves", effects="hooves",
                                 speech="Easy now", speech_language="Spanish"))
    assert text == ("Wide shot, a horse gallops, crane up, 35mm lens, soft light at dawn, slow motion, cinematic. "
                    "Sound: waves, hooves. Speech in Spanish: \"Easy now\"")
    assert compose(BuilderFields()) == ""
    assert insert("A horse on a beach", "") == "A horse on a beach"


def test_insert_adds_at_the_cursor_or_the_end_and_never_replaces():
    assert insert("A horse on a beach", "Tracking shot.") == "A horse on a beach, tracking shot."
    assert insert("A horse. At dusk.", "Wide shot.", at=9) == "A horse. Wide shot. At dusk."
    assert insert("A horse at dusk", "Galloping.", at=7) == "A horse, galloping, at dusk"
    assert insert("", "Wide shot.") == "Wide shot."


def test_tokens_are_found_and_renumbered_in_both_styles():
    prompt = "[Image 3] hands character2 a cup; [image 3] smiles"
    assert [t.slot for t in reference_tokens(prompt)] == [3, 2, 3]
    assert renumber(prompt, {3: 2, 2: 1}) == "[Image 2] hands character1 a cup; [image 2] smiles"


def test_a_token_naming_an_empty_slot_is_refused_by_its_on_screen_label():
    with pytest.raises(InputError, match=r"names \[Image 5\], but slot Image 5 is empty"):
        variants.build("r2v", prompt="[Image 5] waves", references=["a.png", "b.png", "c.png"])
    with pytest.raises(InputError, match=r"names \[Image 1\], but slot Image 1 is empty"):
        variants.build("r2v", prompt="[Image 1] waves", references=[None, "b.png"])
    with pytest.raises(InputError, match=r"slot Reference 2 is empty"):
        variants.build("edit", prompt="dress him like [Image 2]", video="v.mp4", references=["a.png"])
    with pytest.raises(InputError, match=r"no slot Image 12"):
        variants.build("r2v", prompt="[Image 12] waves", references=["a.png"])


def test_empty_slots_compact_for_the_provider_and_the_request_remembers_both():
    req = variants.build("r2v", prompt="[Image 3] chases [Image 2]", references=[None, "b.png", "c.png"])
    assert req.references == ("b.png", "c.png") and req.reference_slots == (2, 3)
    assert req.prompt == "[Image 2] chases [Image 1]" and req.prompt_written == "[Image 3] chases [Image 2]"
    again = variants.Request.from_dict(req.to_dict())
    fields = again.to_dict()
    fields.pop("variant")
    assert variants.build("r2v", **fields) == req  # a retry rebuilds the same request


def test_the_service_advises_and_refuses_a_token_naming_an_empty_slot(studio, tmp_path):
    ref = str(make_image(tmp_path / "r.png", 800, 800))
    with pytest.raises(InputError, match="slot Image 1 is empty"):
        studio.advice.advise("r2v", "[Image 1] waves, orbit", references=[None, ref])
    assert studio.advice.advise("r2v", "[Image 2] waves, orbit", references=[None, ref]) == []
    job = studio.core.submit(LOCAL, studio.core.prepare("r2v", prompt="[Image 2] waves, orbit", references=[None, ref],
                                                    duration=3))
    record = job.record()["request"]
    assert record["prompt"] == "[Image 1] waves, orbit" and record["prompt_written"] == "[Image 2] waves, orbit"
    assert record["reference_slots"] == [2]


def test_a_bad_reference_is_named_by_its_slot(studio, tmp_path):
    small = str(make_image(tmp_path / "small.png", 300, 300))
    with pytest.raises(InputError, match=r"^Image 3 is 300x300 px"):
        studio.core.prepare("r2v", prompt="[Image 3] waves", references=[None, None, small])
    with pytest.raises(InputError, match=r"^Reference 3 is 200x300 px"):
        studio.core.prepare("edit", prompt="warmer", video=str(make_video(tmp_path / "v.mp4", 640, 360, seconds=3)),
                       references=[None, None,
                       str(make_image(tmp_path / "e.png", 200, 300))])


def test_close_gaps_moves_pictures_up_and_renumbers_the_prompt(studio):
    assert studio.advice.close_gaps("r2v", "[Image 3] meets [Image 2]", [None, "b", "c"]) == (
        "[Image 2] meets [Image 1]", ["b", "c"])
    with pytest.raises(InputError, match="slot Image 1 is empty"):
        studio.advice.close_gaps("r2v", "[Image 1] meets [Image 2]", [None, "b"])


def test_reference_sets_are_per_owner_and_survive_the_upload(studio, tmp_path):
    imgs = [make_image(tmp_path / f"{i}.png", 800, 800 + i * 50) for i in range(3)]
    saved = studio.references.save(Caller.of("alice"), "Captain Mara", [str(p) for p in imgs])
    for p in imgs:
        p.unlink()
    loaded = studio.references.get(Caller.of("alice"), "Captain Mara")
    assert loaded.images == saved.images and all(studio.core.inputs.root in Path(p).parents
                                                 for p in loaded.images)
    assert [s.name for s in studio.references.list(Caller.of("alice"))] == ["Captain Mara"]
    assert studio.references.list(Caller.of("bob")) == []
    with pytest.raises(InputError, match="no reference set named"):
        studio.references.get(Caller.of("bob"), "Captain Mara")
    with pytest.raises(InputError, match="needs at least one image"):
        studio.references.save(Caller.of("alice"), "Empty", [None, None])


def run_cli(monkeypatch, capsys, tmp_path, *argv):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.delenv("STUDIO_BACKEND", raising=False)
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_advise_prints_items_and_exits_0_or_2(monkeypatch, capsys, tmp_path):
    code, out, _ = run_cli(monkeypatch, capsys, tmp_path, "advise", "--variant", "t2v", "--prompt",
                           "A street with no people", "--json")
    items = json.loads(out)
    assert code == 0 and {i["kind"] for i in items} == {"negative", "no_camera"}
    assert all(set(i) == {"kind", "about", "reason", "suggestion", "rewrite"} for i in items)
    ref = str(make_image(tmp_path / "r.png", 800, 800))
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, "advise", "--variant", "r2v", "--prompt",
                           "[Image 2] waves, orbit", "--reference", ref)
    assert code == 2 and "slot Image 2 is empty" in err


def test_cli_refs_save_list_and_generate_with_a_set(monkeypatch, capsys, tmp_path):
    refs = [str(make_image(tmp_path / f"{i}.png", 800, 800, colour=(40 * i, 90, 200))) for i in range(2)]
    assert run_cli(monkeypatch, capsys, tmp_path, "refs", "save", "Mara", *refs)[0] == 0
    code, out, _ = run_cli(monkeypatch, capsys, tmp_path, "refs", "list", "--json")
    assert code == 0 and [(s["name"], len(s["images"])) for s in json.loads(out)] == [("Mara", 2)]
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, "generate", "--variant", "r2v", "--prompt",
                             "[Image 2] waves at [Image 1] with no hat", "--reference-set", "Mara",
                             "--duration", "3", "--json")
    job = json.loads(out)
    assert code == 0 and len(job["request"]["references"]) == 2
    assert "advice: Prompt:" in err and "no hat" in err
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, "generate", "--variant", "r2v", "--prompt",
                           "[Image 3] waves", "--reference-set", "Mara")
    assert code == 2 and "slot Image 3 is empty" in err
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, "quote", "--variant", "r2v", "--prompt", "[Image 1] waves",
                           "--reference-set", "Nobody")
    assert code == 2 and "no reference set named 'Nobody'" in err
