"""The simulated org's metadata: every object, every field, as describe reports them.

This module is the single source of truth for the simulator's shape: the record store
validates writes against it, the REST layer serialises describe from it and the SOQL
binder (``syncd.simulator.soql``) resolves field names through it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    """Field types with the exact spelling of describe's ``type`` attribute."""

    ID = "id"
    STRING = "string"
    TEXTAREA = "textarea"
    PICKLIST = "picklist"
    COMBOBOX = "combobox"
    REFERENCE = "reference"
    BOOLEAN = "boolean"
    INT = "int"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    # History objects' OldValue/NewValue: the changed field's own value, typed as it was.
    ANYTYPE = "anyType"


#: Types whose values are text (string-like in JSON, SOQL string literals).
TEXT_TYPES = frozenset(
    {
        FieldType.ID,
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.PICKLIST,
        FieldType.COMBOBOX,
        FieldType.REFERENCE,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
    }
)
#: Types whose values are numbers.
NUMBER_TYPES = frozenset({FieldType.INT, FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT})

# Describe's soapType per field type.
_SOAP_TYPES: Mapping[FieldType, str] = {
    FieldType.ID: "tns:ID",
    FieldType.STRING: "xsd:string",
    FieldType.TEXTAREA: "xsd:string",
    FieldType.PICKLIST: "xsd:string",
    FieldType.COMBOBOX: "xsd:string",
    FieldType.REFERENCE: "tns:ID",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.INT: "xsd:int",
    FieldType.DOUBLE: "xsd:double",
    FieldType.CURRENCY: "xsd:double",
    FieldType.PERCENT: "xsd:double",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
    FieldType.TIME: "xsd:time",
    FieldType.EMAIL: "xsd:string",
    FieldType.PHONE: "xsd:string",
    FieldType.URL: "xsd:string",
    FieldType.ANYTYPE: "xsd:anyType",
}

