"""A reply without the quoted message it answers, nor the sender's signature."""

import re

CUT = re.compile(
    r"^\s*(le .{4,200}a [ée]crit\s*:|on .{4,200}wrote\s*:|am .{4,200}schrieb .{0,100}:|"
    r"-{2,}\s*(original message|message d'origine|message original|mail original)\s*-{2,}|"
    r"_{20,}|-- |de\s*:\s.+@.+|from\s*:\s.+@.+)\s*$",
    re.IGNORECASE,
)


def trim_reply(text: str) -> str:
    """The new part of a reply; the whole text when nothing would be left."""
    kept: list[str] = []
    for line in text.splitlines():
        if CUT.match(line) or line == "--":
            break
        kept.append(line)
    while kept and (kept[-1].startswith(">") or not kept[-1].strip()):
        kept.pop()
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()
