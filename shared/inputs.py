"""Base of the input schemas people and their forms fill in."""

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class BlankIsAbsent(BaseModel):
    """Surrounding spaces stripped; a field sent blank ("" or spaces) counts as not given,
    as HTML forms send every field left empty. Subclasses choose `extra`."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data