# Long text areas (> 255) are what Salesforce counts for the 200-record page rule.
LONG_TEXT_THRESHOLD = 255


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field as describe shows it.

    ``length`` is in characters for text types (0 otherwise); ``precision``/``scale``
    are digits for number types. ``restricted_picklist`` makes values outside
    ``picklist_values`` an error (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST).
    """

    name: str
    type: FieldType
    length: int = 0
    precision: int = 0
    scale: int = 0
    updateable: bool = True
    createable: bool = True
    nillable: bool = True
    picklist_values: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    label: str = ""
    custom: bool = False
    restricted_picklist: bool = False
    defaulted_on_create: bool = False
    default_value: str | bool | None = None
    calculated: bool = False
    # Field History Tracking is on for this field: each change writes a <Object>History row.
    history_tracked: bool = False

    @property
    def soap_type(self) -> str:
        return _SOAP_TYPES[self.type]

    @property
    def is_long_text(self) -> bool:
        return self.type is FieldType.TEXTAREA and self.length > LONG_TEXT_THRESHOLD

    @property
    def read_only(self) -> bool:
        return not (self.createable or self.updateable)


@dataclass(frozen=True)
class ObjectDef:
    """One sObject: its name, key prefix and fields (lookup is case-insensitive, as in SOQL)."""

    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: tuple[FieldDef, ...]
    custom: bool = False
    _by_lower: Mapping[str, FieldDef] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_lower", {f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> FieldDef | None:
        """The field called ``name`` in any letter case, or None."""
        return self._by_lower.get(name.lower())

    def has_field(self, name: str) -> bool:
        return name.lower() in self._by_lower

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def read_only(self) -> bool:
        """Only the platform writes it (history objects): the API may read it, never write."""
        return not any(f.createable or f.updateable for f in self.fields)


class Schema(Mapping[str, ObjectDef]):
    """All objects of the org, looked up by name in any letter case or by key prefix."""

    def __init__(self, objects: tuple[ObjectDef, ...]) -> None:
        self._objects = {o.name: o for o in objects}
        self._by_lower = {o.name.lower(): o for o in objects}
        self._by_prefix = {o.key_prefix: o for o in objects}

    def __getitem__(self, name: str) -> ObjectDef:
        found = self._by_lower.get(name.lower())
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects)

    def __len__(self) -> int:
        return len(self._objects)

    def object(self, name: str) -> ObjectDef | None:
        """The object called ``name`` in any letter case, or None."""
        return self._by_lower.get(name.lower())

    def by_prefix(self, record_id: str) -> ObjectDef | None:
        """The object whose key prefix starts ``record_id``, or None."""
        return self._by_prefix.get(record_id[:3])


# --- ids -------------------------------------------------------------------------

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def to_18(id15: str) -> str:
    """Salesforce's case-safe 18-character form of a 15-character id.

    Each 5-character chunk contributes one suffix character whose bits mark which of
    its characters are upper-case letters.
    """
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError(f"not a 15-character Salesforce id: {id15!r}")
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i in range(5):
            ch = id15[chunk * 5 + i]
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def make_id(key_prefix: str, sequence: int, *, pod: str = "5g") -> str:
    """An 18-character id: key prefix, a 2-character pod/instance part, base-62 sequence."""
    if sequence >= 62**10:
        raise ValueError(f"id sequence too large: {sequence}")
    high, low = divmod(sequence, 62**5)
    head, head_suffix = _head(key_prefix + pod, high)
    # The low five digits as one digit and two digit pairs, each with its upper-case bits.
    first, rest = divmod(low, 62**4)
    second, third = divmod(rest, 62**2)
    bits = _DIGIT_BITS[first] | _PAIR_BITS[second] << 1 | _PAIR_BITS[third] << 3
    return (
        head
        + _BASE62[first]
        + _PAIRS[second]
        + _PAIRS[third]
        + head_suffix
        + _SUFFIX_ALPHABET[bits]
    )


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT_BITS = [1 if ch in _UPPER else 0 for ch in _BASE62]
_PAIRS = [a + b for a in _BASE62 for b in _BASE62]
_PAIR_BITS = [(a in _UPPER) | (b in _UPPER) << 1 for a in _BASE62 for b in _BASE62]


def _base62(n: int, width: int) -> str:
    digits = ""
    while n:
        n, rem = divmod(n, 62)
        digits = _BASE62[rem] + digits
    return digits.rjust(width, "0")


def _chunk_bits(chunk: str) -> str:
    bits = 0
    for i, ch in enumerate(chunk):
        if ch in _UPPER:
            bits |= 1 << i
    return _SUFFIX_ALPHABET[bits]


@functools.lru_cache(maxsize=4096)
def _head(prefix_and_pod: str, high: int) -> tuple[str, str]:
    """The first ten characters and the suffix's first two (they change every 62**5 ids)."""
    middle = _base62(high, 5)
    return prefix_and_pod + middle, _chunk_bits(prefix_and_pod) + _chunk_bits(middle)


def is_valid_id(value: str) -> bool:
    """True when ``value`` is a well-formed 15/18-character id (the checksum matches)."""
    if len(value) not in (15, 18) or not value.isalnum() or not value.isascii():
        return False
    return len(value) == 15 or to_18(value[:15]) == value


# --- builders ----------------------------------------------------------------------


def _id() -> FieldDef:
    return FieldDef(
        "Id",
        FieldType.ID,
        length=18,
        updateable=False,
        createable=False,
        nillable=False,
        label="Record ID",
    )


def _ro(name: str, ftype: FieldType, label: str, **kw: Any) -> FieldDef:
    """A system-maintained, read-only field."""
    return FieldDef(name, ftype, updateable=False, createable=False, label=label, **kw)


def _text(name: str, length: int, label: str, **kw: Any) -> FieldDef:
    return FieldDef(name, FieldType.STRING, length=length, label=label, **kw)


