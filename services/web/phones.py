"""Phone numbers citizens type: parsed with the region FR by default, kept in E.164."""

import phonenumbers


def to_e164(value: str) -> str:
    """The number in E.164; ValueError with a French message when it is not a valid number."""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Numéro de téléphone invalide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
