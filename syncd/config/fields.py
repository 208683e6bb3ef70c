"""Field mappings: which Salesforce fields syncd reads and writes, loaded from ``mappings/``.

``fields.yaml`` says, per synced object, which Salesforce field lands in which mirror
attribute (``pull``), which Salesforce field each logical output is written to
(``writeback``, Lead only), which outputs the daemon owns outright (``daemon_owned``), how
raw values are normalised (``value_maps``) and an optional extra SOQL filter (``where``).
The format is documented for admins in ``mappings/README.md``.

`read_mappings` validates the whole file and returns every problem at once, each a `Problem`
naming the file, the path inside it and what is wrong. Nothing here talks to Salesforce;
`syncd check` compares the result with the org's describe.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from syncd.config.fields_model import (
    FIELDS_FILE,
    OPTIONAL_OUTPUTS,
    REQUIRED_ATTRIBUTES,
    SYNCED_OBJECTS,
    WRITEBACK_OBJECT,
    WRITEBACK_OUTPUTS,
    FieldMappings,
    ObjectMapping,
    ValueMap,
)
from syncd.config.fields_validate import validate_document
from syncd.config.problem import ConfigurationError, Problem
from syncd.config.yamlfile import read_yaml

__all__ = [
    "FIELDS_FILE",
    "OPTIONAL_OUTPUTS",
    "REQUIRED_ATTRIBUTES",
    "SYNCED_OBJECTS",
    "WRITEBACK_OBJECT",
    "WRITEBACK_OUTPUTS",
    "FieldMappings",
    "ObjectMapping",
    "ValueMap",
    "load_mappings",
    "read_mappings",
]


def read_mappings(directory: Path) -> tuple[FieldMappings | None, list[Problem]]:
    """Read and validate ``directory/fields.yaml``: the mappings, or None and every problem."""
    doc = read_yaml(directory, FIELDS_FILE)
    objects = validate_document(doc, doc.data) if doc.data is not None else {}
    if doc.problems:
        return None, doc.problems
    ordered = {name: objects[name] for name in SYNCED_OBJECTS}
    return (
        FieldMappings(MappingProxyType(ordered), FIELDS_FILE, MappingProxyType(dict(doc.lines))),
        [],
    )


def load_mappings(directory: Path) -> FieldMappings:
    """Read and validate ``directory/fields.yaml``.

    Raises :class:`ConfigurationError` listing every problem (file, path, what is wrong, line).
    """
    mappings, problems = read_mappings(directory)
    if mappings is None:
        raise ConfigurationError(problems)
    return mappings
