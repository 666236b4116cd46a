"""Every error message of the API in Chinese and in English.

The API works in Chinese (the source language of the project's strings). A message that is
still lazy (gettext_lazy, DRF's and Django's own messages, a ValidationError with params) is
simply rendered twice, under translation.override. A message a service already rendered with
gettext is a plain Chinese string; its English is found in the English catalogue — exactly, or
by matching it against the catalogue's messages with placeholders (`%(state)s`) and
translating what filled them. Text from an English-source library rendered in Chinese (Django's
and DRF's own messages) is found the other way round, in the Chinese catalogue. A message no
catalogue knows yet stays Chinese in both fields until it is translated."""

import re
from functools import lru_cache

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

CHINESE = "zh-hans"
ENGLISH = "en"
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\((?P<named>\w+)\)[sdifr]|%(?P<bare>[sdif])|\{(?P<brace>\w*)\}|%%")
CONTEXT_SEPARATOR = "\x04"


def render(message, language: str) -> str:
    with translation.override(language):
        return str(message)


def both(message) -> tuple[str, str]:
    """(Chinese, English) of a message: lazy or already rendered in Chinese."""
    if isinstance(message, Promise):
        zh, en = render(message, CHINESE), render(message, ENGLISH)
    else:
        zh = en = str(message)
    if en == zh and CJK.search(zh):
        en = english_of(zh)
    return zh, en


def error_both(error) -> tuple[str, str]:
    """(Chinese, English) of one django.core.exceptions.ValidationError (a single message)."""

    def text(language):
        with translation.override(language):
            return " ".join(str(m) for m in error)

    zh, en = text(CHINESE), text(ENGLISH)
    if en == zh and CJK.search(zh):
        en = english_of(zh)
    return zh, en


# ---------------------------------------------------------------- catalogue lookups


class _Matcher:
    """Messages with placeholders turned into regular expressions, most specific first."""

    def __init__(self, pairs):
        self.exact = {}
        patterns = []
        for source, target in pairs:
            if not source or not target:
                continue
            if PLACEHOLDER.search(source):
                if not CJK.search(PLACEHOLDER.sub("", source)):
                    continue  # too little fixed text ("%(a)s：%(b)s") to tell messages apart
                compiled = _compile(source)
                if compiled is not None:
                    patterns.append((len(PLACEHOLDER.sub("", source)), compiled, source, target))
            else:
                self.exact.setdefault(source, target)
        patterns.sort(key=lambda row: -row[0])
        self.patterns = [(compiled, target) for _length, compiled, _source, target in patterns]

    def translate(self, text: str, *, depth: int = 0) -> str | None:
        if text in self.exact:
            return self.exact[text]
        if depth > 1:
            return None
        for compiled, target in self.patterns:
            match = compiled.fullmatch(text)
            if match is None:
                continue
            values = {name: self._value(value, depth) for name, value in match.groupdict().items()}
            return _fill(target, values)
        return None

    def _value(self, value: str, depth: int) -> str:
        """What filled a placeholder, translated where the catalogue knows it (a state name,
        a list of action labels joined with 、)."""
        found = self.translate(value, depth=depth + 1)
        if found is not None:
            return found
        parts = value.split("、")
        if len(parts) > 1:
            translated = [self.exact.get(part) for part in parts]
            if all(translated):
                return ", ".join(translated)
        return value


def _compile(source: str):
    pattern, names, position, bare = [], set(), 0, 0
    for match in PLACEHOLDER.finditer(source):
        pattern.append(re.escape(source[position : match.start()]))
        position = match.end()
        if match.group(0) == "%%":
            pattern.append("%")
            continue
        name = match.group("named") or match.group("brace")
        if not name:
            name = f"_{bare}"
            bare += 1
        if name in names:
            pattern.append(f"(?P={name})")
        else:
            names.add(name)
            pattern.append(f"(?P<{name}>.+?)")
    pattern.append(re.escape(source[position:]))
    try:
        return re.compile("".join(pattern), re.DOTALL)
    except re.error:
        return None


def _fill(target: str, values: dict) -> str:
    bare = iter(value for name, value in sorted(values.items()) if name.startswith("_"))

    def replace(match):
        if match.group(0) == "%%":
            return "%"
        name = match.group("named") or match.group("brace")
        if name:
            return values.get(name, match.group(0))
        return next(bare, match.group(0))

    return PLACEHOLDER.sub(replace, target)


def _plain(key):
    """Singular, context-free catalogue keys only."""
    return isinstance(key, str) and CONTEXT_SEPARATOR not in key


@lru_cache(maxsize=1)
def _forward():
    catalog = trans_real.translation(ENGLISH)._catalog
    return _Matcher((key, value) for key, value in catalog.items() if _plain(key) and CJK.search(key))


@lru_cache(maxsize=1)
def _reverse():
    catalog = trans_real.translation(CHINESE)._catalog
    return _Matcher((value, key) for key, value in catalog.items() if _plain(key) and isinstance(value, str))


def english_of(text: str) -> str:
    """English of a Chinese message, or the message itself when no catalogue knows it."""
    for matcher in (_forward(), _reverse()):
        found = matcher.translate(text)
        if found is not None:
            return found
    return text