def _pick(
    name: str, label: str, values: tuple[str, ...], *, restricted: bool = False, **kw: Any
) -> FieldDef:
    return FieldDef(
        name,
        FieldType.PICKLIST,
        length=255,
        label=label,
        picklist_values=values,
        restricted_picklist=restricted,
        **kw,
    )


def _ref(name: str, label: str, *targets: str, **kw: Any) -> FieldDef:
    return FieldDef(name, FieldType.REFERENCE, length=18, label=label, reference_to=targets, **kw)


def _bool(name: str, label: str, **kw: Any) -> FieldDef:
    # Checkboxes are never null in Salesforce; they default to false.
    return FieldDef(
        name,
        FieldType.BOOLEAN,
        label=label,
        nillable=False,
        defaulted_on_create=True,
        default_value=False,
        **kw,
    )


def _system(*, deletable: bool = True) -> tuple[FieldDef, ...]:
    fields = [
        _ro("CreatedDate", FieldType.DATETIME, "Created Date", nillable=False),
        _ro(
            "CreatedById",
            FieldType.REFERENCE,
            "Created By ID",
            length=18,
            reference_to=("User",),
            nillable=False,
        ),
        _ro("LastModifiedDate", FieldType.DATETIME, "Last Modified Date", nillable=False),
        _ro(
            "LastModifiedById",
            FieldType.REFERENCE,
            "Last Modified By ID",
            length=18,
            reference_to=("User",),
            nillable=False,
        ),
        _ro("SystemModstamp", FieldType.DATETIME, "System Modstamp", nillable=False),
    ]
    if deletable:
        fields.insert(0, _ro("IsDeleted", FieldType.BOOLEAN, "Deleted", nillable=False))
    return tuple(fields)


def _owner(*targets: str, **kw: Any) -> FieldDef:
    return _ref("OwnerId", "Owner ID", *targets, nillable=False, defaulted_on_create=True, **kw)


# --- picklist values -----------------------------------------------------------------

LEAD_STATUSES: tuple[str, ...] = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
    "Nurture",
    "MQL",
    "Recycled",
    "Disqualified",
    "Sales Accepted",
    "Sales Qualified",
    "Could Not Reach",
)
DEFAULT_LEAD_STATUS = "Open - Not Contacted"
CONVERTED_LEAD_STATUS = "Closed - Converted"

INDUSTRIES: tuple[str, ...] = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government",
    "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
    "Not For Profit", "Recreation", "Retail", "Shipping", "Technology", "Telecommunications",
    "Transportation", "Utilities", "Other",
)  # fmt: skip

LEAD_SOURCES: tuple[str, ...] = (
    "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Advertisement",
    "Employee Referral", "External Referral", "Partner", "Public Relations",
    "Seminar - Internal", "Seminar - Partner", "Trade Show", "Word of mouth", "Other",
    # The standard list an org gets from syncd's metadata (salesforce-metadata/).
    "Advertising", "3rd Party Website", "Event", "Inbound", "Sales Sourced", "Referral",
    "Social", "List Purchase", "Email Campaign",
)  # fmt: skip

RATINGS: tuple[str, ...] = ("Hot", "Warm", "Cold")

TASK_TYPES: tuple[str, ...] = (
    "Call", "Email", "Meeting", "Other",
    # Marketing-automation activity types synced in as tasks.
    "Web Visit", "Pricing Page Visit", "Demo View", "White Paper Download", "Video View",
    "Blog View", "Contact Me Form", "Newsletter Subscribe", "Unsubscribe", "Social Share",
    "Webinar", "Email Open", "Email Click",
)  # fmt: skip

TASK_STATUSES: tuple[str, ...] = (
    "Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred",
)  # fmt: skip
CLOSED_TASK_STATUSES = frozenset({"Completed"})
TASK_PRIORITIES: tuple[str, ...] = ("High", "Normal", "Low")
TASK_SUBTYPES: tuple[str, ...] = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")

