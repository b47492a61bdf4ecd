"""The default wellbeing resources: what the card offers a learner whose words raise a concern,
per country and language. ``base.py`` sets ``WELLBEING_RESOURCES`` to this; an operator replaces it
in their settings module, or points ``WELLBEING_RESOURCES_FILE`` at a JSON file of the same shape.

Shape: ``{"countries": {CODE: {LANG: card}}, "languages": {LANG: CODE}, "default_country": CODE}``.
CODE is an ISO 3166 country code, or "default" (the international card); LANG a lower-case
language tag ("en", "zh-hans", "zh-hant"). A card is ``{"title", "body", "lines": [{"title",
"text"}], "continue_label"}``. ``courses.practice.wellbeing.resources_for`` picks one by the
learner's locale (the browser's Accept-Language): the region it names, else the region its language
implies (``languages``), else the international card; then the language, else English.

Every number below was taken from the services' own public pages (listed beside each entry) and
written down on 2026-12-01; this machine cannot reach them to re-check. Lines change: operators
should check them against those pages before going live, and keep their own list in settings.
"""

from typing import Any

_CONTINUE_EN = "I'm okay, continue the practice"
_BODY_EN = (
    "Some of what you wrote sounds like it might be about you, not only the role-play. "
    "If anything here is weighing on you, you don't have to carry it alone."
)
_TITLE_EN = "Let's take a pause"
_TRUSTED_EN = {"title": "Talk to someone you trust", "text": "A friend, family member, colleague or doctor."}
_DIRECTORY_EN = {
    "title": "Find a helpline",
    "text": "findahelpline.com lists free, confidential helplines in your country.",
}

_TITLE_ZH_HANS = "我们先停一下"
_BODY_ZH_HANS = "你写的内容听起来可能不只是角色扮演，也和你自己有关。如果有什么压在你心上，你不必一个人扛着。"
_CONTINUE_ZH_HANS = "我没事，继续练习"
_TITLE_ZH_HANT = "我們先停一下"
_BODY_ZH_HANT = "你寫的內容聽起來可能不只是角色扮演，也和你自己有關。如果有什麼壓在你心上，你不必一個人扛著。"
_CONTINUE_ZH_HANT = "我沒事，繼續練習"


def _card(title: str, body: str, lines: list[dict[str, str]], continue_label: str) -> dict[str, Any]:
    return {"title": title, "body": body, "lines": lines, "continue_label": continue_label}


def _en(*lines: dict[str, str]) -> dict[str, Any]:
    return _card(_TITLE_EN, _BODY_EN, [_TRUSTED_EN, *lines], _CONTINUE_EN)


# Sources: 988lifeline.org (US); samaritans.org (UK and Ireland); findahelpline.com (ThroughLine's
# international directory); the National Health Commission's notice of the national psychological
# assistance line 12356 (from 1 January 2025) and the Beijing Psychological Crisis Research and
# Intervention Center (Beijing Huilongguan Hospital), mainland China; the Ministry of Health and
# Welfare's 1925 line, Lifeline Taiwan (1995) and Teacher Chang (1980), Taiwan.
DEFAULT_WELLBEING_RESOURCES: dict[str, Any] = {
    "default_country": "default",
    "languages": {"zh-hans": "CN", "zh-cn": "CN", "zh-sg": "default", "zh-hant": "TW", "zh-tw": "TW"},
    "countries": {
        "default": {
            "en": _en(
                {
                    "title": "In an emergency",
                    "text": "If you or someone else is in danger right now, call your local emergency number "
                    "(112 in Europe, 911 in North America).",
                },
                _DIRECTORY_EN,
            ),
        },
        "US": {
            "en": _en(
                {
                    "title": "In an emergency",
                    "text": "If you or someone else is in danger right now, call 911.",
                },
                {
                    "title": "Crisis line",
                    "text": "Call or text 988 (988 Suicide & Crisis Lifeline), any time, free and confidential.",
                },
            ),
        },
        "GB": {
            "en": _en(
                {"title": "In an emergency", "text": "If you or someone else is in danger right now, call 999."},
                {
                    "title": "Samaritans",
                    "text": "Call 116 123, free, any time, day or night, or email jo@samaritans.org.",
                },
            ),
        },
        "IE": {
            "en": _en(
                {"title": "In an emergency", "text": "If you or someone else is in danger right now, call 112 or 999."},
                {
                    "title": "Samaritans",
                    "text": "Call 116 123, free, any time, day or night, or email jo@samaritans.ie.",
                },
            ),
        },
        "CN": {
            "zh-hans": _card(
                _TITLE_ZH_HANS,
                _BODY_ZH_HANS,
                [
                    {"title": "和信任的人聊聊", "text": "朋友、家人、同事或医生。"},
                    {"title": "紧急情况", "text": "如果你或他人现在有危险，请拨打 120 或 110。"},
                    {"title": "心理援助热线", "text": "拨打 12356（全国统一心理援助热线）。"},
                    {"title": "北京心理危机研究与干预中心", "text": "拨打 010-82951332，24 小时。"},
                ],
                _CONTINUE_ZH_HANS,
            ),
            "en": _en(
                {"title": "In an emergency", "text": "If you or someone else is in danger right now, call 120 or 110."},
                {"title": "Psychological assistance line", "text": "Call 12356 (national line, Mandarin)."},
                {"title": "Beijing crisis line", "text": "Call 010-82951332, 24 hours (Mandarin)."},
            ),
        },
        "TW": {
            "zh-hant": _card(
                _TITLE_ZH_HANT,
                _BODY_ZH_HANT,
                [
                    {"title": "和信任的人聊聊", "text": "朋友、家人、同事或醫生。"},
                    {"title": "緊急情況", "text": "如果你或他人現在有危險，請撥打 119 或 110。"},
                    {"title": "安心專線", "text": "撥打 1925（衛生福利部，24 小時，免付費）。"},
                    {"title": "生命線與張老師", "text": "生命線 1995；張老師專線 1980。"},
                ],
                _CONTINUE_ZH_HANT,
            ),
            "en": _en(
                {"title": "In an emergency", "text": "If you or someone else is in danger right now, call 119 or 110."},
                {"title": "Crisis line", "text": "Call 1925 (Ministry of Health and Welfare), 24 hours, free."},
            ),
        },
    },
}
