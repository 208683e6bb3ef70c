"""Seed data for the simulated org: a realistic, messy, deterministic marketing-to-sales org.

``generate_org(org, leads=N, seed=S, now=T)`` fills an ``Org`` with users (sales reps, some
inactive, their managers, marketing users, a marketing-automation user), lead queues,
default business hours and US holidays, campaigns and members, N leads with the mess real
orgs carry (title variants, inconsistent lead sources and country spellings, invalid and
duplicate emails), marketing and sales activities, converted leads with opportunities and
merged duplicates, all spread over the 90 days before ``now``. Same seed and ``now`` give
the same org, record for record.

Speed matters (100,000 leads and about a million activities must seed in seconds), so
Faker is asked only for pools of a few hundred values per kind, once; rows are plain dicts
combined from those pools with one ``random.Random`` and bulk-loaded with ``Org.load``.
"""

from __future__ import annotations

import gc
import importlib
import math
import random
import re
import time as _time
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import holidays
from faker import Faker

from syncd.simulator.org import Org
from syncd.simulator.schema import INDUSTRIES

if TYPE_CHECKING:
    from syncd.simulator.outcomes import OutcomePlan

T = TypeVar("T")

# --- names other modules rely on ------------------------------------------------------------

SALES_DEPARTMENT = "Sales"
MARKETING_DEPARTMENT = "Marketing"
REP_TITLES: tuple[str, ...] = ("Account Executive", "SDR")
MANAGER_TITLES: tuple[str, ...] = ("VP of Sales", "Sales Manager")
NURTURE_QUEUE = "Nurture_Queue"
UNASSIGNED_QUEUE = "Unassigned_Queue"
PARTNER_QUEUE = "Partner_Queue"
USER_DOMAIN = "acme-analytics.example.com"
MARKETING_AUTOMATION_USERNAME = f"marketing.automation@{USER_DOMAIN}"
BUSINESS_HOURS_ZONE = "America/New_York"
HISTORY = timedelta(days=90)

SALES_REPS = 12
# The reps the default mappings/policy.yaml routes to by username, so the demo's org and the
# shipped policy fit together; the other reps get Faker names.
NAMED_REPS: tuple[tuple[str, str], ...] = (
    ("Ava", "Patel"), ("Ben", "Okafor"), ("Chloe", "Martin"), ("Dieter", "Schmidt"),
    ("Elodie", "Durand"), ("Grace", "Kim"), ("Henry", "Lopez"), ("Irene", "Chen"),
)  # fmt: skip
INACTIVE_REPS = 2

# Shares of the lead population (of all leads generated).
INVALID_EMAIL_SHARE = 0.03
DUPLICATE_EMAIL_SHARE = 0.02
CONVERTED_SHARE = 0.04
# Share of duplicate pairs an admin has already merged.
MERGED_DUPLICATE_SHARE = 0.25


def _weighted(pairs: Sequence[tuple[T, float]]) -> tuple[tuple[T, ...], tuple[float, ...]]:
    """Values and cumulative weights for ``random.choices(values, cum_weights=...)``."""
    values = tuple(v for v, _ in pairs)
    return values, tuple(accumulate(w for _, w in pairs))


class _Pick:
    """A weighted choice drawn many times: ``pick(rng)`` costs one ``random()`` call."""

    __slots__ = ("_cum", "_total", "_values")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self._values, self._cum = _weighted(pairs)
        self._total = self._cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self._values[bisect_right(self._cum, rng.random() * self._total)]

    def many(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self._values, cum_weights=self._cum, k=k)


def _one(rng: random.Random, pool: Sequence[T]) -> T:
    return pool[int(rng.random() * len(pool))]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# --- messy lead attributes ------------------------------------------------------------------

_TITLES = _Pick(
    [
        # Sales leadership, spelled every way people type it.
        ("VP Sales", 3), ("V.P. of Sales", 1.5), ("Vice President, Sales", 1.5),
        ("vice president", 1), ("VP of Sales", 2), ("SVP Sales", 0.8), ("vp sales", 0.7),
        ("Head of Sales", 2), ("Director of Sales", 2.5), ("Sales Director", 2),
        ("Sales Manager", 4), ("Account Executive", 3), ("Sales Rep", 2),
        ("CRO", 0.6), ("Chief Revenue Officer", 0.6),
        # Marketing.
        ("Head of Marketing", 2), ("CMO", 1), ("Chief Marketing Officer", 0.8),
        ("VP Marketing", 1.5), ("VP, Marketing", 0.8), ("Marketing Director", 2),
        ("Dir. Marketing", 0.6), ("Marketing Manager", 5), ("Demand Generation Manager", 2),
        ("Marketing Operations Manager", 1.5), ("Marketing Coordinator", 2.5),
        ("Marketing Intern", 1.2),
        # Technology.
        ("CTO", 1.5), ("Chief Technology Officer", 1), ("VP Engineering", 1),
        ("VP of Engineering", 0.7), ("Head of IT", 1.2), ("IT Director", 1.5),
        ("IT Manager", 3), ("Software Engineer", 3), ("Sr. Software Engineer", 1.5),
        ("Developer", 1.5), ("Data Analyst", 1.5),
        # Executives and owners.
        ("CEO", 2), ("Chief Executive Officer", 0.8), ("ceo", 0.3), ("Founder", 1),
        ("Co-Founder & CEO", 0.8), ("Owner", 1.5), ("President", 1), ("COO", 0.6),
        ("CFO", 0.8), ("Chief Financial Officer", 0.4),
        # Operations and everyone else.
        ("Operations Manager", 2.5), ("RevOps Manager", 1.5), ("Revenue Operations Lead", 1),
        ("Sales Operations Analyst", 1.5), ("Consultant", 2), ("Office Manager", 1.5),
        ("Executive Assistant", 1), ("Procurement Specialist", 0.8),
        # Junk a scoring model must not love.
        ("student", 1), ("Student", 1), ("intern", 0.5), ("Retired", 0.3), ("n/a", 0.5),
        ("-", 0.3), ("test", 0.2), ("asdf", 0.1),
        (None, 9),
    ]
)  # fmt: skip

_INDUSTRY = _Pick(
    [
        *((name, 1.0) for name in INDUSTRIES),
        ("Technology", 9), ("Finance", 3), ("Healthcare", 3), ("Manufacturing", 3),
        ("Retail", 2), ("Consulting", 2), ("Education", 1.5), ("Telecommunications", 1),
        # Lead Industry is an unrestricted picklist: imports bring values outside it.
        ("Software", 1), ("SaaS", 0.6), ("Information Technology", 0.6), ("IT Services", 0.4),
        (None, 9),
    ]
)  # fmt: skip

_LEAD_SOURCE = _Pick(
    [
        ("Web", 14), ("web", 4), ("Website", 6), ("website", 2), ("Web Form", 3),
        ("Google AdWords", 5), ("google ads", 3), ("Google Ads", 4), ("PPC", 2),
        ("Trade Show", 5), ("tradeshow", 2), ("Tradeshow", 2),
        ("Partner Referral", 4), ("partner", 1.5), ("Partner", 2),
        ("Webinar", 6), ("webinar", 1), ("LinkedIn", 4), ("linkedin ads", 2),
        ("LinkedIn Ads", 2), ("Purchased List", 4), ("purchased list", 1), ("List Import", 2),
        ("Phone Inquiry", 2), ("Inbound Call", 1), ("Employee Referral", 2),
        ("Word of mouth", 1), ("Advertisement", 2), ("Facebook", 1),
        ("Content Syndication", 2), ("Email", 2), ("Other", 2),
        (None, 5),
    ]
)  # fmt: skip

# (lowest, highest) employees per company-size band, with the band's share.
_EMPLOYEE_BANDS = _Pick(
    [
        ((1, 10), 15), ((11, 50), 22), ((51, 200), 22), ((201, 1000), 18),
        ((1001, 5000), 10), ((5001, 20000), 5), ((20001, 200000), 2), (None, 6),
    ]
)  # fmt: skip

_JUNK_COMPANIES = (
    "n/a", "N/A", "Self-employed", "self", "[not provided]", "none", "Student", "Personal",
    "-", "Unknown",
)  # fmt: skip

_FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com")

_LEAD_NOTES = (
    "Met at our booth, interested in lead routing.",
    "Asked for pricing for about 50 seats.",
    "Currently on a competitor; contract renews next quarter.",
    "Wants a demo for the whole RevOps team.",
    "Downloaded the benchmark report twice.",
    "Referred by an existing customer.",
    "Budget approved for next fiscal year.",
    "Student project, not a buyer.",
    "Imported from a purchased list; not verified.",
    "Please call after 3pm ET.",
)


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    region_code: str | None
    region_name: str | None
    postal: str  # a prefix the postal-code generator completes, or a whole code