EVENT_TYPES: tuple[str, ...] = ("Call", "Email", "Meeting", "Other", "Webinar", "Demo")

CAMPAIGN_TYPES: tuple[str, ...] = (
    "Advertisement", "Banner Ads", "Conference", "Direct Mail", "Email", "Partners",
    "Public Relations", "Referral Program", "Telemarketing", "Trade Show", "Webinar", "Other",
)  # fmt: skip
CAMPAIGN_STATUSES: tuple[str, ...] = ("Planned", "In Progress", "Completed", "Aborted")
CAMPAIGN_MEMBER_STATUSES: tuple[str, ...] = ("Sent", "Opened", "Clicked", "Responded")
RESPONDED_MEMBER_STATUSES = frozenset({"Responded", "Clicked"})

OPPORTUNITY_STAGES: tuple[str, ...] = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
    "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
    "Negotiation/Review", "Closed Won", "Closed Lost",
)  # fmt: skip

TIME_ZONES: tuple[str, ...] = (
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "Europe/London", "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Kolkata",
    "Australia/Sydney", "GMT",
)  # fmt: skip

GROUP_TYPES: tuple[str, ...] = ("Queue", "Regular")

HOLIDAY_RECURRENCE_TYPES: tuple[str, ...] = (
    "RecursDaily", "RecursEveryWeekday", "RecursMonthly", "RecursMonthlyNth",
    "RecursWeekly", "RecursYearly", "RecursYearlyNth",
)  # fmt: skip
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

# --- objects -------------------------------------------------------------------------

LEAD = ObjectDef(
    "Lead", "00Q", "Lead", "Leads",
    (
        _id(),
        _ref("MasterRecordId", "Master Record ID", "Lead", updateable=False, createable=False),
        _text("LastName", 80, "Last Name", nillable=False),
        _text("FirstName", 40, "First Name"),
        _ro("Name", FieldType.STRING, "Full Name", length=121, nillable=False),
        _text("Title", 128, "Title"),
        _text("Company", 255, "Company", nillable=False),
        FieldDef("Street", FieldType.TEXTAREA, length=255, label="Street"),
        _text("City", 40, "City"),
        _text("State", 80, "State/Province"),
        _text("PostalCode", 20, "Zip/Postal Code"),
        _text("Country", 80, "Country"),
        FieldDef("Phone", FieldType.PHONE, length=40, label="Phone"),
        FieldDef("Email", FieldType.EMAIL, length=80, label="Email"),
        FieldDef("Website", FieldType.URL, length=255, label="Website"),
        FieldDef("Description", FieldType.TEXTAREA, length=32000, label="Description"),
        # Lead Source is an unrestricted standard picklist: messy API-written values exist.
        _pick("LeadSource", "Lead Source", LEAD_SOURCES, history_tracked=True),
        _pick("Status", "Status", LEAD_STATUSES, restricted=True, nillable=False,
              defaulted_on_create=True, default_value=DEFAULT_LEAD_STATUS,
              history_tracked=True),
        _pick("Industry", "Industry", INDUSTRIES),
        _pick("Rating", "Rating", RATINGS, history_tracked=True),
        FieldDef("AnnualRevenue", FieldType.CURRENCY, precision=18, scale=0,
                 label="Annual Revenue"),
        FieldDef("NumberOfEmployees", FieldType.INT, precision=8, label="Employees"),
        _owner("Group", "User", history_tracked=True),
        _ro("IsConverted", FieldType.BOOLEAN, "Converted", nillable=False),
        _ro("ConvertedDate", FieldType.DATE, "Converted Date"),
        _ro("ConvertedAccountId", FieldType.REFERENCE, "Converted Account ID", length=18,
            reference_to=("Account",)),
        _ro("ConvertedContactId", FieldType.REFERENCE, "Converted Contact ID", length=18,
            reference_to=("Contact",)),
        _ro("ConvertedOpportunityId", FieldType.REFERENCE, "Converted Opportunity ID",
            length=18, reference_to=("Opportunity",)),
        *_system(),
        FieldDef("Lead_Score__c", FieldType.DOUBLE, precision=5, scale=0, label="Lead Score",
                 custom=True),
        _text("Lead_Grade__c", 5, "Lead Grade", custom=True, history_tracked=True),
        FieldDef("Score_Reason__c", FieldType.TEXTAREA, length=32768, label="Score Reason",
                 custom=True),
        FieldDef("SLA_Due__c", FieldType.DATETIME, label="SLA Due", custom=True),
        FieldDef("Recycle_Count__c", FieldType.DOUBLE, precision=3, scale=0,
                 label="Recycle Count", custom=True, history_tracked=True),
        _text("Lead_Source_Detail__c", 255, "Lead Source Detail", custom=True),
        _text("Data_Quality__c", 255, "Data Quality", custom=True),
    ),
)  # fmt: skip

