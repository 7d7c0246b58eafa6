"""Firearm and dealer resolution: normalised serial + manufacturer + caliber; FFL number.

Two firearm mentions are the same gun when their normalised serials are
identical and manufacturer and caliber do not contradict each other, or when
the serials differ by one typo (one substituted, inserted, deleted or
swapped character) and manufacturer and caliber are both known and agree.
Candidate pairs come from deletion keys: two serials within one edit always
share a key (the serial itself or the serial minus one character), so the
search never compares all pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from leads.resolution.clustering import cluster

_MANUFACTURER_SUFFIXES = re.compile(
    r"\b(inc|incorporated|co|company|corp|corporation|llc|ltd|limited|mfg|manufacturing|"
    r"industries|ind|usa|america|arms|firearms|gmbh|sa|spa)\b"
)
_MANUFACTURER_ALIASES = {
    "s w": "smith wesson",
    "sw": "smith wesson",
    "smith and wesson": "smith wesson",
    "h r": "harrington richardson",
    "hr": "harrington richardson",
    "sturm ruger": "ruger",
    "hi point": "hipoint",
    "hipoint": "hipoint",
    "hk": "heckler koch",
    "h k": "heckler koch",
    "springfield armory": "springfield",
    "sccy": "sccy",
    "taurus international": "taurus",
}
_CALIBER_ALIASES = {
    "9": "9mm",
    "9mm": "9mm",
    "9mmluger": "9mm",
    "9mmparabellum": "9mm",
    "9x19": "9mm",
    "9x19mm": "9mm",
    "40": "40sw",
    "40sw": "40sw",
    "40s&w": "40sw",
    "40cal": "40sw",
    "45": "45acp",
    "45acp": "45acp",
    "45auto": "45acp",
    "380": "380acp",
    "380acp": "380acp",
    "380auto": "380acp",
    "22": "22lr",
    "22lr": "22lr",
    "22longrifle": "22lr",
    "38": "38spl",
    "38spl": "38spl",
    "38special": "38spl",
    "357": "357mag",
    "357mag": "357mag",
    "357magnum": "357mag",
    "556": "556nato",
    "5.56": "556nato",
    "556nato": "556nato",
    "223": "223rem",
    "223rem": "223rem",
    "762x39": "762x39",
    "12": "12ga",
    "12ga": "12ga",
    "12gauge": "12ga",
}
SHORTEST_TYPO_TOLERANT_SERIAL = 5


def normalise_serial(serial: object) -> str:
    """Upper-case letters and digits only: "ab-12 345" -> "AB12345"."""
    return re.sub(r"[^A-Z0-9]", "", str(serial or "").upper())


def normalise_manufacturer(name: object) -> str:
    """Lower-case words without punctuation, corporate suffixes or known aliases."""
    text = re.sub(r"[^a-z0-9 ]+", " ", str(name or "").lower().replace("&", " "))
    text = re.sub(r"\s+", " ", text).strip()
    text = _MANUFACTURER_ALIASES.get(text, text)
    text = re.sub(r"\s+", " ", _MANUFACTURER_SUFFIXES.sub(" ", text)).strip()
    return _MANUFACTURER_ALIASES.get(text, text)


def normalise_caliber(caliber: object) -> str:
    """A caliber in one spelling: ".40 S&W" -> "40sw", "9MM LUGER" -> "9mm"."""
    text = str(caliber or "").lower().replace(" ", "").lstrip(".")
    text = re.sub(r"[^a-z0-9.&x]", "", text)
    return _CALIBER_ALIASES.get(text, _CALIBER_ALIASES.get(text.replace(".", ""), text))


@dataclass(frozen=True)
class FirearmRecord:
    """One mention of a firearm (a traced gun, a purchase, a recovered crime gun)."""

    key: str
    serial: str = ""
    manufacturer: str = ""
    caliber: str = ""
    obliterated: bool = False


@dataclass(frozen=True)
class FirearmMatch:
    """Why two firearm mentions are the same gun."""

    left: str
    right: str
    score: float
    reasons: tuple[tuple[str, str], ...]  # (field, finding)


def _compatible(a: str, b: str) -> str:
    if not a or not b:
        return "unknown"
    return "agrees" if a == b else "differs"


def compare_firearms(a: FirearmRecord, b: FirearmRecord) -> FirearmMatch | None:
    """The match between two firearm mentions, or None when they are not the same gun."""
    serial_a, serial_b = normalise_serial(a.serial), normalise_serial(b.serial)
    if a.obliterated or b.obliterated or not serial_a or not serial_b:
        return None
    manufacturer = _compatible(
        normalise_manufacturer(a.manufacturer), normalise_manufacturer(b.manufacturer)
    )
    caliber = _compatible(normalise_caliber(a.caliber), normalise_caliber(b.caliber))
    if "differs" in (manufacturer, caliber):
        return None
    if serial_a == serial_b:
        score = 1.0 if manufacturer == caliber == "agrees" else 0.9
        serial_finding = "identical"
    else:
        shortest = min(len(serial_a), len(serial_b))
        if shortest < SHORTEST_TYPO_TOLERANT_SERIAL or OSA.distance(serial_a, serial_b) > 1:
            return None
        if manufacturer != "agrees" or caliber != "agrees":
            return None
        score = 0.8
        serial_finding = "one typo"
    return FirearmMatch(
        left=a.key,
        right=b.key,
        score=score,
        reasons=(("serial", serial_finding), ("manufacturer", manufacturer), ("caliber", caliber)),
    )


def serial_keys(serial: str) -> set[str]:
    """The serial and, when long enough for typo tolerance, each one-deletion variant."""
    keys = {serial}
    if len(serial) >= SHORTEST_TYPO_TOLERANT_SERIAL - 1:
        keys.update(serial[:index] + serial[index + 1 :] for index in range(len(serial)))
    return keys


def resolve_firearms(
    records: Sequence[FirearmRecord],
    *,
    different: Iterable[tuple[str, str]] = (),
    same: Iterable[tuple[str, str]] = (),
) -> tuple[list[int], list[FirearmMatch]]:
    """Entity label per firearm mention, and the matches that made them."""
    position = {record.key: index for index, record in enumerate(records)}
    buckets: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        serial = normalise_serial(record.serial)
        if serial and not record.obliterated:
            for key in serial_keys(serial):
                buckets.setdefault(key, []).append(index)
    seen: set[tuple[int, int]] = set()
    matches: list[FirearmMatch] = []
    links: list[tuple[int, int, float]] = []
    for members in buckets.values():
        for offset, a in enumerate(members):
            for b in members[offset + 1 :]:
                pair = (min(a, b), max(a, b))
                if a == b or pair in seen:
                    continue
                seen.add(pair)
                match = compare_firearms(records[pair[0]], records[pair[1]])
                if match is not None:
                    matches.append(match)
                    links.append((pair[0], pair[1], match.score))
    result = cluster(
        len(records),
        links,
        same=[(position[a], position[b]) for a, b in same if a in position and b in position],
        different=[
            (position[a], position[b]) for a, b in different if a in position and b in position
        ],
    )
    return result.labels, matches


_FFL = re.compile(r"^(\d)(\d{2})(\d{3})(\d{2})([0-9][A-M])?(\d{5})$")


def normalise_ffl(number: object) -> str:
    """The dealer's identity from an FFL number "R-DD-CCC-TT-YM-SSSSS": region, district,
    county, type and sequence, without the expiry (which changes at each renewal).
    "" when the text is not an FFL number."""
    text = re.sub(r"[^0-9A-Za-z]", "", str(number or "")).upper()
    match = _FFL.match(text)
    if not match:
        return ""
    region, district, county, kind, _expiry, sequence = match.groups()
    return f"{region}-{district}-{county}-{kind}-{sequence}"
