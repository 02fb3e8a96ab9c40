"""Request and response bodies of the documents routes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RenderingOut(BaseModel):
    """A rendering of a document, as recorded: the hash an auditor compares a re-render with."""

    number: str
    sha256: str = Field(description="SHA-256 of the PDF's bytes, lower-case hex")
    byte_length: int
    renderer: str = Field(description="the layout, model and PDF library versions that drew the bytes")
    recorded: bool = Field(description="false if this renderer's rendering had been recorded already")
