"""Open311 rendering: well-formed UTF-8 XML, JSON, and the spec's error lists."""

import json
import xml.etree.ElementTree as ET

from services.open311.formats import Format, errors_response, format_of, render, to_xml


def test_xml_starts_with_the_utf8_declaration_and_names_items_after_their_container() -> None:
    body = to_xml("services", [{"service_code": "voirie", "metadata": False}, {"type": None}])
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(body)
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service", "service"]
    assert root.findtext("service/metadata") == "false"
    empty = root.find("service[2]/type")
    assert empty is not None and empty.text is None


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry() -> None:
    text = "Trou <dangereux> & profond\x00\x1b é"
    root = ET.fromstring(to_xml("service_requests", [{"description": text}]))
    assert root.findtext("request/description") == "Trou <dangereux> & profond é"


def test_nested_lists_use_the_spec_item_names() -> None:
    definition = {"service_code": "x", "attributes": [{"code": "a", "values": [{"key": 1}]}]}
    root = ET.fromstring(to_xml("service_definition", definition))
    assert root.findtext("attributes/attribute/code") == "a"
    assert root.findtext("attributes/attribute/values/value/key") == "1"


def test_render_sets_the_content_type_of_each_format() -> None:
    as_json = render(Format.JSON, root="services", document=[{"a": "é"}])
    as_xml = render(Format.XML, root="services", document=[{"a": "é"}])
    assert as_json.headers["content-type"] == "application/json"
    assert json.loads(as_json.body) == [{"a": "é"}]
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert ET.fromstring(as_xml.body).findtext("service/a") == "é"


def test_errors_are_a_list_of_code_and_description_in_both_formats() -> None:
    as_json = errors_response(Format.JSON, 403, ["Clé invalide."])
    assert as_json.status_code == 403
    assert json.loads(as_json.body) == [{"code": 403, "description": "Clé invalide."}]
    as_xml = errors_response(Format.XML, 400, ["Un.", "Deux."], headers={"X-A": "1"})
    root = ET.fromstring(as_xml.body)
    assert root.tag == "errors" and as_xml.headers["x-a"] == "1"
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("400", "Un."),
        ("400", "Deux."),
    ]


def test_the_format_comes_from_the_extension() -> None:
    assert format_of("/open311/v2/services.XML") is Format.XML
    assert format_of("/open311/v2/requests/2026-O000001.json") is Format.JSON
    assert format_of("/open311/v2/inconnu") is Format.JSON