# What LeadHistory's Field picklist holds besides tracked field names: lifecycle events.
HISTORY_EVENTS: tuple[str, ...] = ("created", "leadConverted", "leadMerged")
# DataType of a history row, by the tracked field's type (a name row of a lookup is Text).
HISTORY_DATA_TYPES: Mapping[FieldType, str] = {
    FieldType.PICKLIST: "DynamicEnum",
    FieldType.REFERENCE: "EntityId",
    FieldType.STRING: "Text",
    FieldType.TEXTAREA: "TextArea",
    FieldType.DOUBLE: "Double",
    FieldType.CURRENCY: "Currency",
    FieldType.PERCENT: "Percent",
    FieldType.INT: "Number",
    FieldType.DATE: "Date",
    FieldType.DATETIME: "DateTime",
    FieldType.BOOLEAN: "Boolean",
    FieldType.EMAIL: "Email",
    FieldType.PHONE: "Phone",
    FieldType.URL: "Url",
}


def relationship_name(field: FieldDef) -> str | None:
    """A lookup's relationship name (OwnerId: Owner, Partner__c: Partner__r); None otherwise."""
    if field.type is not FieldType.REFERENCE:
        return None
    if field.custom and field.name.endswith("__c"):
        return field.name[:-3] + "__r"
    return field.name[:-2] if field.name.endswith("Id") else None


def history_field_name(field: FieldDef) -> str:
    """How a history row names ``field``: a standard lookup by its relationship (OwnerId: Owner)."""
    if not field.custom:
        return relationship_name(field) or field.name
    return field.name


# Field history rows are written by the platform only: nothing on them is createable.
LEAD_HISTORY = ObjectDef(
    "LeadHistory", "017", "Lead History", "Lead History",
    (
        _id(),
        _ro("IsDeleted", FieldType.BOOLEAN, "Deleted", nillable=False),
        _ro("LeadId", FieldType.REFERENCE, "Lead ID", length=18, reference_to=("Lead",),
            nillable=False),
        _ro("CreatedById", FieldType.REFERENCE, "Created By ID", length=18,
            reference_to=("User",), nillable=False),
        _ro("CreatedDate", FieldType.DATETIME, "Created Date", nillable=False),
        _ro("Field", FieldType.PICKLIST, "Changed Field", length=255, nillable=False,
            restricted_picklist=True,
            picklist_values=(*HISTORY_EVENTS, *(history_field_name(f) for f in LEAD.fields
                                                if f.history_tracked))),
        _ro("DataType", FieldType.PICKLIST, "Datatype", length=40,
            picklist_values=tuple(sorted(set(HISTORY_DATA_TYPES.values()))),
            restricted_picklist=True),
        _ro("OldValue", FieldType.ANYTYPE, "Old Value", length=255),
        _ro("NewValue", FieldType.ANYTYPE, "New Value", length=255),
    ),
)  # fmt: skip