@dataclass(frozen=True, slots=True)
class _Country:
    key: str
    locale: str
    tld: str
    spellings: _Pick
    cities: tuple[_City, ...]
    postal_style: str
    # Shares of State written as code, as name, left empty (the rest: lower-case name).
    state_code: float
    state_name: float


def _cities(rows: Sequence[tuple[str, str | None, str | None, str]]) -> tuple[_City, ...]:
    return tuple(_City(*row) for row in rows)


_US_STATES = {
    "NY": "New York", "MA": "Massachusetts", "CA": "California", "WA": "Washington",
    "OR": "Oregon", "TX": "Texas", "IL": "Illinois", "CO": "Colorado", "GA": "Georgia",
    "FL": "Florida", "NC": "North Carolina", "DC": "District of Columbia", "VA": "Virginia",
    "PA": "Pennsylvania", "OH": "Ohio", "MI": "Michigan", "MN": "Minnesota", "AZ": "Arizona",
    "UT": "Utah", "TN": "Tennessee", "NJ": "New Jersey", "CT": "Connecticut",
    "RI": "Rhode Island", "WI": "Wisconsin", "MO": "Missouri", "IN": "Indiana",
    "NV": "Nevada", "NE": "Nebraska", "VT": "Vermont", "ME": "Maine",
}  # fmt: skip

_US_CITIES = _cities(
    [
        (city, code, _US_STATES[code], zip3)
        for city, code, zip3 in (
            ("New York", "NY", "100"), ("Brooklyn", "NY", "112"), ("Boston", "MA", "021"),
            ("Cambridge", "MA", "021"), ("San Francisco", "CA", "941"),
            ("San Jose", "CA", "951"), ("Los Angeles", "CA", "900"), ("San Diego", "CA", "921"),
            ("Palo Alto", "CA", "943"), ("Seattle", "WA", "981"), ("Portland", "OR", "972"),
            ("Austin", "TX", "787"), ("Dallas", "TX", "752"), ("Houston", "TX", "770"),
            ("Chicago", "IL", "606"), ("Denver", "CO", "802"), ("Boulder", "CO", "803"),
            ("Atlanta", "GA", "303"), ("Miami", "FL", "331"), ("Tampa", "FL", "336"),
            ("Orlando", "FL", "328"), ("Raleigh", "NC", "276"), ("Charlotte", "NC", "282"),
            ("Washington", "DC", "200"), ("Arlington", "VA", "222"),
            ("Philadelphia", "PA", "191"), ("Pittsburgh", "PA", "152"),
            ("Columbus", "OH", "432"), ("Cleveland", "OH", "441"), ("Detroit", "MI", "482"),
            ("Minneapolis", "MN", "554"), ("Phoenix", "AZ", "850"),
            ("Salt Lake City", "UT", "841"), ("Nashville", "TN", "372"),
            ("Newark", "NJ", "071"), ("Jersey City", "NJ", "073"), ("Stamford", "CT", "069"),
            ("Providence", "RI", "029"), ("Madison", "WI", "537"),
            ("Kansas City", "MO", "641"), ("St. Louis", "MO", "631"),
            ("Indianapolis", "IN", "462"), ("Las Vegas", "NV", "891"), ("Omaha", "NE", "681"),
            ("Burlington", "VT", "054"), ("Portland", "ME", "041"),
        )
    ]
)  # fmt: skip

_COUNTRIES: tuple[tuple[_Country, float], ...] = (
    (
        _Country(
            "US", "en_US", ".com",
            _Pick([("United States", 40), ("USA", 25), ("US", 20), ("U.S.", 5),
                   ("United States of America", 5), ("us", 3), ("America", 2)]),
            _US_CITIES, "us", state_code=0.6, state_name=0.3,
        ),
        55,
    ),
    (
        _Country(
            "CA", "en_CA", ".ca",
            # "CA" is also California's code: a classic ambiguity in real data.
            _Pick([("Canada", 85), ("CA", 10), ("CAN", 5)]),
            _cities([
                ("Toronto", "ON", "Ontario", "M5V"), ("Ottawa", "ON", "Ontario", "K1P"),
                ("Waterloo", "ON", "Ontario", "N2L"),
                ("Vancouver", "BC", "British Columbia", "V6B"),
                ("Montreal", "QC", "Quebec", "H3B"), ("Montréal", "QC", "Québec", "H2X"),
                ("Calgary", "AB", "Alberta", "T2P"), ("Edmonton", "AB", "Alberta", "T5J"),
                ("Winnipeg", "MB", "Manitoba", "R3C"), ("Halifax", "NS", "Nova Scotia", "B3H"),
            ]),
            "ca", state_code=0.55, state_name=0.35,
        ),
        8,
    ),
    (
        _Country(
            "GB", "en_GB", ".co.uk",
            _Pick([("United Kingdom", 45), ("UK", 30), ("GB", 8), ("Great Britain", 5),
                   ("England", 10), ("U.K.", 2)]),
            _cities([
                ("London", None, "England", "EC2A"), ("London", None, "England", "SW1A"),
                ("London", None, "England", "W1D"), ("Manchester", None, "England", "M1"),
                ("Birmingham", None, "England", "B1"), ("Bristol", None, "England", "BS1"),
                ("Leeds", None, "England", "LS1"), ("Cambridge", None, "England", "CB2"),
                ("Edinburgh", None, "Scotland", "EH1"), ("Glasgow", None, "Scotland", "G1"),
                ("Cardiff", None, "Wales", "CF10"),
                ("Belfast", None, "Northern Ireland", "BT1"),
            ]),
            "uk", state_code=0.0, state_name=0.3,
        ),
        10,
    ),
    (
        _Country(
            "DE", "de_DE", ".de",
            _Pick([("Germany", 75), ("Deutschland", 12), ("DE", 10), ("germany", 3)]),
            _cities([
                ("Berlin", "BE", "Berlin", "10"), ("München", "BY", "Bayern", "80"),
                ("Munich", "BY", "Bavaria", "80"), ("Hamburg", "HH", "Hamburg", "20"),
                ("Frankfurt am Main", "HE", "Hessen", "60"),
                ("Köln", "NW", "Nordrhein-Westfalen", "50"),
                ("Cologne", "NW", "North Rhine-Westphalia", "50"),
                ("Düsseldorf", "NW", "Nordrhein-Westfalen", "40"),
                ("Stuttgart", "BW", "Baden-Württemberg", "70"),
            ]),
            "de", state_code=0.05, state_name=0.4,
        ),
        7,
    ),
    (
        _Country(
            "FR", "fr_FR", ".fr",
            _Pick([("France", 90), ("FR", 10)]),
            _cities([
                ("Paris", "IDF", "Île-de-France", "75"),
                ("Lyon", "ARA", "Auvergne-Rhône-Alpes", "69"),
                ("Marseille", "PAC", "Provence-Alpes-Côte d'Azur", "13"),
                ("Toulouse", "OCC", "Occitanie", "31"),
                ("Nantes", "PDL", "Pays de la Loire", "44"),
                ("Lille", "HDF", "Hauts-de-France", "59"),
                ("Bordeaux", "NAQ", "Nouvelle-Aquitaine", "33"),
            ]),
            "fr", state_code=0.0, state_name=0.3,
        ),
        5,
    ),
    (
        _Country(
            "IN", "en_IN", ".in",
            _Pick([("India", 92), ("IN", 8)]),
            _cities([
                ("Bengaluru", "KA", "Karnataka", "560"), ("Bangalore", "KA", "Karnataka", "560"),
                ("Mumbai", "MH", "Maharashtra", "400"), ("Pune", "MH", "Maharashtra", "411"),
                ("New Delhi", "DL", "Delhi", "110"), ("Hyderabad", "TG", "Telangana", "500"),
                ("Chennai", "TN", "Tamil Nadu", "600"), ("Gurugram", "HR", "Haryana", "122"),
                ("Gurgaon", "HR", "Haryana", "122"),
            ]),
            "in", state_code=0.1, state_name=0.7,
        ),
        8,
    ),
    (
        _Country(
            "AU", "en_AU", ".com.au",
            _Pick([("Australia", 85), ("AU", 10), ("AUS", 5)]),
            _cities([
                ("Sydney", "NSW", "New South Wales", "20"), ("Melbourne", "VIC", "Victoria", "30"),
                ("Brisbane", "QLD", "Queensland", "40"), ("Perth", "WA", "Western Australia", "60"),
                ("Adelaide", "SA", "South Australia", "50"),
                ("Canberra", "ACT", "Australian Capital Territory", "26"),
                ("Hobart", "TAS", "Tasmania", "70"),
            ]),
            "au", state_code=0.6, state_name=0.3,
        ),
        5,
    ),
    (
        _Country(
            "XX", "en_US", ".com",
            _Pick([("Netherlands", 2), ("The Netherlands", 1), ("Holland", 0.5), ("Japan", 2),
                   ("Brazil", 2), ("Singapore", 2), ("Spain", 1.5), ("Ireland", 1.5),
                   ("Sweden", 1), ("Mexico", 1)]),
            # The country spelling is drawn apart from the city here: real rows disagree too.
            _cities([
                ("Amsterdam", None, None, "1017 CE"), ("Tokyo", None, "Tokyo", "100-0005"),
                ("São Paulo", "SP", "São Paulo", "01310-100"), ("Singapore", None, None, "018989"),
                ("Madrid", None, "Comunidad de Madrid", "28013"),
                ("Dublin", None, None, "D02 X285"),
                ("Stockholm", None, None, "111 52"), ("Mexico City", "CDMX", None, "06600"),
            ]),
            "fixed", state_code=0.2, state_name=0.2,
        ),
        2,
    ),
)  # fmt: skip
_COUNTRY = _Pick(_COUNTRIES)
_COUNTRY_BY_KEY = {c.key: c for c, _ in _COUNTRIES}

