"""What the learner is offered when their words raise a safety concern: the card's words and lines,
chosen from ``settings.WELLBEING_RESOURCES`` (shape and sources in ``empathycamp/settings/wellbeing.py``)
by the learner's locale. The page gets the chosen card through ``events.page_constants``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

# The card a locale gets when nothing in the settings fits it (and the shape every card has).
DEFAULT_COUNTRY = "default"
DEFAULT_LANGUAGE = "en"
MAX_ACCEPT_LANGUAGE = 500  # characters of the header read; a longer one is cut, not refused


class ResourceLine(TypedDict):
    title: str
    text: str


class WellbeingResources(TypedDict):
    title: str
    body: str
    lines: list[ResourceLine]
    continue_label: str


class ResourcesConfigError(ValueError):
    """``settings.WELLBEING_RESOURCES`` is not of the documented shape; the message says where."""


def resources_for(accept_language: str = "") -> WellbeingResources:
    """The card for a browser's Accept-Language header ("en-GB,en;q=0.9", "zh-TW", ""): the first
    language whose region (or whose language's usual region) has a card, in that language if the
    card has it; otherwise the international card. Always a card, whatever the header holds."""
    config = _config()
    countries: Mapping[str, Mapping[str, WellbeingResources]] = config["countries"]
    languages: Mapping[str, str] = config.get("languages", {})
    default_country = config.get("default_country", DEFAULT_COUNTRY)
    by_code = {code.upper(): code for code in countries}
    header = accept_language[:MAX_ACCEPT_LANGUAGE].lower() if isinstance(accept_language, str) else ""
    wanted = [tag for tag, _ in parse_accept_lang_header(header) if tag != "*"]
    for tag in wanted:
        country = _country_of(tag, languages)
        if country and country.upper() in by_code:
            return _in_language(countries[by_code[country.upper()]], wanted)
    return _in_language(countries[default_country], wanted)


def default_resources() -> WellbeingResources:
    """The international card (stored pauses and places with no locale use it)."""
    return resources_for("")


def validate(config: object) -> None:
    """Raise ``ResourcesConfigError`` unless ``config`` has the documented shape (a system check runs this)."""
    if not isinstance(config, Mapping) or not isinstance(config.get("countries"), Mapping):
        raise ResourcesConfigError('WELLBEING_RESOURCES needs a "countries" mapping.')
    countries = config["countries"]
    default_country = config.get("default_country", DEFAULT_COUNTRY)
    if default_country not in countries:
        raise ResourcesConfigError(f"WELLBEING_RESOURCES has no card for its default country {default_country!r}.")
    for code, cards in countries.items():
        if not isinstance(cards, Mapping) or not cards:
            raise ResourcesConfigError(f"WELLBEING_RESOURCES[countries][{code!r}] needs at least one language.")
        if code == default_country and DEFAULT_LANGUAGE not in cards:
            raise ResourcesConfigError(f"The default country {code!r} needs an {DEFAULT_LANGUAGE!r} card.")
        for language, card in cards.items():
            where = f"WELLBEING_RESOURCES[countries][{code!r}][{language!r}]"
            if not isinstance(card, Mapping):
                raise ResourcesConfigError(f"{where} must be a mapping.")
            for key in ("title", "body", "continue_label"):
                if not isinstance(card.get(key), str) or not card[key].strip():
                    raise ResourcesConfigError(f"{where} needs a non-empty {key!r}.")
            lines = card.get("lines")
            if not isinstance(lines, list) or not lines:
                raise ResourcesConfigError(f"{where} needs a non-empty list of lines.")
            for line in lines:
                if not (
                    isinstance(line, Mapping)
                    and isinstance(line.get("title"), str)
                    and isinstance(line.get("text"), str)
                ):
                    raise ResourcesConfigError(f"{where}: every line needs a title and a text.")
    languages = config.get("languages", {})
    if not isinstance(languages, Mapping):
        raise ResourcesConfigError('WELLBEING_RESOURCES["languages"] must map a language to a country code.')


def _config() -> Mapping[str, Any]:
    return cast(Mapping[str, Any], settings.WELLBEING_RESOURCES)


def _country_of(tag: str, languages: Mapping[str, str]) -> str | None:
    """The country a language tag names ("en-gb" -> GB, "zh-hant-tw" -> TW) or implies ("zh-hant" -> TW)."""
    if tag in languages:
        return languages[tag]
    parts = tag.split("-")
    for part in reversed(parts[1:]):
        if len(part) == 2 and part.isalpha():
            return part
    return languages.get(parts[0])


def _in_language(cards: Mapping[str, WellbeingResources], wanted: list[str]) -> WellbeingResources:
    """The card in the first wanted language it has, else English, else any."""
    for tag in wanted:
        for key in _language_keys(tag):
            if key in cards:
                return cards[key]
    if DEFAULT_LANGUAGE in cards:
        return cards[DEFAULT_LANGUAGE]
    return next(iter(cards.values()))


def _language_keys(tag: str) -> list[str]:
    """The keys a tag may find its card under, most specific first: "en-gb" -> en-gb, en;
    "zh-tw" -> zh-tw, zh-hant, zh (TW, HK and MO write Traditional characters, other zh Simplified)."""
    parts = tag.split("-")
    keys = ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]
    if parts[0] == "zh":
        script = "zh-hant" if set(parts) & {"hant", "tw", "hk", "mo"} else "zh-hans"
        keys.insert(len(keys) - 1, script)
    return keys