TASK = ObjectDef(
    "Task", "00T", "Task", "Tasks",
    (
        _id(),
        _ref("WhoId", "Name ID", "Contact", "Lead"),
        _ref("WhatId", "Related To ID", "Account", "Opportunity", "Campaign"),
        FieldDef("Subject", FieldType.COMBOBOX, length=255, label="Subject"),
        FieldDef("ActivityDate", FieldType.DATE, label="Due Date Only"),
        _pick("Status", "Status", TASK_STATUSES, restricted=True, nillable=False,
              defaulted_on_create=True, default_value="Not Started"),
        _pick("Priority", "Priority", TASK_PRIORITIES, restricted=True, nillable=False,
              defaulted_on_create=True, default_value="Normal"),
        _owner("Group", "User"),
        FieldDef("Description", FieldType.TEXTAREA, length=32000, label="Description"),
        _pick("Type", "Type", TASK_TYPES),
        # TaskSubtype can be set on insert only.
        _pick("TaskSubtype", "Task Subtype", TASK_SUBTYPES, restricted=True, updateable=False),
        FieldDef("CallDurationInSeconds", FieldType.INT, precision=9, label="Call Duration"),
        # syncd's handoff-alert key (an External ID in a real org): lets a restarted
        # writeback find a Task it created before it could record the create.
        FieldDef("Syncd_Key__c", FieldType.STRING, length=80, label="syncd Key", custom=True),
        _ro("IsClosed", FieldType.BOOLEAN, "Closed", nillable=False),
        *_system(),
    ),
)  # fmt: skip

EVENT = ObjectDef(
    "Event", "00U", "Event", "Events",
    (
        _id(),
        _ref("WhoId", "Name ID", "Contact", "Lead"),
        _ref("WhatId", "Related To ID", "Account", "Opportunity", "Campaign"),
        FieldDef("Subject", FieldType.COMBOBOX, length=255, label="Subject"),
        FieldDef("StartDateTime", FieldType.DATETIME, label="Start Date Time"),
        FieldDef("EndDateTime", FieldType.DATETIME, label="End Date Time"),
        FieldDef("ActivityDateTime", FieldType.DATETIME, label="Due Date Time"),
        FieldDef("ActivityDate", FieldType.DATE, label="Due Date Only"),
        FieldDef("DurationInMinutes", FieldType.INT, precision=8, label="Duration"),
        _owner("User"),
        FieldDef("Description", FieldType.TEXTAREA, length=32000, label="Description"),
        _pick("Type", "Type", EVENT_TYPES),
        *_system(),
    ),
)  # fmt: skip

USER = ObjectDef(
    "User", "005", "User", "Users",
    (
        _id(),
        FieldDef("Username", FieldType.STRING, length=80, label="Username", nillable=False),
        _text("LastName", 80, "Last Name", nillable=False),
        _text("FirstName", 40, "First Name"),
        _ro("Name", FieldType.STRING, "Full Name", length=121, nillable=False),
        FieldDef("Email", FieldType.EMAIL, length=128, label="Email", nillable=False),
        _bool("IsActive", "Active"),
        _text("Department", 80, "Department"),
        _text("Title", 80, "Title"),
        _ref("ManagerId", "Manager ID", "User"),
        _pick("TimeZoneSidKey", "Time Zone", TIME_ZONES, restricted=True, nillable=False,
              defaulted_on_create=True, default_value="America/Los_Angeles"),
        *_system(deletable=False),
    ),
)  # fmt: skip

GROUP = ObjectDef(
    "Group", "00G", "Group", "Groups",
    (
        _id(),
        _text("Name", 40, "Name", nillable=False),
        _text("DeveloperName", 80, "Developer Name", nillable=False),
        _pick("Type", "Type", GROUP_TYPES, restricted=True, nillable=False, updateable=False),
        FieldDef("Email", FieldType.EMAIL, length=255, label="Email"),
        *_system(deletable=False),
    ),
)  # fmt: skip

