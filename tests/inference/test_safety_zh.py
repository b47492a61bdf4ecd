"""The safety screen on Chinese text (Simplified, Traditional, some Cantonese): the written list and its
context checks. Lines in the team's own words, none copied from the data files."""

from __future__ import annotations

import pytest

from inference.safety import screen_text


def level(text: str) -> str:
    return screen_text(text)["level"]


@pytest.mark.parametrize(
    "text",
    [
        "我真的撑不住了，不想活了",  # wanting to die, said outright
        "我每天都在想怎么去死",
        "我已經不想再活下去了",  # Traditional
        "唔想再生存落去，真係好攰",  # Cantonese
        "药我已经攒了一个多月，藏在床底下",  # means
        "今天买了木炭和胶带，放在车里",
        "遗书写好了，放在抽屉里",  # a note
        "以后这些东西我也用不上了，都送给你们吧",  # giving things away
        "我现在站在桥上，水好黑",  # a dangerous place, now
        "如果明天不要醒来就好了",  # not waking up
        "他要是再敢打我妈，我就拿刀去找他",  # harm to others
        "我爸喝醉了说要弄死我们，我躲在衣柜里",  # abuse, in danger now
        "又割了，这次停不下来",  # self-harm now
    ],
)
def test_crisis_in_chinese_is_caught(text):
    result = screen_text(text)
    assert result["level"] == "crisis", result
    assert result["evidence"] and result["evidence"][0]["by"] == "rules"


@pytest.mark.parametrize(
    "text",
    [
        "工作、孩子、房贷全压在我身上，我真的撑不下去了",
        "最近每天都失眠，整个人都是飘的",
        "沒人在乎我，生日也沒有人記得",
        "他每次喝完酒就打我，第二天又道歉",
    ],
)
def test_concern_in_chinese_is_flagged(text):
    assert level(text) in {"concern", "crisis"}


@pytest.mark.parametrize(
    "text",
    [
        "笑死我了，我妈把表情包发到了家族群",  # idiom: laughing to death
        "今天热死了，空调还坏了",
        "这个报告改到第十版，想死的心都有了",  # hyperbole
        "累死了，搬了一整天家",
        "我哥把我的蛋糕吃了，我要杀了他！！",  # a joke
        "刚看完《活着》，哭得不行",  # a book
        "这部剧的女主最后跳楼了，编剧太狠了",  # a drama
        "听起来你最近真的很想放弃，你现在安全吗？",  # the learner reflecting the persona
        "我朋友说她不想活了，我该怎么帮她？",  # about someone else
        "别担心，我不会伤害自己的，就是有点累",  # denied
        "大三那年我想过自杀，后来看了医生，现在过得很好",  # past and over
        "我不想死，我只是想好好睡一觉",
        "周末去爬山，天气特别好",
        "我想跳槽去一家新公司",  # "跳" is not a jump
    ],
)
def test_chinese_hard_negatives_are_not_flagged(text):
    assert level(text) == "none", screen_text(text)


def test_a_past_attempt_that_is_current_again_stays_a_crisis():
    assert level("两年前吃过药被救回来。这个月又开始想了，而且想得很具体，连时间都想好了") == "crisis"


def test_mixed_chinese_and_english_text_gets_both_lists():
    assert level("I'm fine really 我不想活了") == "crisis"
    assert level("我今天很开心 but I want to kill myself") == "crisis"


def test_chinese_text_is_not_called_foreign():
    assert "neither" not in screen_text("今天天气很好")["reason"]
    assert "neither" in screen_text("Сегодня хорошая погода, правда")["reason"]


# The second batch of the written list (2026-12-07): phrasings the first list missed.
@pytest.mark.parametrize(
    "text",
    [
        "真希望今晚睡下去就不要再醒过来",  # not waking, with "再"
        "说真的，活得好累，我不想撑了",  # tired of being alive
        "死掉的话大概就解脱了吧",  # death as relief
        "我在想怎么离开这个世界",
        "今年应该是我最后一个生日了",
        "在网上查了那种药吃多少会致命，我手上有",  # a lethal dose
        "昨天买了一捆绳子，藏在床底",  # means
        "日子已经挑好了，就月底",  # timing
        "以后不会再麻烦大家了，谢谢你们",  # a farewell
        "以後再也照顧不了我的狗了，請幫我找個好人家",
    ],
)
def test_new_crisis_phrasings_in_chinese_are_caught(text):
    assert level(text) == "crisis", screen_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "已经半年没有割自己了，但这几天又很想",  # urges back after a stop: not a denial
        "好几天都没出门，饭也懒得吃",
        "其实没有人在乎我",
        "睡前的药越吃越多",
    ],
)
def test_new_concern_phrasings_in_chinese_are_flagged(text):
    assert level(text) in {"concern", "crisis"}, screen_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "宝贝，想死你了！",  # "I missed you so much"
        "想死你們啦，週末見",
        "以前自残过，早就不会了",  # past, and over
        "我买了跳绳，准备每天跳一千下",  # a skipping rope
        "我就动手做了个蛋糕",  # "就动手" as getting on with something
    ],
)
def test_new_chinese_hard_negatives_are_not_flagged(text):
    assert level(text) == "none", screen_text(text)


# The Chinese n-gram classifier beside the list (``inference.safety_zh_model``): it may raise the list's
# level, never lower it.


def served_zh(text: str) -> dict:
    from inference import safety_zh_model

    return screen_text(text, risk=safety_zh_model.read([text])[0])


@pytest.mark.parametrize(
    "text",
    [
        "活着好没意思，想早点离开",  # tired of living, wanting to leave early: no phrase of the list
        "不想再醒来了，就这样吧",
    ],
)
def test_the_chinese_classifier_brings_in_crisis_the_list_misses_or_underrates(text):
    result = served_zh(text)
    assert result["level"] == "crisis", result
    assert any(e["by"] == "model" for e in result["evidence"]) or screen_text(text)["level"] == "crisis"


@pytest.mark.parametrize(
    "text",
    ["看完这部剧哭死我了", "今天考试考砸了，好郁闷，晚上吃顿好的", "这周加班加到吐血，周末要睡到自然醒"],
)
def test_the_chinese_classifier_leaves_everyday_lines_alone(text):
    assert served_zh(text)["level"] == "none"


def test_the_chinese_classifier_never_lowers_the_list():
    from inference import safety_zh_model

    text = "遗书写好了，放在抽屉里"
    reading = safety_zh_model.read([text])[0]
    assert reading is not None
    calm = {**reading, "level": "none", "words": []}
    assert screen_text(text, risk=calm)["level"] == "crisis"  # type: ignore[arg-type]


def test_the_served_chinese_reader_gives_what_it_was_trained_to():
    """The artefact's pure-Python reader against the dev figures its trainer recorded."""
    import csv
    import json
    from pathlib import Path

    from inference import safety_zh_model
    from inference.training.risk_trainer import screen_figures

    config = json.loads(safety_zh_model.ARTEFACT.read_text(encoding="utf-8"))
    data = Path(safety_zh_model.__file__).resolve().parent / "data" / "safety" / "written.csv"
    with data.open(newline="", encoding="utf-8") as handle:
        dev = [r for r in csv.DictReader(handle) if r["lang"].startswith("zh") and r["split"] == "dev"]
    predicted = [served_zh(r["text"])["level"] for r in dev]
    figures = screen_figures([r["label"] for r in dev], predicted)
    for key in ("crisis_recall", "concern_recall", "false_alarm_rate"):
        assert figures[key] == pytest.approx(config["evaluation"][key], abs=1e-4), key
