"""Normalising what e-Trace files spell many ways: manufacturers, calibers, serials, names (pure).

The alias tables live in the database (admins extend them); a `Normaliser`
is built from them once per import and then works without the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from portal.phonetic import soundex

_NOT_WORD = re.compile(r"[^A-Z0-9&]+")
_NOT_CALIBER = re.compile(r"[^A-Z0-9.]+")
_SERIAL_NOISE = re.compile(r"[\s\-./_]+")
_NOT_NAME = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")
_NOT_LETTER = re.compile(r"[^a-z]+")

HANDGUN_TYPES = frozenset(
    {"PISTOL", "REVOLVER", "DERRINGER", "HANDGUN", "PISTOL SEMIAUTOMATIC", "SEMIAUTOMATIC PISTOL"}
)


def manufacturer_key(text: str) -> str:
    """'Smith  & Wesson, Inc.' -> 'SMITH & WESSON INC': the form aliases are looked up by."""
    return _NOT_WORD.sub(" ", text.upper()).strip()


def caliber_key(text: str) -> str:
    """'9 mm' -> '9MM', '.40 S&W' -> '.40SW': spaces and punctuation other than '.' dropped."""
    return _NOT_CALIBER.sub("", text.upper())


def serial_key(text: str) -> str:
    """Case, spaces, dashes, dots and slashes never distinguish two serial numbers."""
    if text.isalnum():  # most serials: nothing to remove (no noise character is alphanumeric)
        return text.upper()
    return _SERIAL_NOISE.sub("", text.upper())


def name_key(text: str) -> str:
    """'O'Neil-Smith ' -> 'ONEIL SMITH'... letters and single spaces, for later resolution."""
    cleaned = text.upper().replace("'", "").replace("-", " ")
    return _SPACES.sub(" ", _NOT_NAME.sub("", cleaned)).strip()


@lru_cache(maxsize=200_000)
def name_sound(key: str) -> str:
    """Soundex of a name key, its letters only ('ONEIL SMITH' -> 'O542'); '' for none.

    The phonetic key the name search matches (portal.cases.search) and the SQL
    twin computes alike.
    """
    return soundex(_NOT_LETTER.sub("", key.lower()))


@lru_cache(maxsize=4096)
def is_handgun(firearm_type: str) -> bool:
    kind = _SPACES.sub(" ", firearm_type.upper().replace("-", "")).strip()
    return kind in HANDGUN_TYPES or kind.startswith(("PISTOL", "REVOLVER"))


@dataclass(frozen=True)
class SerialRule:
    """Confusable characters that may be read as one for a manufacturer ('' = every one)."""

    manufacturer: str
    confusable_from: str
    confusable_to: str


@dataclass
class Normaliser:
    """Alias tables in memory: {key: canonical} for manufacturers and calibers, serial rules."""

    manufacturers: dict[str, str] = field(default_factory=dict)
    calibers: dict[str, str] = field(default_factory=dict)
    serial_rules: list[SerialRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Files repeat the same few spellings: cache per distinct text.
        self.manufacturer = lru_cache(maxsize=65536)(self._manufacturer)  # type: ignore[method-assign]
        self.caliber = lru_cache(maxsize=65536)(self._caliber)  # type: ignore[method-assign]
        tables: dict[str, list[dict[int, int]]] = {}
        for rule in self.serial_rules:
            table = str.maketrans(rule.confusable_from.upper(), rule.confusable_to.upper())
            tables.setdefault(rule.manufacturer, []).append(table)
        self._serial_tables = tables

    def manufacturer(self, text: str) -> str:
        return self._manufacturer(text)

    def caliber(self, text: str) -> str:
        return self._caliber(text)

    def _manufacturer(self, text: str) -> str:
        key = manufacturer_key(text)
        return self.manufacturers.get(key, key)

    def _caliber(self, text: str) -> str:
        key = caliber_key(text)
        return self.calibers.get(key, key)

    def serial(self, text: str, manufacturer: str) -> str:
        """The serial as compared: noise removed, then the confusables a rule allows."""
        value = serial_key(text)
        if self._serial_tables:
            for table in self._serial_tables.get("", ()):
                value = value.translate(table)
            for table in self._serial_tables.get(manufacturer, ()):
                value = value.translate(table)
        return value
