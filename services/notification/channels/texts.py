"""Short plain-text messages for the conversational channels, from Jinja2 templates (pure).

Templates live in `templates/<channel>/<template>.txt`; the town's own copies in
`<templates_dir>/<channel>/` are tried first, and `default.txt` stands in for a template the
channel has no text for. A message longer than the platform allows is shortened in its
longest free text (an agent's reply, a comment), never in the reference, the tracking code
or a link (status, opt-out).
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound

from services.notification.channels.base import Notice

PACKAGED = Path(__file__).resolve().parents[1] / "templates"
KEPT_WHOLE = frozenset({"reference", "status_url", "tracking_code", "opt_out_url"})
CUT_MARK = "… (suite sur la page de suivi)"


class TextTemplates:
    def __init__(self, *, channel: str, override: Path | None = None, max_chars: int) -> None:
        folders = [override / channel] if override else []
        folders.append(PACKAGED / channel)
        self._env = Environment(
            loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
            autoescape=False,  # plain text, sent as a JSON string, never as HTML
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.max_chars = max_chars

    def render(self, notice: Notice) -> str:
        """The notice's text, within `max_chars`, with its reference and status link."""
        if not notice.context.get("status_url"):
            raise ValueError(f"notice {notice.key} has no status_url in its context")
        context = {**notice.context, "reference": notice.reference}
        return fit(lambda values: self._render(notice.template, values), context, self.max_chars)

    def _render(self, template: str, context: Mapping[str, Any]) -> str:
        try:
            found = self._env.get_template(f"{template}.txt")
        except TemplateNotFound:
            found = self._env.get_template("default.txt")
        return found.render(context).strip()


def fit(render: Callable[[Mapping[str, Any]], str], context: Mapping[str, Any], limit: int) -> str:
    """Render, then shorten free texts, longest first, until the whole fits in `limit`."""
    text = render(context)
    texts = [k for k, v in context.items() if isinstance(v, str) and k not in KEPT_WHOLE]
    for key in sorted(texts, key=lambda k: -len(context[k])):
        if len(text) <= limit:
            return text
        value: str = context[key]
        if len(value) <= len(CUT_MARK):
            continue  # too short to make room; and a greeting is never cut
        keep = max(0, len(value) - (len(text) - limit) - len(CUT_MARK))
        context = {**context, key: value[:keep].rstrip() + CUT_MARK}
        text = render(context)
    if len(text) > limit:  # a template longer than the platform allows: cut it
        text = text[: limit - 1] + "…"
    return text