_UPPER = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _postal(rng: random.Random, country: _Country, city: _City) -> str | None:
    style, prefix = country.postal_style, city.postal
    r = rng.random()
    if r < 0.06:
        return None
    if style == "us":
        code = f"{prefix}{rng.randrange(100):02d}"
        if r < 0.12:
            code = f"{code}-{rng.randrange(10000):04d}"
        elif r < 0.16 and code.startswith("0"):
            # Spreadsheets drop the leading zero of New England ZIP codes.
            code = code[1:]
        return code
    if style == "ca":
        code = f"{prefix} {rng.randrange(10)}{_one(rng, _UPPER)}{rng.randrange(10)}"
        return code.replace(" ", "") if r < 0.25 else code.lower() if r < 0.3 else code
    if style == "uk":
        return f"{prefix} {rng.randrange(10)}{_one(rng, _UPPER)}{_one(rng, _UPPER)}"
    if style in ("de", "fr"):
        return f"{prefix}{rng.randrange(1000):03d}"
    if style == "in":
        return f"{prefix}{rng.randrange(1000):03d}"
    if style == "au":
        return f"{prefix}{rng.randrange(100):02d}"
    return prefix


def _state(rng: random.Random, country: _Country, city: _City) -> str | None:
    r = rng.random()
    if r < country.state_code:
        return city.region_code
    if r < country.state_code + country.state_name:
        return city.region_name
    if r < country.state_code + country.state_name + 0.03 and city.region_name:
        return city.region_name.lower()
    return None


_COMPANY_NOISE = re.compile(
    r"\b(inc|llc|ltd|plc|gmbh|kg|ag|sa|sarl|sas|and|group|co|pvt|pty|limited|e\.?v)\b"
)


def _domain(company: str, tld: str) -> str:
    words = re.findall(r"[a-z0-9]+", _COMPANY_NOISE.sub(" ", _ascii(company).lower()))
    if not words:
        words = ["company"]
    return ("-".join(words[:2]) if len(words) > 1 and len(words[0]) < 5 else words[0]) + tld


@dataclass(frozen=True, slots=True)
class _LocalePool:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    companies: tuple[tuple[str, str], ...]  # (company, domain)
    streets: tuple[str, ...]
    phones: tuple[str, ...]


class LeadFactory:
    """Messy but plausible lead rows, combined from pools Faker fills once per seed.

    ``row(rng, created)`` returns Lead fields (API names, Python values) without Status,
    OwnerId or system fields; the caller decides those.
    """

    def __init__(self, seed: int, *, pool_size: int = 300) -> None:
        fake = Faker([c.locale for c, _ in _COUNTRIES if c.key != "XX"])
        fake.seed_instance(seed)
        self._pools: dict[str, _LocalePool] = {}
        for country, _ in _COUNTRIES:
            if country.locale in self._pools:
                continue
            local = fake[country.locale]
            size = pool_size * 2 if country.locale == "en_US" else pool_size
            self._pools[country.locale] = _LocalePool(
                first_names=tuple(local.first_name() for _ in range(size)),
                last_names=tuple(local.last_name() for _ in range(size)),
                companies=tuple(
                    (name, _domain(name, country.tld))
                    for name in dict.fromkeys(local.company() for _ in range(size))
                ),
                streets=tuple(local.street_address() for _ in range(size // 2)),
                phones=tuple(local.phone_number() for _ in range(size // 2)),
            )
        self._ascii: dict[str, str] = {}

    def _email_part(self, name: str) -> str:
        found = self._ascii.get(name)
        if found is None:
            found = re.sub(r"[^a-z0-9]", "", _ascii(name).lower()) or "x"
            self._ascii[name] = found
        return found

    def row(
        self, rng: random.Random, created: datetime, *, country_key: str | None = None
    ) -> dict[str, Any]:
        """A lead row; ``country_key`` ("US", "FR"...) fixes its country (cities, locale)."""
        country: _Country = _COUNTRY(rng) if country_key is None else _COUNTRY_BY_KEY[country_key]
        city = _one(rng, country.cities)
        pool = self._pools[country.locale]
        first: str | None = _one(rng, pool.first_names)
        last = _one(rng, pool.last_names)
        company, domain = _one(rng, pool.companies)
        r = rng.random()
        if r < 0.01:
            company = _one(rng, _JUNK_COMPANIES)
            domain = _one(rng, _FREE_MAIL)
        elif r < 0.03:
            company = company.upper()
        elif r < 0.05:
            company = company.lower()
        email = self._email(rng, first or "", last, domain)
        if rng.random() < 0.015:
            first = None
        band = _EMPLOYEE_BANDS(rng)
        employees: int | None = None
        revenue: float | None = None
        if band is not None:
            lo, hi = band
            employees = int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1))))
            r = rng.random()
            if r < 0.7:
                per_head = math.exp(rng.uniform(math.log(60_000), math.log(400_000)))
                revenue = float(round(employees * per_head, -3))
            elif r < 0.72:
                revenue = 0.0
        return {
            "FirstName": first,
            "LastName": last,
            "Title": _TITLES(rng),
            "Company": company,
            "Street": _one(rng, pool.streets) if rng.random() < 0.6 else None,
            "City": city.name if rng.random() < 0.92 else None,
            "State": _state(rng, country, city),
            "PostalCode": _postal(rng, country, city),
            "Country": country.spellings(rng) if rng.random() < 0.95 else None,
            "Phone": _one(rng, pool.phones) if rng.random() < 0.8 else None,
            "Email": email,
            "Website": _website(rng, domain),
            "Description": _one(rng, _LEAD_NOTES) if rng.random() < 0.05 else None,
            "LeadSource": _LEAD_SOURCE(rng),
            "Industry": _INDUSTRY(rng),
            "Rating": _one(rng, ("Hot", "Warm", "Cold")) if rng.random() < 0.1 else None,
            "AnnualRevenue": revenue,
            "NumberOfEmployees": employees,
            "CreatedDate": created,
        }

    def _email(self, rng: random.Random, first: str, last: str, domain: str) -> str | None:
        r = rng.random()
        if r < 0.01:
            return None
        if r < 0.13:
            domain = _one(rng, _FREE_MAIL)
        f, lname = self._email_part(first), self._email_part(last)
        r = rng.random()
        if r < 0.45:
            local = f"{f}.{lname}"
        elif r < 0.7:
            local = f"{f[:1]}{lname}"
        elif r < 0.8:
            local = f
        elif r < 0.9:
            local = f"{f}_{lname}"
        else:
            local = f"{f}{lname[:1]}{rng.randrange(100) if domain in _FREE_MAIL else ''}"
        if len(local) + len(domain) > 70:
            local = f"{f[:1]}{lname[:20]}"  # Lead.Email holds 80 characters
        email = f"{local}@{domain}"
        if rng.random() < 0.05:
            email = email.title()
        return email

    @staticmethod
    def spoil_email(rng: random.Random, email: str) -> str:
        """One of the ways emails arrive broken: no @, trailing dot, a space, no domain."""
        local, _, domain = email.partition("@")
        kind = int(rng.random() * 5)
        if kind == 0:
            return f"{local}{domain}"
        if kind == 1:
            return f"{email}."
        if kind == 2:
            return f"{local} @{domain}" if rng.random() < 0.5 else f" {email} "
        if kind == 3:
            return f"{local}@"
        return f"{local}@{domain.split('.')[0]}"


