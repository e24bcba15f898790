"""What an upload must pass before it is stored: size, type by content, virus scan."""

from services.documents.scanning import ScanFailed, Scanner, ScannerUnavailable
from services.documents.sniffing import ACCEPTED, accepted_labels, sniff
from shared.problems import ProblemError

UNAVAILABLE = (
    "L'analyse antivirus est momentanément indisponible : le fichier n'a pas été "
    "enregistré ; réessayez dans quelques instants."
)


def _refused(status: int, message: str) -> ProblemError:
    return ProblemError(status, message, errors=[{"field": "file", "message": message}])


async def checked_type(*, filename: str, content: bytes, scanner: Scanner) -> str:
    """The content's MIME type once every check passed; a French problem otherwise."""
    if not content:
        raise _refused(422, f"Le fichier « {filename} » est vide.")
    kind = sniff(content)
    try:
        verdict = await scanner.scan(content)
    except ScannerUnavailable as exc:
        raise ProblemError(503, UNAVAILABLE, headers={"Retry-After": "30"}) from exc
    except ScanFailed as exc:
        raise _refused(
            422,
            f"Le fichier « {filename} » n'a pas pu être analysé (illisible ou protégé) : "
            "il a été refusé et n'a pas été conservé.",
        ) from exc
    if verdict.infected:
        raise _refused(
            422,
            f"Le fichier « {filename} » contient un virus ({verdict.signature}) : "
            "il a été refusé et n'a pas été conservé.",
        )
    if kind not in ACCEPTED:
        raise _refused(
            415,
            f"Le contenu de « {filename} » n'est pas d'un type accepté ({kind}) ; "
            f"types acceptés : {accepted_labels()}.",
        )
    return kind
