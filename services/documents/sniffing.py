"""A file's type told by its content (libmagic), never by its name or the declared type."""

import magic

ACCEPTED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIC",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "text/plain": "texte",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}
SNIFF_BYTES = 64 * 1024  # libmagic needs the head of a file only


def sniff(content: bytes) -> str:
    """The MIME type libmagic reads in the content."""
    return str(magic.from_buffer(content[:SNIFF_BYTES], mime=True))


def accepted_labels() -> str:
    return ", ".join(sorted(set(ACCEPTED.values())))