def _website(rng: random.Random, domain: str) -> str | None:
    r = rng.random()
    if domain in _FREE_MAIL or r >= 0.75:
        return None
    return (
        f"www.{domain}" if r < 0.4 else f"https://{domain}" if r < 0.65 else f"http://www.{domain}/"
    )


def is_plausible_email(email: str | None) -> bool:
    """The simple shape check a marketing tool applies: one @, a dotted domain, no spaces."""
    return email is not None and _EMAIL_SHAPE.fullmatch(email) is not None


_EMAIL_SHAPE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


# --- activities ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of marketing activity: Task/Event Type, TaskSubtype and its variants.

    Each option is a Subject with the Descriptions it may carry; marketing automation
    writes the page or asset URL into Description, which is where syncd reads it.
    """

    type: str
    subtype: str
    options: tuple[tuple[str, tuple[str | None, ...]], ...]

    def draw(self, rng: random.Random) -> tuple[str, str | None]:
        # Inlined _one: this runs for each of a million activities.
        options = self.options
        subject, descriptions = options[int(rng.random() * len(options))]
        return subject, descriptions[int(rng.random() * len(descriptions))]


SITE = "https://www.acme-analytics.example.com"
_REFERRERS = ("google.com", "linkedin.com", "direct", "bing.com", "newsletter", "g2.com")


def _pages(
    rng: random.Random, subject: str, paths: Sequence[str], *, sessions: int = 12
) -> tuple[tuple[str, tuple[str | None, ...]], ...]:
    """Options for page-like activities: ``subject`` formatted with the path, URL described."""
    return tuple(
        (
            subject.format(path=path),
            tuple(
                f"URL: {SITE}{path}\nTime on page: {rng.randrange(5, 900)} s; "
                f"referrer: {_one(rng, _REFERRERS)}"
                for _ in range(sessions)
            ),
        )
        for path in paths
    )


def _plain(*subjects: str) -> tuple[tuple[str, tuple[str | None, ...]], ...]:
    return tuple((subject, (None,)) for subject in subjects)


_SALES_CALL_SUBJECTS = (
    ("Call - left voicemail", 20, 60),
    ("Call - no answer", 5, 30),
    ("Call - connected, discussed pricing", 300, 1500),
    ("Call: discovery", 900, 2700),
    ("Cold call", 60, 400),
    ("Call - asked to call back next week", 60, 240),
)
_SALES_EMAIL_SUBJECTS = (
    "Email: Following up on your demo request",
    "Email: Quick question",
    "Email: Resources from our call",
    "Email: Pricing and next steps",
    "Email: Checking in",
    "Email: Intro from your account executive",
)
_MEETINGS = (
    ("Discovery call", "Meeting", 30),
    ("Product demo", "Demo", 60),
    ("Technical deep dive", "Meeting", 60),
    ("Pricing review", "Meeting", 45),
)


def _marketing_kinds(rng: random.Random, webinars: Sequence[str], emails: Sequence[str]) -> _Pick:
    """The mix of marketing activities, drawn with ``_Pick``; Types as marketing automation
    writes them (the Task.Type picklist is unrestricted, and orgs add their own values)."""
    return _Pick(
        [
            (
                _Kind(
                    "Web Visit",
                    "Task",
                    _pages(
                        rng,
                        "Visited {path}",
                        (
                            "/", "/product", "/product/features", "/product/lead-routing",
                            "/integrations/salesforce", "/customers", "/about", "/careers",
                            "/security", "/docs/getting-started", "/compare/spreadsheets",
                            "/partners",
                        ),
                    ),
                ),
                28,
            ),
            (
                _Kind(
                    "Web Visit",
                    "Task",
                    _pages(
                        rng,
                        "Visited {path}",
                        ("/pricing", "/pricing/enterprise", "/pricing#faq", "/pricing?plan=team"),
                    ),
                ),
                6,
            ),
            (
                _Kind(
                    "Web Visit",
                    "Task",
                    _pages(
                        rng,
                        "Visited {path}",
                        ("/blog/lead-scoring-models", "/blog/mql-vs-sql", "/blog/speed-to-lead",
                         "/blog/recycling-stale-leads"),
                    ),
                ),
                10,
            ),
            (
                _Kind(
                    "Demo View",
                    "Task",
                    _pages(
                        rng,
                        "Viewed demo: {path}",
                        ("/demo/product-tour", "/demo/lead-routing", "/demo/sla-dashboard"),
                    ),
                ),
                3,
            ),
            (
                _Kind(
                    "Content Download",
                    "Task",
                    _pages(
                        rng,
                        "Downloaded white paper: {path}",
                        ("/resources/white-papers/lead-handover-benchmark",
                         "/resources/white-papers/sla-driven-follow-up",
                         "/resources/ebooks/revops-playbook"),
                        sessions=3,
                    ),
                ),
                5,
            ),
            (
                _Kind(
                    "Video View",
                    "Task",
                    _pages(
                        rng,
                        "Watched video: {path}",
                        ("/videos/customer-story-northwind", "/videos/how-lead-scoring-works",
                         "/videos/setting-up-routing-rules"),
                        sessions=3,
                    ),
                ),
                5,
            ),
            (
                _Kind(
                    "Form Fill",
                    "Task",
                    (
                        *_pages(rng, "Form fill: Contact Sales", ("/contact-sales",), sessions=3),
                        *_pages(rng, "Form fill: Request a Demo", ("/demo-request",), sessions=3),
                        *_pages(rng, "Filled out form: Contact Me", ("/contact",), sessions=3),
                    ),
                ),
                1.5,
            ),
            (_Kind("Newsletter Subscribe", "Task", _plain("Subscribed to newsletter")), 2),
            (
                _Kind(
                    "Unsubscribe",
                    "Task",
                    _plain("Unsubscribed from all marketing email", "Email opt-out"),
                ),
                1,
            ),
            (
                _Kind(
                    "Social Share",
                    "Task",
                    _plain(
                        "Shared on LinkedIn: The Lead Handover Benchmark",
                        "Shared on X: Speed to lead",
                    ),
                ),
                2,
            ),
            (_Kind("Webinar", "Task", _plain(*(f"Attended webinar: {w}" for w in webinars))), 3),
            (_Kind("Email Open", "Email", _plain(*(f"Opened email: {s}" for s in emails))), 20),
            (
                _Kind(
                    "Email Click",
                    "Email",
                    _plain(*(f"Clicked link in email: {s}" for s in emails)),
                ),
                10,
            ),
        ]
    )  # fmt: skip


_LIVE_KINDS: list[_Pick] = []


def marketing_activity(rng: random.Random, who_id: str, day: date) -> dict[str, Any]:
    """One new marketing activity on a lead, as a Task row (without OwnerId) for ``day``."""
    if not _LIVE_KINDS:
        webinars = [plan[0] for plan in _CAMPAIGN_PLANS if plan[1] == "Webinar"]
        _LIVE_KINDS.append(_marketing_kinds(random.Random(0), webinars, _NURTURE_EMAILS))
    kind: _Kind = _LIVE_KINDS[0](rng)
    subject, description = kind.draw(rng)
    task: dict[str, Any] = {
        "WhoId": who_id,
        "Subject": subject,
        "Type": kind.type,
        "TaskSubtype": kind.subtype,
        "Status": "Completed",
        "ActivityDate": day,
    }
    if description is not None:
        task["Description"] = description
    return task


# --- the org's furniture: users, queues, hours, holidays, campaigns ---------------------------


@dataclass(frozen=True)
class _Users:
    managers: tuple[str, ...]
    reps: tuple[str, ...]
    inactive_reps: tuple[str, ...]
    marketing: tuple[str, ...]
    automation: str
    admin: str


def _load_users(org: Org, rng: random.Random, created: datetime) -> _Users:
    fake = Faker("en_US")
    fake.seed_instance(rng.randrange(2**32))
    names = [(fake.first_name(), fake.last_name()) for _ in range(40)]
    used: dict[str, int] = {}

    def user(
        title: str,
        department: str,
        *,
        active: bool = True,
        name: tuple[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        first, last = name if name is not None else names.pop()
        handle = f"{_ascii(first).lower()}.{_ascii(last).lower()}"
        used[handle] = used.get(handle, 0) + 1
        if used[handle] > 1:
            handle = f"{handle}{used[handle]}"
        return {
            "Username": f"{handle}@{USER_DOMAIN}",
            "FirstName": first,
            "LastName": last,
            "Email": f"{handle}@{USER_DOMAIN}",
            "IsActive": active,
            "Department": department,
            "Title": title,
            "TimeZoneSidKey": "America/New_York",
            "CreatedDate": created,
            **extra,
        }

    (vp,) = org.load("User", [user(MANAGER_TITLES[0], SALES_DEPARTMENT)])
    managers = org.load(
        "User", [user(MANAGER_TITLES[1], SALES_DEPARTMENT, ManagerId=vp) for _ in range(2)]
    )
    rep_rows = []
    for i in range(SALES_REPS):
        title = REP_TITLES[1] if i % 3 == 2 else REP_TITLES[0]
        # The last reps listed have left the company; their leads stay with them.
        active = i < SALES_REPS - INACTIVE_REPS
        zone = "America/New_York" if i % 2 == 0 else "America/Chicago"
        rep_rows.append(
            user(
                title,
                SALES_DEPARTMENT,
                active=active,
                name=NAMED_REPS[i] if i < len(NAMED_REPS) else None,
                ManagerId=managers[i % 2],
                TimeZoneSidKey=zone,
            )
        )
    rep_ids = org.load("User", rep_rows)
    marketing = org.load(
        "User",
        [
            user("Marketing Operations Manager", MARKETING_DEPARTMENT),
            user("Demand Generation Manager", MARKETING_DEPARTMENT),
            user("Marketing Coordinator", MARKETING_DEPARTMENT),
        ],
    )
    (automation,) = org.load(
        "User",
        [
            {
                "Username": MARKETING_AUTOMATION_USERNAME,
                "FirstName": "Marketing",
                "LastName": "Automation",
                "Email": MARKETING_AUTOMATION_USERNAME,
                "IsActive": True,
                "Department": MARKETING_DEPARTMENT,
                "Title": "Integration User",
                "TimeZoneSidKey": "GMT",
                "CreatedDate": created,
            }
        ],
    )
    (admin,) = org.load("User", [user("Salesforce Administrator", "Sales Operations")])
    return _Users(
        managers=(vp, *managers),
        reps=tuple(rep_ids[: SALES_REPS - INACTIVE_REPS]),
        inactive_reps=tuple(rep_ids[SALES_REPS - INACTIVE_REPS :]),
        marketing=tuple(marketing),
        automation=automation,
        admin=admin,
    )


def _load_queues(org: Org, created: datetime) -> tuple[str, str]:
    nurture, unassigned, _partner, _ = org.load(
        "Group",
        [
            {"Name": "Nurture Queue", "DeveloperName": NURTURE_QUEUE, "Type": "Queue",
             "CreatedDate": created},
            {"Name": "Unassigned Queue", "DeveloperName": UNASSIGNED_QUEUE, "Type": "Queue",
             "Email": f"unassigned-leads@{USER_DOMAIN}", "CreatedDate": created},
            {"Name": "Partner Queue", "DeveloperName": PARTNER_QUEUE, "Type": "Queue",
             "CreatedDate": created},
            # A public group, not a queue: consumers must filter on Type.
            {"Name": "All Sales Reps", "DeveloperName": "All_Sales_Reps", "Type": "Regular",
             "CreatedDate": created},
        ],
    )  # fmt: skip
    return nurture, unassigned


def _load_business_hours(org: Org, created: datetime) -> str:
    weekdays = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

    def hours(zone: str, name: str, default: bool, opens: time, closes: time) -> dict[str, Any]:
        row: dict[str, Any] = {
            "Name": name,
            "IsActive": True,
            "IsDefault": default,
            "TimeZoneSidKey": zone,
            "CreatedDate": created,
        }
        for day in weekdays:
            row[f"{day}StartTime"] = opens
            row[f"{day}EndTime"] = closes
        return row

    default_id, _ = org.load(
        "BusinessHours",
        [
            hours(BUSINESS_HOURS_ZONE, "Default", True, time(8, 0), time(18, 0)),
            # A second, non-default calendar: consumers must pick IsDefault.
            hours("Europe/London", "EMEA Sales", False, time(9, 0), time(17, 30)),
        ],
    )
    return default_id


def holiday_rows(year: int, created: datetime) -> list[dict[str, Any]]:
    """US federal holidays for ``year`` and the next, as an admin would enter them.

    Christmas Day and Thanksgiving are entered once as yearly recurrences (RecursYearly,
    RecursYearlyNth); the rest are one-off dates as observed; the afternoons of the day
    after Thanksgiving and of Christmas Eve are partial-day closures.
    """
    base = {"CreatedDate": created, "IsRecurrence": False}
    rows: list[dict[str, Any]] = [
        {
            **base,
            "Name": "Christmas Day",
            "IsAllDay": True,
            "IsRecurrence": True,
            "ActivityDate": date(year, 12, 25),
            "RecurrenceStartDate": date(year, 12, 25),
            "RecurrenceType": "RecursYearly",
            "RecurrenceMonthOfYear": "December",
            "RecurrenceDayOfMonth": 25,
        },
        {
            **base,
            "Name": "Thanksgiving Day",
            "IsAllDay": True,
            "IsRecurrence": True,
            "RecurrenceStartDate": date(year, 1, 1),
            "RecurrenceType": "RecursYearlyNth",
            "RecurrenceMonthOfYear": "November",
            "RecurrenceInstance": "Fourth",
            # RecurrenceDayOfWeekMask bits: Sunday=1, Monday=2, ... Thursday=16.
            "RecurrenceDayOfWeekMask": 16,
        },
    ]
    federal = holidays.country_holidays("US", years=[year, year + 1])
    closed: set[date] = set()
    for day, name in sorted(federal.items()):
        closed.add(day)
        if name in ("Christmas Day", "Thanksgiving Day"):
            continue  # covered by the recurring rows
        rows.append({**base, "Name": name, "IsAllDay": True, "ActivityDate": day})
    for y in (year, year + 1):
        thanksgiving = max(d for d, n in federal.items() if n == "Thanksgiving Day" and d.year == y)
        half_days = [(thanksgiving + timedelta(days=1), "Day after Thanksgiving (half day)")]
        eve = date(y, 12, 24)
        if eve.weekday() < 5 and eve not in closed:
            half_days.append((eve, "Christmas Eve (half day)"))
        for day, name in half_days:
            rows.append(
                {
                    **base,
                    "Name": name,
                    "IsAllDay": False,
                    "ActivityDate": day,
                    # Closed from 12:00 to the 18:00 close, in minutes after midnight.
                    "StartTimeInMinutes": 12 * 60,
                    "EndTimeInMinutes": 18 * 60,
                }
            )
    return rows


@dataclass(frozen=True)
class _Campaign:
    id: str
    name: str
    type: str
    start: date
    end: date
    statuses: _Pick  # member Status -> HasResponded is decided from the status
    responded: frozenset[str]


_MemberStatuses = tuple[tuple[str, float], ...]
_CAMPAIGN_PLANS: tuple[tuple[str, str, int, int, _MemberStatuses, tuple[str, ...]], ...] = (
    # (name, Type, starts days ago, runs days, member statuses, statuses that count as a response)
    ("Webinar: Fixing the MQL-to-SQL Handoff", "Webinar", 80, 14,
     (("Registered", 45), ("Attended", 55)), ("Attended",)),
    ("Webinar: Speed to Lead in Practice", "Webinar", 55, 14,
     (("Registered", 45), ("Attended", 55)), ("Attended",)),
    ("Webinar: Scoring Models That Sales Trusts", "Webinar", 30, 14,
     (("Registered", 45), ("Attended", 55)), ("Attended",)),
    ("Webinar: RevOps Office Hours", "Webinar", 8, 21,
     (("Registered", 70), ("Attended", 30)), ("Attended",)),
    ("Trade Show: CRM Expo", "Trade Show", 70, 3,
     (("Attended", 60), ("Responded", 40)), ("Attended", "Responded")),
    ("Trade Show: SaaS Growth Summit", "Trade Show", 25, 3,
     (("Attended", 60), ("Responded", 40)), ("Attended", "Responded")),
    ("Paid Social – LinkedIn Lead Gen", "Advertisement", 90, 90,
     (("Sent", 50), ("Clicked", 30), ("Responded", 20)), ("Clicked", "Responded")),
    ("Paid Social – Facebook Retargeting", "Banner Ads", 60, 60,
     (("Sent", 60), ("Clicked", 30), ("Responded", 10)), ("Clicked", "Responded")),
    ("Nurture Email – Early Stage Track", "Email", 90, 120,
     (("Sent", 50), ("Opened", 25), ("Clicked", 15), ("Responded", 10)),
     ("Clicked", "Responded")),
    ("Nurture Email – Re-engagement", "Email", 45, 90,
     (("Sent", 60), ("Opened", 25), ("Clicked", 10), ("Responded", 5)),
     ("Clicked", "Responded")),
    ("Monthly Newsletter", "Email", 90, 365,
     (("Sent", 55), ("Opened", 30), ("Clicked", 15)), ("Clicked",)),
    ("Content Syndication – Benchmark Report", "Other", 40, 30,
     (("Sent", 30), ("Responded", 70)), ("Responded",)),
)  # fmt: skip

_NURTURE_EMAILS = (
    "Nurture #1 – Welcome",
    "Nurture #2 – The handover problem",
    "Nurture #3 – Case study: Northwind",
    "Nurture #4 – Pricing that scales",
    "Monthly Newsletter – What's new",
    "Re-engagement: Still interested?",
)


def _load_campaigns(
    org: Org, now: datetime, owners: Sequence[str], rng: random.Random
) -> list[_Campaign]:
    today = now.date()
    rows: list[dict[str, Any]] = []
    plans: list[tuple[str, str, date, date, _Pick, frozenset[str]]] = []
    for name, ctype, ago, length, statuses, responded in _CAMPAIGN_PLANS:
        start = today - timedelta(days=ago)
        end = start + timedelta(days=length)
        rows.append(
            {
                "Name": name,
                "Type": ctype,
                "Status": "Completed" if end < today else "In Progress",
                "IsActive": end >= today,
                "StartDate": start,
                "EndDate": end,
                "OwnerId": _one(rng, owners),
                "CreatedDate": datetime.combine(start, time(14, 0), UTC) - timedelta(days=14),
            }
        )
        plans.append((name, ctype, start, end, _Pick(statuses), frozenset(responded)))
    ids = org.load("Campaign", rows)
    return [_Campaign(cid, *plan) for cid, plan in zip(ids, plans, strict=True)]


# --- the leads' story -----------------------------------------------------------------------

_WORKED_STATUSES = ("Working - Contacted", "Sales Accepted", "Sales Qualified")
_CONVERTED = "__converted__"

# (Status, share, who owns it): "queue" = unassigned queue, "nurture" = nurture queue,
# "rep" = an active rep (sometimes one who has since left), "marketing" = a marketing user.
_LEAD_STATES = _Pick(
    [
        (("Open - Not Contacted", "unassigned"), 38),
        (("Open - Not Contacted", "marketing"), 5),
        (("Open - Not Contacted", "rep"), 4),
        (("Nurture", "nurture"), 24),
        (("Nurture", "marketing"), 3),
        (("MQL", "unassigned"), 1),
        (("MQL", "rep"), 1.5),
        (("Working - Contacted", "rep"), 7),
        (("Sales Accepted", "rep"), 3),
        (("Sales Qualified", "rep"), 2),
        (("Could Not Reach", "rep"), 1.5),
        (("Could Not Reach", "nurture"), 1),
        (("Recycled", "nurture"), 3),
        (("Closed - Not Converted", "rep"), 2),
        (("Disqualified", "rep"), 1.5),
        (("Disqualified", "marketing"), 0.5),
        ((_CONVERTED, "rep"), CONVERTED_SHARE * 100),
    ]
)  # fmt: skip

_TOUCHED_STATUSES = frozenset(
    {*_WORKED_STATUSES, "Could Not Reach", "Closed - Not Converted", "Disqualified", _CONVERTED}
)


@dataclass(slots=True)
class _Plan:
    """What happens to one lead over its life; turned into rows once ids are known."""

    created: int  # epoch seconds
    status: str  # the final Status, or _CONVERTED
    owner_kind: str
    owner: str = ""
    assigned: int = 0  # when a rep got it (epoch seconds), 0 = never
    last_change: int = 0  # the lead's LastModifiedDate before any merge or conversion
    ends: int = 0  # activities stop here: conversion, merge or now
    duplicate_of: int = -1  # index of the older lead with the same email
    merge: bool = False  # an admin merges it into ``duplicate_of``
    engaged: bool = False  # one of the few leads with many marketing touches
    opportunity: str | None = None
    activity_who: str = ""


@dataclass(frozen=True)
class SeedSummary:
    """What ``generate_org`` created: counts per object and the ids callers need."""

    seed: int
    now: datetime
    counts: Mapping[str, int]
    sales_rep_ids: tuple[str, ...]
    inactive_rep_ids: tuple[str, ...]
    manager_ids: tuple[str, ...]
    marketing_user_ids: tuple[str, ...]
    marketing_automation_user_id: str
    admin_user_id: str
    integration_user_id: str
    nurture_queue_id: str
    unassigned_queue_id: str
    business_hours_id: str
    campaign_ids: tuple[str, ...]
    converted_lead_ids: tuple[str, ...]
    merged_lead_ids: tuple[str, ...]
    seconds: float = field(default=0.0, compare=False)
    outcomes: OutcomePlan | None = field(default=None, compare=False)


@contextmanager
def _clock_at(org: Org, moment: datetime) -> Iterator[None]:
    # Seed history happens in the past: the org stamps system fields (SystemModstamp,
    # ConvertedDate, CreatedDate of the new records) from its clock, so replay each
    # conversion and merge at the moment it happened.
    saved: Callable[[], datetime] = org.clock
    org.clock = lambda: moment
    try:
        yield
    finally:
        org.clock = saved


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Seeding allocates millions of acyclic dicts; the cyclic collector would rescan them
    # again and again (about a tenth of the CPU time) with nothing to free.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _ts(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def _business_moment(ts: int, rng: random.Random, earliest: int, latest: int) -> int:
    """A moment on a weekday between 13:00 and 22:00 UTC (US office hours) near ``ts``."""
    day = ts - ts % 86400
    weekday = (day // 86400 + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    if weekday >= 5:
        day -= (weekday - 4) * 86400
    moment = day + 13 * 3600 + int(rng.random() * 9 * 3600)
    return max(earliest, min(moment, latest))


def generate_org(
    org: Org, *, leads: int, seed: int, now: datetime, outcomes: OutcomeSeed | None = None
) -> SeedSummary:
    """Fill ``org`` with a seeded, realistic org of ``leads`` leads as of ``now``.

    Deterministic: the same ``seed`` and ``now`` on a fresh ``Org`` give identical
    records and ids. Leads, activities, campaign members, conversions and merges are
    dated within the 90 days before ``now``; users, queues and calendars predate them.
    Holds ``org.lock`` throughout.

    With ``outcomes``, the leads are calibration leads instead (``syncd.simulator.outcomes``):
    each matches the scoring rules ``outcomes.weights`` names with their hit rates and no
    other rule of the default policy, all are open, and ``SeedSummary.outcomes`` holds the
    outcome each will reach when reps play it (``play_outcomes``).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if leads < 0:
        raise ValueError(f"leads must be >= 0, got {leads}")
    started = _time.perf_counter()
    now = now.astimezone(UTC).replace(microsecond=0)
    now_ts = int(now.timestamp())
    rng = random.Random(seed)
    factory = LeadFactory(seed)
    with org.lock, _gc_paused():
        furniture_created = now - timedelta(days=400)
        users = _load_users(org, rng, furniture_created)
        nurture_q, unassigned_q = _load_queues(org, furniture_created)
        hours_id = _load_business_hours(org, furniture_created)
        org.load("Holiday", holiday_rows(now.year, furniture_created))
        campaigns = _load_campaigns(org, now, users.marketing, rng)

        plan: OutcomePlan | None = None
        if outcomes is None:
            converted, merged_ids = _realistic_leads(
                org, rng, factory, leads, now_ts, users, (nurture_q, unassigned_q), campaigns
            )
        else:
            # Leads whose records carry known rules and whose outcomes follow known weights.
            module = importlib.import_module("syncd.simulator.outcomes")
            people = module.People(users.reps, users.automation, unassigned_q)
            plan = module.seed_leads(
                org, rng, factory, outcomes, leads=leads, now=now, people=people,
                webinars=[(c.id, c.start) for c in campaigns if c.type == "Webinar"],
            )  # fmt: skip
            converted, merged_ids = [], []
        counts = {name: org.count(name) for name in org.schema}
    return SeedSummary(
        seed=seed,
        now=now,
        counts=MappingProxyType(counts),
        sales_rep_ids=users.reps,
        inactive_rep_ids=users.inactive_reps,
        manager_ids=users.managers,
        marketing_user_ids=users.marketing,
        marketing_automation_user_id=users.automation,
        admin_user_id=users.admin,
        integration_user_id=org.integration_user_id,
        nurture_queue_id=nurture_q,
        unassigned_queue_id=unassigned_q,
        business_hours_id=hours_id,
        campaign_ids=tuple(c.id for c in campaigns),
        converted_lead_ids=tuple(converted),
        merged_lead_ids=tuple(merged_ids),
        seconds=_time.perf_counter() - started,
        outcomes=plan,
    )


