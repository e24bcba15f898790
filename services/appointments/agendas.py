"""Agendas: what can be booked, when the desk is open, and who may book."""

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("La date doit préciser son fuseau horaire (ex. +01:00 ou Z).")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Audience(StrEnum):
    """Who may book: anyone, or only a citizen with an open request."""

    ANYONE = "anyone"
    OPEN_REQUEST = "open_request"


class OpeningRange(Model):
    """One weekly opening, in the town's local time (e.g. Tuesday 09:00-12:00)."""

    weekday: int = Field(ge=0, le=6, description="0 = lundi ... 6 = dimanche")
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Les heures d'ouverture sont en heure locale, sans fuseau.")
        if self.end <= self.start:
            raise ValueError("La fin d'une plage d'ouverture doit suivre son début.")
        return self


class ClosureKind(StrEnum):
    CLOSURE = "closure"
    ABSENCE = "absence"


class ClosureInput(Model):
    """An exception to the template: the desk is closed, or an agent is away (one place less)."""

    kind: ClosureKind = ClosureKind.CLOSURE
    start: AwareDatetime
    end: AwareDatetime
    places: int = Field(default=1, ge=1, le=50, description="Places removed by an absence")
    reason: str = Field(min_length=1, max_length=300)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("La fin de la fermeture doit suivre son début.")
        return self


class Closure(ClosureInput):
    closure_id: str = Field(min_length=1, max_length=64)
    actor: str = Field(min_length=1, max_length=100)


class AgendaInput(Model):
    """An agenda as an agent describes it."""

    agenda_id: Slug
    department: str = Field(min_length=1, max_length=64)
    kind: Slug = Field(description="Kind of appointment, e.g. passeport; quotas count per kind")
    title: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    duration_min: int = Field(ge=5, le=480)
    capacity: int = Field(ge=1, le=50, description="Places per slot")
    documents: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=30
    )
    audience: Audience = Audience.ANYONE
    opening: list[OpeningRange] = Field(min_length=1, max_length=100)
    closed_on_public_holidays: bool = True
    horizon_days: int = Field(default=60, ge=1, le=366)
    min_notice_min: int = Field(default=120, ge=0, le=60 * 24 * 30)
    max_future_per_contact: int = Field(default=2, ge=1, le=20)


class Agenda(AgendaInput):
    closures: list[Closure] = Field(default_factory=list)
