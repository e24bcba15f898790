"""GeoReport v2 output: the same documents as JSON or XML, and the spec's error lists."""

import json
import re
import xml.etree.ElementTree as ET
from enum import StrEnum
from typing import Any

from fastapi import Response

JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Children of these XML containers are named after the container, per the spec's examples.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Format(StrEnum):
    JSON = "json"
    XML = "xml"


class Open311Error(Exception):
    """Raise from an Open311 route to answer with the spec's list of errors."""

    def __init__(
        self, status: int, *descriptions: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions
        self.headers = headers


def format_of(path: str) -> Format:
    """The format a client asked for, from the resource's extension (JSON unless .xml)."""
    return Format.XML if path.lower().endswith(".xml") else Format.JSON


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, document: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, document)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def render(
    fmt: Format,
    *,
    root: str,
    document: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """`document` as JSON, or as XML under the element `root`."""
    if fmt is Format.XML:
        body = to_xml(root, document)
        return Response(body, status, headers=headers, media_type=f"{XML_TYPE}; charset=utf-8")
    body = json.dumps(document, ensure_ascii=False).encode()
    return Response(body, status, headers=headers, media_type=JSON_TYPE)


def errors_response(
    fmt: Format, status: int, descriptions: list[str], *, headers: dict[str, str] | None = None
) -> Response:
    document = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, root="errors", document=document, status=status, headers=headers)