def _realistic_leads(
    org: Org,
    rng: random.Random,
    factory: LeadFactory,
    leads: int,
    now_ts: int,
    users: _Users,
    queues: tuple[str, str],
    campaigns: list[_Campaign],
) -> tuple[list[str], list[str]]:
    """The messy leads, members, merges, conversions and activities; (converted, merged)."""
    nurture_q, unassigned_q = queues
    plans, lead_rows = _plan_leads(rng, factory, leads, now_ts, users)
    _assign_owners(plans, lead_rows, rng, users, nurture_q, unassigned_q, now_ts)
    lead_ids = org.load("Lead", lead_rows)
    del lead_rows
    _load_members(org, rng, plans, lead_ids, campaigns, now_ts)
    merged = _merge_duplicates(org, rng, plans, lead_ids, users.admin, now_ts)
    converted = _convert(org, rng, plans, lead_ids)
    for plan, lead_id in zip(plans, lead_ids, strict=True):
        if not plan.activity_who:
            plan.activity_who = lead_id
    for lead_id, plan in zip(lead_ids, plans, strict=True):
        if lead_id in merged:
            # Merging moved the loser's activities to the survivor.
            plan.activity_who = plans[plan.duplicate_of].activity_who
    tasks, events = _activities(rng, plans, users, campaigns, now_ts)
    org.load("Task", tasks)
    org.load("Event", events)
    return converted, [lead_id for lead_id in lead_ids if lead_id in merged]


