"""The text of an SMS: French Jinja2 templates fitted into a number of segments (pure).

`templates/sms/<template>.txt` says it all (an agent's reply, a question); when that costs
more than the cap, the same text in the GSM-7 alphabet is tried (ê -> e, ç -> c: UCS-2 costs
more than twice as much), then `<template>.short.txt` (or `short.txt`): the reference and the
status link only. The town edits these files without code. "STOP au <number>" ends every
message when a number is configured.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, TemplateNotFound

from services.notification.channels.segments import Segments, count_segments, to_gsm7

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "sms"),
    autoescape=False,
    trim_blocks=True,
)
GENERIC = "short"


@dataclass(frozen=True)
class SmsText:
    text: str
    segments: Segments
    within_cap: bool


def render(template: str, context: dict[str, Any]) -> str:
    """One template rendered on a single paragraph (newlines count in an SMS)."""
    raw = TEMPLATES.get_template(f"{template}.txt").render(**context)
    return " ".join(raw.split())


def _with_stop(text: str, stop_number: str) -> str:
    return f"{text}\nSTOP au {stop_number}" if stop_number else text


def _drafts(template: str, context: dict[str, Any]) -> list[str]:
    drafts: list[str] = []
    for name in (template, f"{template}.short", GENERIC):
        try:
            text = render(name, context)
        except TemplateNotFound:
            continue
        drafts += [text, to_gsm7(text)]
        if name != template:
            break
    return drafts


def fit(
    template: str, context: dict[str, Any], *, max_segments: int, stop_number: str = ""
) -> SmsText:
    """The first draft within `max_segments`; the last (shortest) one when none is."""
    texts = [_with_stop(text, to_gsm7(stop_number)) for text in _drafts(template, context)]
    for text in texts:
        segments = count_segments(text)
        if segments.count <= max_segments:
            return SmsText(text=text, segments=segments, within_cap=True)
    return SmsText(text=texts[-1], segments=count_segments(texts[-1]), within_cap=False)