CAMPAIGN = ObjectDef(
    "Campaign", "701", "Campaign", "Campaigns",
    (
        _id(),
        _text("Name", 80, "Name", nillable=False),
        _pick("Type", "Type", CAMPAIGN_TYPES),
        _pick("Status", "Status", CAMPAIGN_STATUSES),
        _bool("IsActive", "Active"),
        FieldDef("StartDate", FieldType.DATE, label="Start Date"),
        FieldDef("EndDate", FieldType.DATE, label="End Date"),
        FieldDef("Description", FieldType.TEXTAREA, length=32000, label="Description"),
        _owner("User"),
        _ro("NumberOfLeads", FieldType.INT, "Leads in Campaign", precision=9),
        *_system(),
    ),
)  # fmt: skip

CAMPAIGN_MEMBER = ObjectDef(
    "CampaignMember", "00v", "Campaign Member", "Campaign Members",
    (
        _id(),
        _ref("CampaignId", "Campaign ID", "Campaign", updateable=False, nillable=False),
        _ref("LeadId", "Lead ID", "Lead", updateable=False),
        _ref("ContactId", "Contact ID", "Contact", updateable=False),
        _pick("Status", "Status", CAMPAIGN_MEMBER_STATUSES),
        _ro("HasResponded", FieldType.BOOLEAN, "Responded", nillable=False),
        _ro("FirstRespondedDate", FieldType.DATE, "First Responded Date"),
        *_system(),
    ),
)  # fmt: skip

OPPORTUNITY = ObjectDef(
    "Opportunity", "006", "Opportunity", "Opportunities",
    (
        _id(),
        _ref("AccountId", "Account ID", "Account"),
        _text("Name", 120, "Name", nillable=False),
        _pick("StageName", "Stage", OPPORTUNITY_STAGES, restricted=True, nillable=False),
        FieldDef("Amount", FieldType.CURRENCY, precision=18, scale=2, label="Amount"),
        FieldDef("Probability", FieldType.PERCENT, precision=3, scale=0, label="Probability (%)"),
        FieldDef("CloseDate", FieldType.DATE, label="Close Date", nillable=False),
        _pick("LeadSource", "Lead Source", LEAD_SOURCES),
        _ro("IsClosed", FieldType.BOOLEAN, "Closed", nillable=False),
        _ro("IsWon", FieldType.BOOLEAN, "Won", nillable=False),
        _ref("CampaignId", "Campaign ID", "Campaign"),
        _owner("User"),
        *_system(),
    ),
)  # fmt: skip

ACCOUNT = ObjectDef(
    "Account", "001", "Account", "Accounts",
    (
        _id(),
        _text("Name", 255, "Account Name", nillable=False),
        _pick("Industry", "Industry", INDUSTRIES),
        FieldDef("Website", FieldType.URL, length=255, label="Website"),
        FieldDef("NumberOfEmployees", FieldType.INT, precision=8, label="Employees"),
        FieldDef("AnnualRevenue", FieldType.CURRENCY, precision=18, scale=0,
                 label="Annual Revenue"),
        _text("BillingCountry", 80, "Billing Country"),
        _owner("User"),
        *_system(),
    ),
)  # fmt: skip

CONTACT = ObjectDef(
    "Contact", "003", "Contact", "Contacts",
    (
        _id(),
        _ref("AccountId", "Account ID", "Account"),
        _text("LastName", 80, "Last Name", nillable=False),
        _text("FirstName", 40, "First Name"),
        _ro("Name", FieldType.STRING, "Full Name", length=121, nillable=False),
        _text("Title", 128, "Title"),
        FieldDef("Email", FieldType.EMAIL, length=80, label="Email"),
        FieldDef("Phone", FieldType.PHONE, length=40, label="Business Phone"),
        _pick("LeadSource", "Lead Source", LEAD_SOURCES),
        _owner("User"),
        *_system(),
    ),
)  # fmt: skip