def _plan_leads(
    rng: random.Random, factory: LeadFactory, count: int, now_ts: int, users: _Users
) -> tuple[list[_Plan], list[dict[str, Any]]]:
    history_start = now_ts - int(HISTORY.total_seconds())
    span = now_ts - history_start
    # Created in order, so a duplicate always copies an older lead.
    created_list = sorted(history_start + int(rng.random() * span) for _ in range(count))
    plans: list[_Plan] = []
    rows: list[dict[str, Any]] = []
    valid_emails: list[int] = []
    for i, created in enumerate(created_list):
        row = factory.row(rng, _at(created))
        status, owner_kind = _LEAD_STATES(rng)
        plan = _Plan(created=created, status=status, owner_kind=owner_kind, ends=now_ts)
        plan.engaged = rng.random() < 0.1
        r = rng.random()
        if r < DUPLICATE_EMAIL_SHARE and valid_emails:
            # The same person again: a second form fill or another list import.
            j = valid_emails[int(rng.random() * len(valid_emails))]
            original = rows[j]
            row["Email"] = original["Email"]
            row["FirstName"], row["LastName"] = original["FirstName"], original["LastName"]
            plan.duplicate_of = j
            plan.merge = rng.random() < MERGED_DUPLICATE_SHARE
        elif r < DUPLICATE_EMAIL_SHARE + INVALID_EMAIL_SHARE and row["Email"]:
            if status != _CONVERTED:
                # Lead Convert would refuse the contact's invalid email, as Salesforce does.
                row["Email"] = LeadFactory.spoil_email(rng, row["Email"])
        elif row["Email"]:
            valid_emails.append(i)
        row["CreatedById"] = users.automation if rng.random() < 0.8 else _one(rng, users.marketing)
        plans.append(plan)
        rows.append(row)
    return plans, rows


