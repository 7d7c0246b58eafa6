"""Federal Firearms License numbers: `R-DD-CCC-TT-YM-SSSSS`, parsed and validated (pure).

R is the ATF region, DD the IRS district, CCC the county FIPS code, TT the
license type, YM the expiry (last digit of the year, then a month letter A-M
without I) and SSSSS the sequence number. The same license keeps region,
district, county, type and sequence across renewals; only the expiry changes,
so those five parts make the dealer's identity (`key`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

REGIONS = frozenset("1345689")
LICENSE_TYPES = {
    "01": "Dealer in firearms other than destructive devices (includes gunsmiths)",
    "02": "Pawnbroker in firearms other than destructive devices",
    "03": "Collector of curios and relics",
    "06": "Manufacturer of ammunition for firearms",
    "07": "Manufacturer of firearms other than destructive devices",
    "08": "Importer of firearms other than destructive devices",
    "09": "Dealer in destructive devices",
    "10": "Manufacturer of destructive devices",
    "11": "Importer of destructive devices",
}
# Month letters: A is January ... H is August, I is skipped, J is September ... M is December.
EXPIRY_MONTHS = {letter: month for month, letter in enumerate("ABCDEFGHJKLM", start=1)}

_SEPARATORS = re.compile(r"[\s\-./]+")


class FFLError(ValueError):
    """The text is not a valid FFL number; the message says which part is wrong."""


@dataclass(frozen=True)
class FFLNumber:
    """A parsed, valid FFL number."""

    region: str
    district: str
    county: str
    license_type: str
    expiry: str
    sequence: str

    @property
    def formatted(self) -> str:
        return "-".join(
            (self.region, self.district, self.county, self.license_type, self.expiry, self.sequence)
        )

    @property
    def key(self) -> str:
        """The license's identity across renewals (everything but the expiry)."""
        return "-".join((self.region, self.district, self.county, self.license_type, self.sequence))

    @property
    def license_type_label(self) -> str:
        return LICENSE_TYPES[self.license_type]

    def expires_on(self, today: dt.date) -> dt.date:
        """The last day of the expiry month, taking the decade nearest `today`.

        A license runs three years, so the expiry lies between a few years
        back (an expired license still on old traces) and three years ahead.
        """
        digit = int(self.expiry[0])
        month = EXPIRY_MONTHS[self.expiry[1]]
        candidates = [year for year in range(today.year - 6, today.year + 4) if year % 10 == digit]
        year = candidates[-1]
        return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_ffl(text: str) -> FFLNumber:
    """Parse `1-23-456-01-9A-12345` (dashes, spaces or none); raise FFLError with the reason."""
    compact = _SEPARATORS.sub("", text.strip().upper())
    if not compact:
        raise FFLError("is empty")
    if len(compact) != 15:
        raise FFLError(
            f"has {len(compact)} characters; an FFL number has 15 (R-DD-CCC-TT-YM-SSSSS)"
        )
    region, district, county = compact[0], compact[1:3], compact[3:6]
    license_type, expiry, sequence = compact[6:8], compact[8:10], compact[10:15]
    if region not in REGIONS:
        raise FFLError(f"region {region!r} is not an ATF region (1, 3, 4, 5, 6, 8, 9)")
    if not district.isdigit():
        raise FFLError(f"district {district!r} is not two digits")
    if not county.isdigit():
        raise FFLError(f"county {county!r} is not three digits")
    if license_type not in LICENSE_TYPES:
        raise FFLError(f"license type {license_type!r} is not an ATF license type")
    if not expiry[0].isdigit() or expiry[1] not in EXPIRY_MONTHS:
        raise FFLError(f"expiry {expiry!r} is not a year digit and a month letter A-M (without I)")
    if not sequence.isdigit():
        raise FFLError(f"sequence {sequence!r} is not five digits")
    return FFLNumber(region, district, county, license_type, expiry, sequence)


def ffl_from_parts(
    region: str, district: str, county: str, license_type: str, expiry: str, sequence: str
) -> FFLNumber:
    """Build from the ATF list's separate columns, restoring leading zeros it may have lost."""
    return parse_ffl(
        region.strip()
        + district.strip().zfill(2)
        + county.strip().zfill(3)
        + license_type.strip().zfill(2)
        + expiry.strip()
        + sequence.strip().zfill(5)
    )
