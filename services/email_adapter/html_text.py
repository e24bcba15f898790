"""HTML mail turned into readable plain text (line breaks kept, scripts and styles dropped)."""

import re
from html.parser import HTMLParser

BLOCKS = frozenset(
    {"p", "div", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
     "section", "article", "header", "footer", "pre", "address", "hr", "dl", "dt", "dd"}
)  # fmt: skip
HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "area", "base", "col"})


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            if tag not in VOID:
                self.hidden.append(tag)
            return
        if tag == "br":
            self.chunks.append("\n")
        elif tag in BLOCKS:
            self.chunks.append("\n\n" if tag in {"p", "blockquote", "table"} else "\n")
        elif tag == "li":
            self.chunks.append("\n- ")
        elif tag in {"td", "th"}:
            self.chunks.append(" ")
        elif tag == "img" and (alt := dict(attrs).get("alt")):
            self.chunks.append(f"[{alt}]")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and tag == self.hidden[-1]:
            self.hidden.pop()
        elif tag in BLOCKS:
            self.chunks.append("\n\n" if tag in {"p", "blockquote", "table"} else "\n")
        elif tag == "a" and self.links:
            self._close_link(self.links.pop())

    def _close_link(self, href: str | None) -> None:
        if not href or not href.startswith(("http://", "https://")):
            return
        tail = "".join(self.chunks[-3:])
        if href not in tail:
            self.chunks.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    builder = _TextBuilder()
    builder.feed(html)
    builder.close()
    lines = (line.strip() for line in "".join(builder.chunks).replace("\xa0", " ").split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