def _assign_owners(
    plans: list[_Plan],
    rows: list[dict[str, Any]],
    rng: random.Random,
    users: _Users,
    nurture_q: str,
    unassigned_q: str,
    now_ts: int,
) -> None:
    for plan, row in zip(plans, rows, strict=True):
        kind = plan.owner_kind
        span = now_ts - plan.created
        last_change = plan.created
        changed_by = row["CreatedById"]
        if kind == "rep":
            # Some reps have left the company; the leads they worked stay with them.
            leaver = plan.status not in (_CONVERTED, "MQL") and rng.random() < 0.08
            owner = _one(rng, users.inactive_reps if leaver else users.reps)
            plan.assigned = plan.created + int(span * rng.uniform(0.02, 0.4))
            last_change, changed_by = plan.assigned, users.admin
            if plan.status == _CONVERTED:
                plan.ends = plan.assigned + int((now_ts - plan.assigned) * rng.uniform(0.3, 0.95))
            if plan.status in _TOUCHED_STATUSES:
                last_change = plan.assigned + int((plan.ends - plan.assigned) * rng.random())
                changed_by = owner
        elif kind == "nurture":
            owner = nurture_q
            last_change = plan.created + int(span * rng.random() * 0.5)
            changed_by = users.automation
        elif kind == "marketing":
            owner = _one(rng, users.marketing)
        else:
            owner = unassigned_q
        plan.owner = owner
        plan.last_change = last_change
        row["OwnerId"] = owner
        # A lead about to be converted is "Sales Qualified" until Lead Convert runs.
        row["Status"] = "Sales Qualified" if plan.status == _CONVERTED else plan.status
        if plan.status == "Recycled":
            row["Recycle_Count__c"] = float(1 + int(rng.random() * 2))
        row["LastModifiedDate"] = row["SystemModstamp"] = _at(last_change)
        row["LastModifiedById"] = changed_by


def _load_members(
    org: Org,
    rng: random.Random,
    plans: list[_Plan],
    lead_ids: list[str],
    campaigns: list[_Campaign],
    now_ts: int,
) -> None:
    rows: list[dict[str, Any]] = []
    membership = _Pick([(0, 40), (1, 35), (2, 17), (3, 8)])
    windows = [(c, _ts(c.start), min(now_ts, _ts(c.end))) for c in campaigns]
    for plan, lead_id in zip(plans, lead_ids, strict=True):
        k = membership(rng)
        if not k or plan.merge:
            continue
        open_to_lead = [w for w in windows if w[2] >= plan.created]
        for campaign, start, end in rng.sample(open_to_lead, min(k, len(open_to_lead))):
            begins = max(start, plan.created)
            joined = _at(begins + int((end - begins) * rng.random()))
            status = campaign.statuses(rng)
            row: dict[str, Any] = {
                "CampaignId": campaign.id,
                "LeadId": lead_id,
                "Status": status,
                "CreatedDate": joined,
                # Each campaign defines which of its member statuses count as a response.
                "HasResponded": status in campaign.responded,
            }
            if row["HasResponded"]:
                row["FirstRespondedDate"] = joined.date()
            rows.append(row)
    org.load("CampaignMember", rows)


def _merge_duplicates(
    org: Org,
    rng: random.Random,
    plans: list[_Plan],
    lead_ids: list[str],
    admin: str,
    now_ts: int,
) -> set[str]:
    merged: set[str] = set()
    taken: set[int] = set()
    for i, plan in enumerate(plans):
        j = plan.duplicate_of
        if not plan.merge:
            continue
        master = plans[j]
        if _CONVERTED in (master.status, plan.status) or j in taken or i in taken:
            plan.merge = False
            continue
        taken.update((i, j))
        latest = max(plan.last_change, master.last_change)
        moment = min(now_ts, latest + 3600 + int(rng.random() * 7 * 86400))
        with _clock_at(org, _at(moment)):
            org.merge_leads(lead_ids[j], [lead_ids[i]], by_user=admin)
        plan.ends = moment
        merged.add(lead_ids[i])
    return merged


def _convert(org: Org, rng: random.Random, plans: list[_Plan], lead_ids: list[str]) -> list[str]:
    converted: list[str] = []
    outcome = _Pick([(True, 45), (False, 40), (None, 15)])
    for plan, lead_id in zip(plans, lead_ids, strict=True):
        if plan.status != _CONVERTED:
            continue
        amount = round(math.exp(rng.gauss(math.log(24_000), 0.8)), -2)
        with _clock_at(org, _at(plan.ends)):
            result = org.convert_lead(
                lead_id, opportunity_amount=amount, won=outcome(rng), by_user=plan.owner
            )
        plan.opportunity = result["opportunityId"]
        # Lead Convert re-parents the lead's activities to the new contact.
        plan.activity_who = result["contactId"] or lead_id
        converted.append(lead_id)
    return converted


