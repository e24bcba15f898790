"""A GeoReport v2 POST: the fields a client may send, checked (French messages)."""

import re
from collections.abc import Iterable
from typing import Any

from pydantic import (
    AnyHttpUrl,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from shared.inputs import BlankIsAbsent
from shared.phones import to_e164

MAX_ATTRIBUTES = 20
MAX_ANSWER = 1000
_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\]]*)\](?:\[\])?$")
ATTRIBUTE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ServiceRequestInput(BlankIsAbsent):
    """The POST fields of GeoReport v2 (api_key is checked before, apart)."""

    model_config = ConfigDict(extra="ignore")

    jurisdiction_id: str | None = Field(default=None, max_length=100)
    service_code: str = Field(min_length=1, max_length=64)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    long: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    address_string: str | None = Field(default=None, max_length=500, pattern=r"\S")
    address_id: str | None = Field(default=None, max_length=100, pattern=r"\S")
    email: EmailStr | None = None
    device_id: str | None = Field(default=None, max_length=100)
    account_id: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=80)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=4000)
    media_url: AnyHttpUrl | None = Field(default=None, max_length=2000)
    attribute: dict[str, str] = Field(default_factory=dict, max_length=MAX_ATTRIBUTES)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    @field_validator("attribute")
    @classmethod
    def _attribute_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code, answer in value.items():
            if not ATTRIBUTE_CODE.match(code):
                raise ValueError(f"Code d'attribut invalide : « {code[:64]} ».")
            if len(answer) > MAX_ANSWER:
                raise ValueError(f"L'attribut « {code} » dépasse {MAX_ANSWER} caractères.")
        return value

    @model_validator(mode="after")
    def _located(self) -> "ServiceRequestInput":
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat et long doivent être fournis ensemble.")
        if self.lat is None and not self.address_string and not self.address_id:
            raise ValueError(
                "Localisation manquante : fournissez lat et long, address_string ou address_id."
            )
        return self


def collect_fields(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Form or JSON fields, with `attribute[code]` (and `attribute[code][]`) gathered."""
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in pairs:
        if match := _ATTRIBUTE.match(key):
            code = match["code"]
            attributes[code] = f"{attributes[code]},{value}" if code in attributes else value
        elif key == "attribute" and isinstance(value, dict):
            attributes.update(value)
        elif key not in fields:
            fields[key] = value
    if attributes:
        fields["attribute"] = {str(k): _scalar(v) for k, v in attributes.items()}
    return fields


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)
