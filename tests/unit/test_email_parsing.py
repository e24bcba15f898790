"""Reading real-world MIME: charsets, encoded headers, file names, HTML bodies."""

from pathlib import Path

import pytest

from services.email_adapter.charsets import decode_text, undo_surrogates
from services.email_adapter.html_text import html_to_text
from services.email_adapter.parsing import MalformedEmail, parse, parse_message, read_message

CORPUS = Path(__file__).parents[1] / "data" / "emails"


def _parsed(name: str):  # type: ignore[no-untyped-def]
    return parse((CORPUS / name).read_bytes())


@pytest.mark.parametrize(
    ("payload", "declared", "text"),
    [
        ("é€’".encode(), "utf-8", "é€’"),
        ("é€’".encode("cp1252"), "windows-1252", "é€’"),
        ("l’été".encode("cp1252"), "iso-8859-1", "l’été"),  # labelled Latin-1, written by Windows
        ("été".encode("latin-1"), "utf-8", "été"),  # declared wrong: falls back
        ("été".encode(), None, "été"),  # undeclared 8-bit: UTF-8 first
        ("été".encode("latin-1"), None, "été"),
        ("été".encode(), "x-unknown-charset", "été"),
        ("été".encode("latin-1"), "us-ascii", "été"),
        (b"plain ascii", "utf-16", "plain ascii"),
        ("\x81é".encode("latin-1"), "windows-1252", "\x81é"),  # undefined in 1252: Latin-1
    ],
)
def test_decode_text_falls_back_sensibly(payload: bytes, declared: str | None, text: str) -> None:
    assert decode_text(payload, declared) == text


def test_raw_8bit_header_bytes_are_decoded() -> None:
    assert undo_surrogates("Caf\udcc3\udca9") == "Café"
    assert undo_surrogates("cr\udce8me") == "crème"
    assert undo_surrogates("déjà propre") == "déjà propre"


@pytest.mark.parametrize(
    ("name", "subject", "sender", "snippet"),
    [
        ("new-utf8-quoted-printable.eml", "Lampadaire éteint rue des Écoles", "Sophie Bernard",
         "situé devant le 14 rue des Écoles est éteint depuis"),
        ("new-latin1-8bit.eml", "Dépôt sauvage près du cimetière", "Gérard Lefèbvre",
         "électroménager"),
        ("new-windows1252-quotes.eml", "Facture cantine – montant en €", "Moreau, Alice",
         "Je n’ai pas compris la facture de cantine de décembre : 48,50 €"),
        ("new-undeclared-8bit-utf8.eml", "Nid-de-poule énorme avenue Jean-Jaurès", "Lucas Petit",
         "avenue Jean-Jaurès, à la hauteur"),
        ("new-undeclared-8bit-latin1.eml", "Bruit de la salle des fêtes", "Mme Garnier",
         "la musique de la salle des fêtes continue après 2 h"),
        ("new-rfc2047-base64-subject.eml", "🌳 Arbre menaçant de tomber dans le parc Monet",
         "Nguyễn Thị Mai", "Le grand chêne près de l'entrée"),
    ],
)  # fmt: skip
def test_charsets_and_encoded_headers(name: str, subject: str, sender: str, snippet: str) -> None:
    parsed = _parsed(name)
    assert (parsed.subject, parsed.from_name) == (subject, sender)
    assert snippet in parsed.text and "\ufffd" not in parsed.text


def test_html_only_mail_reads_as_text() -> None:
    text = _parsed("new-html-only.eml").text
    assert "Nous souhaitons installer une terrasse de 4 tables devant la boulangerie.\n" in text
    assert "- les pièces à fournir,\n- le tarif de l'occupation du domaine public." in text
    assert "Bonjour," in text.splitlines()
    for unwanted in ("trackOpen", "font-family", "<", "&nbsp;", "Demande\n"):
        assert unwanted not in text


def test_plain_text_is_preferred_unless_it_is_empty() -> None:
    assert "<i>" not in _parsed("new-multipart-alternative.eml").text
    assert "cours de piano du conservatoire" in _parsed("new-multipart-alternative.eml").text
    assert "vacances d'hiver ?" in _parsed("new-alternative-empty-plain.eml").text


