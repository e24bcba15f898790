"""Portal attachments: the form's rules and the store's limits, answered with French problems."""

import pytest
from starlette.datastructures import Headers

from services.portal.attachments import check_uploads, content_type_of
from services.portal.forms import FORMS
from services.portal.limits import limit_for, too_large_detail
from shared.blobs import Limits
from shared.problems import ProblemError
from shared.uploads import Upload

PDF = Upload("cv.pdf", "application/pdf", b"%PDF-1.7\n...")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def refusal(uploads: list[Upload], form: str = "candidature", **limits: int) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        check_uploads(uploads, spec=FORMS[form], limits=Limits(**limits))
    return caught.value


def test_a_pdf_cv_is_accepted() -> None:
    check_uploads([PDF], spec=FORMS["candidature"], limits=Limits())


def test_a_cv_is_required() -> None:
    problem = refusal([])
    assert problem.status == 422
    assert problem.detail == "Le CV est obligatoire (fichier PDF, ODT ou DOCX)."
    assert problem.extra["errors"][0]["field"] == "files"


def test_a_cv_in_another_format_is_refused_with_415() -> None:
    problem = refusal([Upload("cv.png", "image/png", b"\x89PNG...")])
    assert problem.status == 415
    assert "« cv.png »" in problem.detail and "DOCX, ODT, PDF" in problem.detail


def test_a_file_claiming_to_be_a_pdf_must_be_one() -> None:
    problem = refusal([Upload("cv.pdf", "application/pdf", b"MZ\x90\x00")])
    assert problem.status == 415
    assert problem.detail == "Le contenu de « cv.pdf » n'est pas un fichier PDF valide."


def test_too_large_and_too_many_files() -> None:
    assert refusal([PDF], max_bytes=4).status == 413
    assert "dépasse" in refusal([PDF], max_bytes=4).detail
    too_many = refusal([PDF, PDF, PDF], max_count=2)
    assert too_many.status == 422
    assert too_many.detail == "Au plus 2 pièces jointes."


def test_other_forms_take_photos_but_no_executables() -> None:
    photo = Upload("trou.jpg", "image/jpeg", b"\xff\xd8\xff")
    check_uploads([photo], spec=FORMS["demande_generale"], limits=Limits())
    check_uploads([], spec=FORMS["inscription_scolaire"], limits=Limits())
    exe = Upload("virus.exe", "application/x-msdownload", b"MZ")
    assert refusal([exe], "demande_generale").status == 415


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (Upload("lettre.docx", "application/octet-stream", b"PK"), DOCX),
        (Upload("cv.ODT", "", b"PK"), "application/vnd.oasis.opendocument.text"),
        (Upload("cv.pdf", "Application/PDF; name=cv.pdf", b""), "application/pdf"),
        (Upload("photo.jpg", "", b""), "image/jpeg"),
        (Upload("sans-extension", "", b""), ""),
    ],
)
def test_content_type_falls_back_on_the_extension(upload: Upload, expected: str) -> None:
    assert content_type_of(upload) == expected


def test_body_limits_depend_on_the_content_type() -> None:
    limits = {"json_bytes": 65536, "upload_bytes": 25 * 1048576}
    assert limit_for(Headers({"content-type": "application/json"}), **limits) == 65536
    multipart = Headers({"content-type": "multipart/form-data; boundary=x"})
    assert limit_for(multipart, **limits) == 25 * 1048576
    assert too_large_detail(65536) == "Le contenu dépasse la taille maximale autorisée (64 Kio)."
    assert too_large_detail(25 * 1048576).endswith("(25 Mio).")
