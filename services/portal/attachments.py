"""Attachments of a form: checked against the form's rules and the store's limits, then kept."""

import mimetypes
from collections.abc import Sequence

from services.portal.forms import FormSpec
from shared.blobs import AttachmentRefused, BlobStore, Limits
from shared.events import Attachment
from shared.problems import ProblemError
from shared.uploads import Upload

GENERIC = frozenset({"", "application/octet-stream", "binary/octet-stream"})
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SIGNATURES = {
    "application/pdf": (b"%PDF-", "PDF"),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04", "ODT"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        b"PK\x03\x04",
        "DOCX",
    ),
}


def content_type_of(upload: Upload) -> str:
    """The declared type, or the one its extension names when the browser sent none."""
    declared = upload.content_type.split(";")[0].strip().lower()
    if declared not in GENERIC:
        return declared
    extension = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    return EXTENSIONS.get(extension) or mimetypes.guess_type(upload.filename)[0] or declared


def _refused(status: int, message: str) -> ProblemError:
    return ProblemError(status, message, errors=[{"field": "files", "message": message}])


def check_uploads(uploads: Sequence[Upload], *, spec: FormSpec, limits: Limits) -> None:
    """Raise a French problem (413, 415 or 422) for the first rule an upload breaks."""
    if spec.files_required and not uploads:
        raise _refused(422, spec.missing_files)
    if len(uploads) > limits.max_count:
        raise _refused(422, f"Au plus {limits.max_count} pièces jointes.")
    allowed = spec.accepted_types & limits.allowed_types
    for upload in uploads:
        name = upload.filename
        if len(upload.content) > limits.max_bytes:
            raise _refused(
                413, f"La pièce jointe « {name} » dépasse {limits.max_bytes // 1048576} Mio."
            )
        kind = content_type_of(upload)
        if kind not in allowed:
            accepted = ", ".join(sorted({label for _, label in SIGNATURES.values()}))
            hint = f" (types acceptés : {accepted})" if allowed <= set(SIGNATURES) else ""
            raise _refused(415, f"Le type de fichier de « {name} » n'est pas accepté{hint}.")
        if kind in SIGNATURES and not upload.content.startswith(SIGNATURES[kind][0]):
            raise _refused(
                415, f"Le contenu de « {name} » n'est pas un fichier {SIGNATURES[kind][1]} valide."
            )


async def keep_uploads(
    uploads: Sequence[Upload], *, spec: FormSpec, blobs: BlobStore
) -> list[Attachment]:
    check_uploads(uploads, spec=spec, limits=blobs.limits)
    kept = []
    for index, upload in enumerate(uploads):
        try:
            kept.append(
                await blobs.keep_attachment(
                    filename=upload.filename,
                    content_type=content_type_of(upload),
                    content=upload.content,
                    index=index,
                )
            )
        except AttachmentRefused as exc:
            raise _refused(422, str(exc)) from exc
    return kept
