"""Steps the end-to-end tests share: file a request, follow it, read the mail sink, open the
citizen's status link."""

import email
import email.policy
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from shared.auth import DEV_SECRET, Agent, issue_token
from tests.support import eventually

# The citizens' status link, as every channel's first message carries it.
LINK = re.compile(r"https?://\S+/suivi/(?P<reference>[0-9]{4}-[A-Z][0-9]+)\?code=(?P<code>[\w-]+)")
REQUEST = {
    "category": "voirie",
    "subject": "Nid-de-poule rue des Lilas",
    "description": "Un nid-de-poule dangereux devant le 12 rue des Lilas.",
    "citizen": {"email": "camille.martin@example.org", "name": "Camille Martin"},
}
AGENT_TOKEN = issue_token(
    agent=Agent(
        agent_id="a-1", name="Julie Moreau", department="services_techniques", roles=["agent"]
    ),
    secret=DEV_SECRET,
)


def department_label(view: dict[str, Any]) -> str | None:
    department = view.get("department")
    return department.get("label") if isinstance(department, dict) else department


async def routed_view(
    client: httpx.AsyncClient, tracking: str, accepted: dict[str, Any], *, timeout: float = 30
) -> dict[str, Any]:
    """Poll the citizen's status view until routing's decision shows."""
    view: dict[str, Any] = {}

    async def routed() -> bool:
        nonlocal view
        response = await client.get(
            f"{tracking}/v1/public/requests/{accepted['reference']}",
            headers={"X-Tracking-Token": accepted["tracking_token"]},
        )
        view = response.json() if response.status_code == 200 else {}
        return bool(view.get("due_at")) and department_label(view) is not None

    await eventually(routed, timeout=timeout, interval=0.2)
    return view


async def mail_for(mail_dir: Path, reference: str, *, timeout: float = 30) -> EmailMessage:
    found: list[EmailMessage] = []

    async def arrived() -> bool:
        for path in mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if reference in str(message["Subject"]):
                found.append(message)  # type: ignore[arg-type]
                return True
        return False

    await eventually(arrived, timeout=timeout, interval=0.2)
    return found[0]


async def open_status_link(client: httpx.AsyncClient, link: str, reference: str) -> None:
    """The link opens the request's status page on the citizens' site, and only with its code."""
    page = await client.get(link)
    assert page.status_code == 200, page.text
    assert f"Demande {reference}</h1>" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    code = link.rsplit("=", 1)[1]
    wrong = await client.get(link.replace(code, code[:-1] + ("y" if code[-1] == "x" else "x")))
    assert wrong.status_code == 404 and "Aucune demande ne correspond" in wrong.text


def send_email(
    port: int, citizen: str, *, message_id: str = "<lampadaire-lilas-1@example.org>"
) -> None:
    """A citizen's email to the town, over SMTP to the email adapter (blocking)."""
    message = EmailMessage()
    message["From"] = f"Camille Martin <{citizen}>"
    message["To"] = "mairie@ville.example"
    message["Subject"] = "Lampadaire éteint rue des Lilas"
    message["Message-ID"] = message_id
    message.set_content(
        "Bonjour, le lampadaire devant le 12 rue des Lilas est éteint depuis lundi."
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(message)


async def acknowledgement(mail_dir: Path, citizen: str, *, timeout: float = 60) -> EmailMessage:
    """The acknowledgement sent to `citizen`, read from the SMTP sink's files."""
    found: list[EmailMessage] = []

    async def arrived() -> bool:
        for path in mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            to = message["To"].addresses if message["To"] else ()
            subject = str(message["Subject"])
            if any(a.addr_spec == citizen for a in to) and "accusé de réception" in subject:
                found.append(message)  # type: ignore[arg-type]
                return True
        return False

    await eventually(arrived, timeout=timeout, interval=0.3)
    return found[0]
