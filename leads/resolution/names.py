"""Normalisation of person-record fields: names, nicknames, dates, addresses, postcodes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Common English given-name variants mapped to one canonical form, so that
# "Bob" meets "Robert" and "Jon" meets "Johnathan" at the nickname level.
_NICKNAME_GROUPS: dict[str, tuple[str, ...]] = {
    "alexander": ("alex", "al", "alec", "sasha", "xander", "alexandr"),
    "alexandra": ("alexa", "lexi", "sandra", "sandy"),
    "andrew": ("andy", "drew", "andre"),
    "anthony": ("tony", "antony", "anton"),
    "barbara": ("barb", "babs", "barbie"),
    "benjamin": ("ben", "benny", "benji"),
    "catherine": ("cathy", "kate", "katie", "kathy", "katherine", "kathryn", "cat"),
    "charles": ("charlie", "chuck", "chas", "chaz"),
    "christopher": ("chris", "kit", "topher", "christoph"),
    "christine": ("chris", "christina", "tina", "chrissy"),
    "daniel": ("dan", "danny", "dani"),
    "david": ("dave", "davey", "davy"),
    "deborah": ("deb", "debbie", "debra"),
    "donald": ("don", "donnie", "donny"),
    "edward": ("ed", "eddie", "eddy", "ted", "teddy", "ned"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby", "elisabeth", "bess"),
    "frederick": ("fred", "freddie", "freddy", "fredrick"),
    "gregory": ("greg", "gregg"),
    "henry": ("harry", "hank", "hal"),
    "jacob": ("jake", "jay"),
    "james": ("jim", "jimmy", "jamie", "jimbo"),
    "jeffrey": ("jeff", "geoffrey", "geoff", "jeffery"),
    "jennifer": ("jen", "jenny", "jenn"),
    "jessica": ("jess", "jessie"),
    "john": ("jon", "johnny", "jonathan", "johnathan", "jonathon", "jack", "johnathon"),
    "joseph": ("joe", "joey", "jose"),
    "joshua": ("josh",),
    "katherine": ("kate", "katie", "kathy", "kat"),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("larry", "laurence", "lars"),
    "leonard": ("leo", "len", "lenny", "leon"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie", "greta"),
    "matthew": ("matt", "matty", "mat"),
    "michael": ("mike", "mikey", "mick", "mickey", "mikael", "micheal"),
    "nicholas": ("nick", "nicky", "nico", "nicolas"),
    "patricia": ("pat", "patty", "tricia", "trish"),
    "patrick": ("pat", "paddy", "rick"),
    "peter": ("pete",),
    "philip": ("phil", "phillip", "pip"),
    "raymond": ("ray",),
    "rebecca": ("becky", "becca", "beck"),
    "richard": ("rick", "ricky", "rich", "richie", "dick"),
    "robert": ("rob", "bob", "bobby", "robbie", "bert", "robby"),
    "ronald": ("ron", "ronnie", "ronny"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammie", "sammy"),
    "stephen": ("steve", "steven", "stevie", "stephan"),
    "susan": ("sue", "susie", "suzy", "suzanne"),
    "theodore": ("theo", "ted", "teddy"),
    "thomas": ("tom", "tommy", "thom"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "vicki", "tori"),
    "walter": ("walt", "wally"),
    "william": ("will", "bill", "billy", "willy", "liam", "willie"),
    "zachary": ("zach", "zack", "zak"),
}


def _build_nicknames() -> dict[str, str]:
    canonical: dict[str, str] = {}
    for name, variants in _NICKNAME_GROUPS.items():
        canonical.setdefault(name, name)
        for variant in variants:
            # A variant shared by two groups (chris, pat, sam) keeps its first group.
            canonical.setdefault(variant, name)
    return canonical


NICKNAMES: dict[str, str] = _build_nicknames()

_STREET_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "cres": "crescent",
    "cr": "crescent",
    "hwy": "highway",
    "pkwy": "parkway",
    "cir": "circle",
    "ter": "terrace",
    "tce": "terrace",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "apt": "apartment",
}
_NON_ALPHA = re.compile(r"[^a-z ]+")
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^\s*(\d+[a-z]?)\b[\s,]*(.*)$")


def ascii_lower(value: object) -> str:
    """Lower-case ASCII text without accents; '' for missing values (None, NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    return text.encode("ascii", "ignore").decode().lower().strip()


def clean_name(value: object) -> str:
    """A name as lower-case letters only: "O'Brien-Smith" -> "obriensmith"."""
    return _NON_ALPHA.sub("", ascii_lower(value)).replace(" ", "")


def name_tokens(value: object) -> list[str]:
    """Name parts: "Mary-Ann van Dyke" -> ["mary", "ann", "van", "dyke"]."""
    return _NON_ALPHA.sub(" ", ascii_lower(value).replace("-", " ")).split()


def canonical_first_name(first: str) -> str:
    """The nickname group's canonical name ("bob" -> "robert"), else the name itself."""
    return NICKNAMES.get(first, first)


def clean_text(value: object) -> str:
    """Lower-case letters, digits and single spaces."""
    return _SPACES.sub(" ", _NON_ALNUM.sub(" ", ascii_lower(value))).strip()


def clean_street(value: object) -> str:
    """A street name with its usual abbreviations spelt out ("pinkerton cct" stays)."""
    words = clean_text(value).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words)


def split_street_number(address: object) -> tuple[str, str]:
    """("12b", "main street") from "12B Main St"; ("", street) when there is no number."""
    text = clean_text(address)
    match = _LEADING_NUMBER.match(text)
    if match:
        return match.group(1), clean_street(match.group(2))
    return "", clean_street(text)


def clean_postcode(value: object) -> str:
    """Digits and letters of a ZIP or postcode, ZIP+4 cut to its five digits."""
    text = re.sub(r"[^0-9a-z]", "", ascii_lower(value))
    if len(text) == 9 and text.isdigit():
        return text[:5]
    return text


def clean_sex(value: object) -> str:
    text = ascii_lower(value)
    if not text:
        return ""
    if text[0] in "mf":
        return text[0]
    return ""


def date_key(value: object) -> str:
    """A date as 'YYYYMMDD' (from date, datetime, 'YYYY-MM-DD', 'YYYYMMDD', 'MM/DD/YYYY')."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        year, month, day = text.split("-")
        return f"{year}{int(month):02d}{int(day):02d}"
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        month, day, year = text.split("/")
        return f"{year}{int(month):02d}{int(day):02d}"
    if len(digits) == 8:
        # Typos may make an impossible calendar date: keep the digits, they still compare.
        return digits
    return ""
