"""What every route of the service reaches: settings, store, booker."""

from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends
from pymongo.asynchronous.database import AsyncDatabase

from services.appointments.agendas import Agenda
from services.appointments.booker import Booker
from services.appointments.settings import AppointmentsSettings
from services.appointments.store import get_agenda
from shared.auth import Agent
from shared.http import app_state
from shared.mongo import Document
from shared.problems import ProblemError


@dataclass
class Appointments:
    settings: AppointmentsSettings
    db: AsyncDatabase[Document]
    booker: Booker

    @property
    def tz(self) -> ZoneInfo:
        return self.booker.tz

    async def agenda(self, agenda_id: str) -> Agenda:
        agenda = await get_agenda(self.db, agenda_id)
        if agenda is None:
            raise ProblemError(404, f"Agenda inconnu : « {agenda_id[:64]} ».")
        return agenda


Context = Annotated[Appointments, Depends(app_state("appointments"))]


def may_manage(agent: Agent, agenda_department: str) -> None:
    """Agents manage their own department's agendas (role `admin`: every agenda)."""
    if agent.department != agenda_department and "admin" not in agent.roles:
        raise ProblemError(
            403, "Cet agenda relève d'un autre service : vous ne pouvez pas le modifier."
        )