def test_html_converter_keeps_structure_and_links() -> None:
    html = (
        "<h1>Titre</h1><p>Un<br/>deux</p><table><tr><td>a</td><td>b</td></tr></table>"
        '<p>Voir <a href="https://ville.example/x">le site</a></p><style>x{}</style>'
        "<script>if (a < b) alert(1)</script><p>&eacute;t&#233; &amp; hiver</p>"
    )
    assert html_to_text(html) == (
        "Titre\n\nUn\ndeux\n\na b\n\nVoir le site (https://ville.example/x)\n\nété & hiver"
    )


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("new-pdf-attachment.eml", [("plan-abri.pdf", "application/pdf")]),
        ("new-rfc2231-filename.eml", [("déclaration travaux été.pdf", "application/pdf"),
                                      ("façade côté rue de la Gare.jpg", "image/jpeg")]),
        ("new-missing-filenames.eml", [("piece-jointe-1.jpg", "image/jpeg"),
                                       ("piece-jointe-2.pdf", "application/pdf")]),
        ("new-inline-cid-image.eml", [("piece-jointe-1.png", "image/png")]),
        ("new-octet-stream-pdf.eml", [("piece-identite.pdf", "application/pdf")]),
        ("new-refused-attachments.eml", [("cv.pdf", "application/pdf"),
                                         ("lettre.exe", "application/x-msdownload"),
                                         ("diplomes.zip", "application/zip")]),
    ],
)  # fmt: skip
def test_attachments_are_named_and_typed(name: str, files: list[tuple[str, str]]) -> None:
    parsed = _parsed(name)
    assert [(f.filename, f.content_type) for f in parsed.files] == files
    assert all(f.content for f in parsed.files)
    assert all(f.filename not in parsed.text for f in parsed.files)


def test_inline_images_keep_their_content_id_and_bytes() -> None:
    (image,) = _parsed("new-inline-cid-image.eml").files
    assert image.content_id == "photo1@example.org"
    assert image.content.startswith(b"\x89PNG")


def test_hostile_file_names_lose_their_path_and_control_characters() -> None:
    raw = (
        b"From: a@example.org\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nvoir\n'
        b"--b\nContent-Type: application/pdf\nContent-Disposition: attachment; "
        b'filename="..\\\\..\\\\windows\\\\evil\x07.pdf"\n\n%PDF-1.4\n--b--\n'
    )
    (part,) = parse(raw).files
    assert part.filename == "evil.pdf"


def test_addresses_ids_and_threading_headers() -> None:
    parsed = _parsed("follow-up-references-only.eml")
    assert (parsed.from_name, parsed.from_address) == ("", "camille.martin@example.org")
    assert parsed.message_id == "refs-only-lilas@mail.example.org"
    assert parsed.references == [
        "unrelated-thread-1@mail.example.org",
        "notif-0a1b2c3d@ville.example",
    ]
    assert _parsed("new-no-message-id.eml").message_id is None


def test_a_form_relaying_a_person_gives_that_person_as_sender() -> None:
    parsed = parse(
        b"From: Formulaire <noreply@formulaires.example>\n"
        b"Reply-To: =?utf-8?q?Ren=C3=A9_Roy?= <rene.roy@example.org>\nSubject: x\n\nBonjour\n"
    )
    assert (parsed.from_name, parsed.from_address) == ("René Roy", "rene.roy@example.org")


def test_the_envelope_sender_stands_in_for_a_missing_from() -> None:
    message = read_message(b"To: mairie@ville.example\nSubject: sans From\n\nBonjour\n")
    assert parse_message(message).from_address == ""
    assert parse_message(message, envelope_sender="x@example.org").from_address == "x@example.org"
    assert parse_message(message, envelope_sender="<>").from_address == ""


@pytest.mark.parametrize(
    "raw", [b"", b"  \r\n", (CORPUS / "malformed-no-headers.eml").read_bytes(), b"Bonjour\n\nx"]
)
def test_bytes_without_headers_are_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedEmail):
        read_message(raw)


def test_broken_mime_is_read_as_far_as_possible() -> None:
    raw = (
        b"From: a@example.org\nSubject: =?utf-8?B?invalid===?= =?bogus?Q?x?=\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\n\n--never-closed\n'
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        b"Qm9uam91ciDDqXTDqQ=\n--never-closed\nContent-Type: application/pdf\n"
        b"Content-Transfer-Encoding: base64\n\n%%%not base64%%%\n"
    )
    parsed = parse(raw)
    assert parsed.text.startswith("Bonjour")
    assert parsed.subject and parsed.from_address == "a@example.org"
