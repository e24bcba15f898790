"""Jinja2 templates per channel (templates/<channel>/<name>.<ext>), the town's own first.

A file in `templates_dir` (same relative path) replaces the packaged one, so the town edits
wording without code; everything else falls back to the packaged French templates.
"""

from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

PACKAGED = Path(__file__).with_name("templates")


def environment(templates_dir: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    return Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(PACKAGED)]),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def render(env: Environment, *, channel: str, template: str, ext: str, **context: Any) -> str:
    return env.get_template(f"{channel}/{template}.{ext}").render(**context)