def _activities(
    rng: random.Random,
    plans: list[_Plan],
    users: _Users,
    campaigns: list[_Campaign],
    now_ts: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    webinars = [c for c in campaigns if c.type == "Webinar"]
    kinds = _marketing_kinds(rng, [c.name for c in webinars], _NURTURE_EMAILS)
    webinar_ids = {f"Attended webinar: {c.name}": c.id for c in webinars}
    automation = users.automation
    tasks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    expo = rng.expovariate
    rand = rng.random
    for plan in plans:
        who = plan.activity_who
        start, end = plan.created, plan.ends
        span = max(end - start, 0)
        n = int(expo(1 / 7.3))
        if plan.engaged:
            n = n * 3 + 2
        if plan.status in _TOUCHED_STATUSES:
            n += 2
        n = min(n, 150)
        what = plan.opportunity
        for kind in kinds.many(rng, n):
            subject, description = kind.draw(rng)
            moment = _at(start + int(rand() * span))
            day = moment.date()
            if kind.type == "Webinar":
                campaign = webinar_ids.get(subject)
                if rand() < 0.35:
                    events.append(
                        {
                            "WhoId": who,
                            "WhatId": campaign if what is None else what,
                            "Subject": subject.replace("Attended webinar", "Webinar"),
                            "Type": "Webinar",
                            "StartDateTime": moment,
                            "EndDateTime": moment + timedelta(minutes=45),
                            "ActivityDateTime": moment,
                            "ActivityDate": day,
                            "DurationInMinutes": 45,
                            "OwnerId": automation,
                            "CreatedById": automation,
                            "CreatedDate": moment,
                        }
                    )
                    continue
                row_what = campaign if what is None else what
            else:
                row_what = what
            # Only the fields that are set: Org.load's cost grows with the keys it is given.
            task = {
                "WhoId": who,
                "Subject": subject,
                "Type": kind.type,
                "TaskSubtype": kind.subtype,
                "Status": "Completed",
                "ActivityDate": day,
                "OwnerId": automation,
                "CreatedById": automation,
                "CreatedDate": moment,
            }
            if row_what is not None:
                task["WhatId"] = row_what
            if description is not None:
                task["Description"] = description
            tasks.append(task)
        if plan.assigned and plan.status in _TOUCHED_STATUSES:
            _sales_touches(rng, plan, tasks, events, now_ts)
    return tasks, events


def _sales_touches(
    rng: random.Random,
    plan: _Plan,
    tasks: list[dict[str, Any]],
    events: list[dict[str, Any]],
    now_ts: int,
) -> None:
    rep, who, what = plan.owner, plan.activity_who, plan.opportunity
    start, end = plan.assigned, max(plan.assigned, plan.ends)
    touches = 1 + int(rng.expovariate(1 / 2.5))
    if plan.status == "Could Not Reach":
        touches = max(touches, 3)
    for _ in range(min(touches, 20)):
        moment = _at(_business_moment(start + int(rng.random() * (end - start)), rng, start, end))
        row: dict[str, Any] = {
            "WhoId": who,
            "WhatId": what,
            "Status": "Completed",
            "Priority": "Normal",
            "ActivityDate": moment.date(),
            "OwnerId": rep,
            "CreatedById": rep,
            "CreatedDate": moment,
        }
        if rng.random() < 0.55 or plan.status == "Could Not Reach":
            subject, shortest, longest = _one(rng, _SALES_CALL_SUBJECTS)
            if plan.status == "Could Not Reach":
                subject, shortest, longest = _SALES_CALL_SUBJECTS[0]
            row.update(
                Subject=subject,
                Type="Call",
                TaskSubtype="Call",
                CallDurationInSeconds=rng.randint(shortest, longest),
            )
        else:
            row.update(Subject=_one(rng, _SALES_EMAIL_SUBJECTS), Type="Email", TaskSubtype="Email")
        tasks.append(row)
    if plan.status in _WORKED_STATUSES or plan.status == _CONVERTED:
        # An open follow-up the rep still has to do, due in the coming days.
        if plan.status != _CONVERTED and rng.random() < 0.3:
            due = _at(now_ts).date() + timedelta(days=rng.randint(0, 5))
            tasks.append(
                {
                    "WhoId": who,
                    "Subject": "Follow up",
                    "Type": "Call",
                    "TaskSubtype": "Task",
                    "Status": "Not Started",
                    "Priority": "High",
                    "ActivityDate": due,
                    "OwnerId": rep,
                    "CreatedById": rep,
                    "CreatedDate": _at(end),
                }
            )
        if rng.random() < 0.45:
            subject, etype, minutes = _one(rng, _MEETINGS)
            begins = _at(
                _business_moment(start + int(rng.random() * (end - start)), rng, start, end)
            )
            events.append(
                {
                    "WhoId": who,
                    "WhatId": what,
                    "Subject": subject,
                    "Type": etype,
                    "StartDateTime": begins,
                    "EndDateTime": begins + timedelta(minutes=minutes),
                    "ActivityDateTime": begins,
                    "ActivityDate": begins.date(),
                    "DurationInMinutes": minutes,
                    "OwnerId": rep,
                    "CreatedById": rep,
                    "CreatedDate": begins,
                }
            )


# ---------------------------------------------------------------------------------------------
# Outcomes from known true weights (the seed option calibration is tested against)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeSeed:
    """Conversion that depends on known true rule weights.

    Each lead matches each named rule with probability ``hit_rates[rule]`` (else
    ``hit_rate``), independently of the other rules; it converts with probability
    ``1 / (1 + exp(-(intercept + sum of the weights of the rules it matched))``. A
    calibration that reads these outcomes back must find the weights' order.

    Given to ``generate_org(..., outcomes=...)``, the org's own records carry the rules
    (titles, emails, industries, form fills, webinar attendance: see
    ``syncd.simulator.outcomes``) and reps play each lead's outcome ``delay`` (up to twice
    that) after the seed's ``now``, on the org's clock.
    """

    weights: Mapping[str, float]
    intercept: float = -2.0
    hit_rate: float = 0.35
    hit_rates: Mapping[str, float] = field(default_factory=dict)
    delay: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.hit_rates) - set(self.weights))
        if unknown:
            raise ValueError(f"hit rates for rules without a weight: {', '.join(unknown)}")
        for rule in self.weights:
            if not 0.0 < self.rate(rule) < 1.0:
                raise ValueError(f"hit rate of {rule!r} must be between 0 and 1")

    def rate(self, rule: str) -> float:
        """How often a lead matches ``rule``."""
        return self.hit_rates.get(rule, self.hit_rate)

    def conversion(self, matched: Iterable[str]) -> float:
        """The chance that a lead matching ``matched`` (rules of ``weights``) converts."""
        logit = self.intercept + sum(self.weights[r] for r in matched)
        return 1 / (1 + math.exp(-logit))


@dataclass(frozen=True)
class SeededOutcome:
    lead_id: str
    matched: frozenset[str]
    converted: bool


def seed_outcomes(truth: OutcomeSeed, *, leads: int, seed: int) -> list[SeededOutcome]:
    """``leads`` outcomes drawn from ``truth``; the same seed gives the same outcomes."""
    rng = random.Random(seed)
    rules = sorted(truth.weights)
    out = []
    for i in range(leads):
        matched = frozenset(r for r in rules if rng.random() < truth.rate(r))
        converted = rng.random() < truth.conversion(matched)
        out.append(SeededOutcome(f"00Q{i:015d}", matched, converted))
    return out


__all__ = [
    "BUSINESS_HOURS_ZONE",
    "INACTIVE_REPS",
    "MANAGER_TITLES",
    "MARKETING_AUTOMATION_USERNAME",
    "NAMED_REPS",
    "NURTURE_QUEUE",
    "PARTNER_QUEUE",
    "REP_TITLES",
    "SALES_DEPARTMENT",
    "SALES_REPS",
    "UNASSIGNED_QUEUE",
    "LeadFactory",
    "OutcomeSeed",
    "SeedSummary",
    "SeededOutcome",
    "generate_org",
    "holiday_rows",
    "is_plausible_email",
    "marketing_activity",
    "seed_outcomes",
]