ORGANIZATION_TYPES = ("Developer Edition", "Enterprise Edition", "Unlimited Edition")

_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

BUSINESS_HOURS = ObjectDef(
    "BusinessHours", "01m", "Business Hours", "Business Hours",
    (
        _id(),
        _text("Name", 80, "Business Hours Name", nillable=False),
        _bool("IsActive", "Active"),
        _bool("IsDefault", "Default Business Hours"),
        _pick("TimeZoneSidKey", "Time Zone", TIME_ZONES, restricted=True, nillable=False),
        *(
            FieldDef(f"{day}{edge}Time", FieldType.TIME, label=f"{day} {edge} Time")
            for day in _DAYS
            for edge in ("Start", "End")
        ),
        *_system(deletable=False),
    ),
)  # fmt: skip

HOLIDAY = ObjectDef(
    "Holiday", "0C0", "Holiday", "Holidays",
    (
        _id(),
        _text("Name", 80, "Holiday Name", nillable=False),
        _text("Description", 100, "Description"),
        _bool("IsAllDay", "All Day"),
        FieldDef("ActivityDate", FieldType.DATE, label="Holiday Date"),
        FieldDef("StartTimeInMinutes", FieldType.INT, precision=9, label="Start Time In Minutes"),
        FieldDef("EndTimeInMinutes", FieldType.INT, precision=9, label="End Time In Minutes"),
        _bool("IsRecurrence", "Recurring Holiday"),
        FieldDef("RecurrenceStartDate", FieldType.DATE, label="Recurrence Start"),
        FieldDef("RecurrenceEndDateOnly", FieldType.DATE, label="Recurrence End"),
        _pick("RecurrenceType", "Recurrence Type", HOLIDAY_RECURRENCE_TYPES, restricted=True),
        FieldDef("RecurrenceInterval", FieldType.INT, precision=9, label="Recurrence Interval"),
        FieldDef("RecurrenceDayOfWeekMask", FieldType.INT, precision=9,
                 label="Recurrence Day of Week Mask"),
        FieldDef("RecurrenceDayOfMonth", FieldType.INT, precision=9,
                 label="Recurrence Day of Month"),
        _pick("RecurrenceInstance", "Recurrence Instance",
              ("First", "Second", "Third", "Fourth", "Last"), restricted=True),
        _pick("RecurrenceMonthOfYear", "Recurrence Month of Year", MONTHS, restricted=True),
        *_system(deletable=False),
    ),
)  # fmt: skip

# The org itself: one read-only record whose IsSandbox tells a sandbox from production.
ORGANIZATION = ObjectDef(
    "Organization", "00D", "Organization", "Organizations",
    (
        _id(),
        _ro("Name", FieldType.STRING, "Name", length=80, nillable=False),
        _ro("IsSandbox", FieldType.BOOLEAN, "Is Sandbox", nillable=False),
        _ro("OrganizationType", FieldType.PICKLIST, "Edition", length=255,
            picklist_values=ORGANIZATION_TYPES),
        _ro("InstanceName", FieldType.STRING, "Instance Name", length=5),
        *_system(deletable=False),
    ),
)  # fmt: skip

SCHEMA = Schema(
    (
        LEAD, TASK, EVENT, USER, GROUP, CAMPAIGN, CAMPAIGN_MEMBER, OPPORTUNITY, ACCOUNT,
        CONTACT, BUSINESS_HOURS, HOLIDAY, LEAD_HISTORY, ORGANIZATION,
    )
)  # fmt: skip


def get_object(name: str) -> ObjectDef:
    """The object called ``name`` (any letter case); KeyError when the org has none."""
    return SCHEMA[name]
