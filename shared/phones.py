"""French phone numbers: parsed with the region FR by default, kept in E.164."""

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, Field

MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _parse(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(value: str) -> str:
    """The number in E.164; ValueError (French message) when it is not a valid number."""
    number = _parse(value)
    if number is None:
        raise ValueError(
            f"Numéro de téléphone invalide : « {value[:40]} » (exemple : 06 12 34 56 78)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_e164_or_none(value: str | None) -> str | None:
    """For numbers we do not choose (a caller's id): withheld or odd numbers become None."""
    number = _parse(value) if value else None
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def can_receive_sms(e164: str) -> bool:
    number = _parse(e164)
    return number is not None and phonenumbers.number_type(number) in MOBILE_TYPES


FrenchPhone = Annotated[str, Field(max_length=40), AfterValidator(to_e164)]
"""An input field holding a phone number, validated and kept in E.164."""
