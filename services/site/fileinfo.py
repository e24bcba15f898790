"""A document's type and size as citizens read them (pure)."""

KINDS = {
    "application/pdf": "PDF",
    "image/jpeg": "Image JPEG",
    "image/png": "Image PNG",
    "image/heic": "Photo HEIC",
    "image/webp": "Image WebP",
    "image/tiff": "Image TIFF",
    "text/plain": "Texte",
    "application/vnd.oasis.opendocument.text": "Texte ODT",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Texte Word",
    "application/vnd.oasis.opendocument.spreadsheet": "Tableur ODS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Tableur Excel",
}


def kind_label(content_type: str) -> str:
    return KINDS.get(content_type, content_type)


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")


def size_label(size: int) -> str:
    """1 023 octets, 12,5 Ko, 3,2 Mo (French units, powers of 1024)."""
    if size < 1024:
        return f"{size} octet{'s' if size > 1 else ''}"
    if size < 1024 * 1024:
        return f"{_decimal(size / 1024)} Ko"
    return f"{_decimal(size / (1024 * 1024))} Mo"
