"""Scanned letters: PDF or image only, recognised by their first bytes (pure logic)."""

SCAN_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/tiff"})
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/tif": "image/tiff"}
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff(content: bytes) -> str | None:
    """The scan type the content starts like, if any (a PDF may start after a few bytes)."""
    for signature, kind in SIGNATURES:
        if content.startswith(signature):
            return kind
    return "application/pdf" if b"%PDF-" in content[:1024] else None


def media_type(content_type: str | None) -> str:
    kind = (content_type or "").split(";")[0].strip().lower()
    return ALIASES.get(kind, kind)


def effective_type(*, declared: str | None, content: bytes) -> str:
    """The declared type, or what the content looks like when the client did not say."""
    kind = media_type(declared)
    if kind in GENERIC_TYPES:
        return sniff(content) or kind or "application/octet-stream"
    return kind


def mismatch(*, filename: str, kind: str, content: bytes) -> str | None:
    """A French reason to refuse a scan whose content is not what its type says."""
    found = sniff(content)
    if found == kind:
        return None
    if found is None:
        return f"Le fichier « {filename} » n'est ni un PDF ni une image JPEG, PNG ou TIFF lisible."
    return f"Le contenu du fichier « {filename} » ({found}) ne correspond pas à son type ({kind})."
