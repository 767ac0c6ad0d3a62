"""Prompts as creators write them, in English and Chinese, with the advice each should get.

Chinese prompts are written with "|" between words (removed before use), so a test can tell a rewrite
that keeps whole words from one that cuts through a word: Chinese has no spaces to show it.
Each entry: (prompt, variant, the kinds of advice it should get).
"""

from __future__ import annotations

CORPUS: list[tuple[str, str, set[str]]] = [
    # English: ready to go
    ("Slow dolly in on a lighthouse keeper climbing a spiral staircase, lantern light flickering, 35mm film grain",
     "t2v", set()),
    ("Aerial shot over a misty pine forest at dawn, the camera glides toward a lake, soft morning light", "t2v", set()),
    ("The camera slowly pulls back as she lowers her umbrella, rain easing off, warm street lamps", "i2v", set()),
    ("[Image 1] skateboards down an empty boardwalk at sunset, tracking shot, lens flare", "r2v", set()),
    ("Replace the grey sky with a dramatic orange sunset, keep everything else as it is", "edit", set()),
    # English: one thing to fix
    ("A barista pours latte art in a cozy cafe with good lighting, slow push in", "t2v", {"vague_light"}),
    ("A quiet beach at dawn with no people, waves rolling in, wide static shot", "t2v", {"negative"}),
    ("Extreme close-up of an old fisherman's eyes as he squints at the horizon, static camera", "t2v",
     {"face_close_up"}),
    ('A vintage diner with a neon sign that reads "OPEN ALL NIGHT", rain on the windows, pan right', "t2v",
     {"on_screen_text"}),
    ("A red fox trots across a snowy field at dusk", "t2v", {"no_camera"}),
    ("A woman in a yellow raincoat walks her dog while a boy rides past on a bike, and a man waves from a "
     "doorway, tracking shot", "t2v", {"crowded"}),
    ("Five dancers spin on a rooftop at night, orbit around them, city lights below", "t2v", {"crowded"}),
    ("A chef chops onions, then tosses them in a pan, then plates the dish, then wipes the counter, "
     "handheld camera", "t2v", {"crowded"}),
    ("@image1 walks into the frame and hands @image2 a red envelope, slow push in", "r2v", {"tokens"}),
    ("Image 1 and image 2 dance a slow waltz in an empty ballroom, orbit shot", "r2v", {"tokens"}),
    ("A knight raises his sword on a cliff edge, crane up, storm clouds gathering", "r2v", {"tokens"}),
    ("Dress the man like picture 2, keep his walk", "edit", {"tokens"}),
    ("A street at night with no cars, don't show the sign that reads 'OPEN', tracking shot", "t2v",
     {"negative", "on_screen_text"}),
    ("Close-up of a woman's face as she laughs, without makeup, good lighting", "t2v",
     {"no_camera", "face_close_up", "negative", "vague_light"}),
    ("The stage is well lit and three musicians play jazz, static camera", "t2v", {"vague_light", "crowded"}),
    ("A T-shirt with the words 'STAY WILD' hangs on a line in the wind, slow push in", "t2v", {"on_screen_text"}),
    ("A lone astronaut floats outside the station, Earth below, no sound, slow orbit", "t2v", {"negative"}),
    ("A cat naps on a windowsill, a dog sleeps on the rug, and a bird sings in a cage, pan left", "t2v",
     {"crowded"}),
    ("Her face fills the frame as she whispers a secret, handheld", "t2v", {"face_close_up"}),
    # Chinese: ready to go
    ("清晨|的|薄雾|中|，|一位|老人|在|湖边|打|太极|，|镜头|缓慢|推进|，|柔和|的|晨光", "t2v", set()),
    ("[Image 1]|骑着|自行车|穿过|落叶|纷飞|的|林荫道|，|镜头|跟拍|，|暖色调", "r2v", set()),
    ("把|天空|换成|满天|繁星|，|保留|人物|的|动作", "edit", set()),
    # Chinese: one thing to fix
    ("一个|女孩|坐在|窗边|看书|，|光线很好|，|镜头|缓慢|推进", "t2v", {"vague_light"}),
    ("广场|上|没有|行人|，|鸽子|飞起|，|航拍", "t2v", {"negative"}),
    ("老人|的|脸部|大特写|，|皱纹|清晰|可见|，|固定机位", "t2v", {"face_close_up"}),
    ("店门口|写着|“|新年快乐|”|的|红色|横幅|随风|飘动|，|镜头|推进", "t2v", {"on_screen_text"}),
    ("一匹|白马|在|雪地|里|奔跑", "t2v", {"no_camera"}),
    ("一群|人|在|海边|放|烟花|，|镜头|环绕", "t2v", {"crowded"}),
    ("一个|男孩|和|一个|女孩|在|草地|上|追逐|一只|小狗|，|还有|一只|猫|在|旁边|看|，|镜头|跟拍", "t2v",
     {"crowded"}),
    ("她|先|跳|起来|，|然后|转圈|，|接着|坐下|，|最后|挥手|，|镜头|跟拍", "t2v", {"crowded"}),
    ("图1|把|花|递给|图片2|，|镜头|环绕", "r2v", {"tokens"}),
    ("一位|武士|在|竹林|中|拔刀|，|镜头|缓慢|升降", "r2v", {"tokens"}),
    ("街道|上|不要|下雨|，|路灯|昏黄|，|镜头|跟拍", "t2v", {"negative"}),
    ("画面|下方|配上|字幕|，|一只|猫|在|沙发|上|打哈欠|，|镜头|推进", "t2v", {"on_screen_text"}),
    ("女孩|的|眼睛|特写|，|光线不错|，|避免|模糊", "t2v", {"face_close_up", "negative", "no_camera", "vague_light"}),
    ("一只|狗|在|马路|边|等|主人|，|镜头|跟拍", "t2v", set()),  # 马路 is a road, not a horse
    ("鸟瞰|镜头|下|的|城市|夜景|，|车流|如|织", "t2v", set()),   # 鸟瞰 is a bird's-eye view
]


def prompt_of(entry: str) -> str:
    return entry.replace("|", "")


def words_of(entry: str) -> set[str]:
    """The Chinese words of an entry (its "|" pieces)."""
    return {w for w in entry.split("|") if w}
