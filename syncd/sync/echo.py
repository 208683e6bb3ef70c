"""Which pulled changes are only the echo of syncd's own writes (so they are not re-evaluated).

After a write cycle the next pull brings back every lead syncd wrote, with a new
SystemModstamp. Re-deciding those leads would find nothing to do; it only costs time and
makes the summary's "changed" column say thousands where nobody changed anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.config.fields import ObjectMapping
from syncd.salesforce.formats import same_stored

# Columns every save moves, whoever saved: they say nothing about what changed.
STAMPS = frozenset({"system_modstamp", "last_modified_date", "last_modified_by_id"})


def written_as(mapping: ObjectMapping) -> dict[str, str]:
    """Mirror attribute -> the output syncd writes into it."""
    return {
        attribute: output
        for output, sf_field in mapping.writeback.items()
        if (attribute := mapping.attribute_of(sf_field)) is not None
    }


def is_echo(
    moved: frozenset[str],
    values: Mapping[str, Any],
    written: Mapping[str, Any],
    outputs: Mapping[str, str],
) -> bool:
    """Whether a record whose ``moved`` attributes changed holds only what syncd wrote.

    ``values`` are the record's attributes as now pulled, ``written`` what syncd last wrote
    (output -> value) and ``outputs`` which output each written attribute holds. A change in
    the stamps alone (a field syncd does not read) is an echo too: nothing it reads moved.
    """
    for attribute in moved - STAMPS:
        output = outputs.get(attribute)
        if output is None or output not in written:
            return False
        if not same_stored(values.get(attribute), written[output]):
            return False
    return True
