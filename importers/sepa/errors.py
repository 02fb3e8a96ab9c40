"""Errors of the SEPA file writers: an output that fails its XSD is never handed out."""

from __future__ import annotations


class SepaSchemaError(ValueError):
    """The generated file does not validate against the ISO 20022 XSD ``schema``.

    Inputs are checked before the file is written, so this means a bug or an unchecked field:
    ``errors`` lists libxml2's messages as ``line N: message``.

    >>> str(SepaSchemaError("pain.008.001.08", ("line 3: Element 'X': not expected.",)))
    "pain.008.001.08: the generated file is not schema-valid: line 3: Element 'X': not expected."
    """

    def __init__(self, schema: str, errors: tuple[str, ...]) -> None:
        self.schema = schema
        self.errors = errors
        super().__init__(f"{schema}: the generated file is not schema-valid: {'; '.join(errors)}")

    def __reduce__(self) -> tuple[type[SepaSchemaError], tuple[str, tuple[str, ...]]]:
        return (type(self), (self.schema, self.errors))
