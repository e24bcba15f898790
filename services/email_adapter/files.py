"""Attachments kept within the limits; the refused ones are named, never silently dropped."""

from services.email_adapter.parts import FilePart
from shared.blobs import AttachmentRefused, BlobStore
from shared.events import Attachment


async def keep_files(blobs: BlobStore, files: list[FilePart]) -> tuple[list[Attachment], list[str]]:
    """(attachments kept, French reasons for the refused ones)."""
    kept: list[Attachment] = []
    refused: list[str] = []
    for part in files:
        if not part.content:
            refused.append(f"La pièce jointe « {part.filename} » est vide.")
            continue
        try:
            kept.append(
                await blobs.keep_attachment(
                    filename=part.filename,
                    content_type=part.content_type,
                    content=part.content,
                    index=len(kept),
                )
            )
        except AttachmentRefused as exc:
            reason = str(exc)
            refused.append(reason if part.filename in reason else f"« {part.filename} » : {reason}")
    return kept, refused


def refused_note(refused: list[str]) -> str:
    if not refused:
        return ""
    lines = "\n".join(f"- {reason}" for reason in refused)
    return f"\n\nPièces jointes non retenues (le message d'origine est conservé) :\n{lines}"
