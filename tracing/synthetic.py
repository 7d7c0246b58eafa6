"""Synthetic e-Trace rows in the default header, with the facts planted in them (pure).

Used by the demo (seed_demo), the benchmark and tests. Nothing here is real:
names, dealers and serials are generated. Planted: a realistic time-to-crime
distribution (about a quarter under one year, about half under three),
straw purchasers whose handguns turn up with other possessors, a few
high-volume source dealers, out-of-state dealers along an interstate
corridor, and typos between records of the same person or the same gun.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

HEADER = [
    "trace_number",
    "request_date",
    "trace_status",
    "ori",
    "agency_case_number",
    "ncic_code",
    "recovery_date",
    "recovery_address",
    "recovery_city",
    "recovery_state",
    "recovery_zip",
    "recovery_lat",
    "recovery_lon",
    "serial_number",
    "obliterated",
    "manufacturer",
    "model",
    "firearm_type",
    "caliber",
    "country",
    "importer",
    "possessor_last",
    "possessor_first",
    "possessor_middle",
    "possessor_dob",
    "possessor_sex",
    "possessor_race",
    "possessor_address",
    "possessor_city",
    "possessor_state",
    "possessor_zip",
    "purchaser_last",
    "purchaser_first",
    "purchaser_middle",
    "purchaser_dob",
    "purchaser_sex",
    "purchaser_race",
    "purchaser_address",
    "purchaser_city",
    "purchaser_state",
    "purchaser_zip",
    "purchase_date",
    "ffl_number",
    "dealer_name",
    "dealer_address",
    "dealer_city",
    "dealer_state",
    "dealer_zip",
]

# With a sink, generate() hands the rows over in batches of this many.
SINK_ROWS = 20_000

# The anchor keeps the demo identical whatever day it is built.
ANCHOR = dt.date(2025, 12, 31)
LAST_NAMES = [
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
    "LEE",
    "PEREZ",
    "THOMPSON",
    "WHITE",
    "HARRIS",
    "SANCHEZ",
    "CLARK",
    "RAMIREZ",
    "LEWIS",
    "ROBINSON",
    "WALKER",
    "YOUNG",
    "ALLEN",
    "KING",
    "WRIGHT",
    "SCOTT",
    "TORRES",
    "NGUYEN",
    "HILL",
    "FLORES",
    "GREEN",
    "ADAMS",
    "NELSON",
    "BAKER",
    "HALL",
    "RIVERA",
    "CAMPBELL",
    "MITCHELL",
    "CARTER",
    "ROBERTS",
    "GOMEZ",
    "PHILLIPS",
    "EVANS",
    "TURNER",
    "DIAZ",
    "PARKER",
    "CRUZ",
    "EDWARDS",
    "COLLINS",
    "REYES",
    "STEWART",
    "MORRIS",
]
FIRST_NAMES = [
    "JAMES",
    "MARY",
    "ROBERT",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "WILLIAM",
    "BARBARA",
    "RICHARD",
    "SUSAN",
    "JOSEPH",
    "JESSICA",
    "THOMAS",
    "SARAH",
    "CHARLES",
    "KAREN",
    "CHRISTOPHER",
    "LISA",
    "DANIEL",
    "NANCY",
    "MATTHEW",
    "BETTY",
    "ANTHONY",
    "MARGARET",
    "MARK",
    "SANDRA",
    "DONALD",
    "ASHLEY",
    "STEVEN",
    "KIMBERLY",
    "PAUL",
    "EMILY",
    "ANDREW",
    "DONNA",
    "JOSHUA",
    "MICHELLE",
    "KENNETH",
    "CAROL",
    "KEVIN",
    "AMANDA",
    "BRIAN",
    "DOROTHY",
    "GEORGE",
    "MELISSA",
    "TIMOTHY",
    "DEBORAH",
    "RONALD",
    "STEPHANIE",
    "EDWARD",
    "REBECCA",
    "JASON",
    "SHARON",
    "JEFFREY",
    "LAURA",
    "RYAN",
    "CYNTHIA",
]
STREETS = [
    "MAIN",
    "OAK",
    "PINE",
    "MAPLE",
    "CEDAR",
    "ELM",
    "WASHINGTON",
    "LAKE",
    "HILL",
    "PARK",
    "RIDGE",
    "MILL",
    "CHURCH",
]
FIREARMS = [
    # manufacturer spellings, model, type, caliber spellings, country, importer, weight
    (("GLOCK", "GLOCK INC"), "19", "PISTOL", ("9MM", "9 MM", "9X19"), "AUSTRIA", "GLOCK INC", 18),
    (
        ("SMITH & WESSON", "S&W", "SMITH AND WESSON"),
        "M&P9",
        "PISTOL",
        ("9MM", "9MM LUGER"),
        "USA",
        "",
        14,
    ),
    (("TAURUS",), "G2C", "PISTOL", ("9MM", "9 MM"), "BRAZIL", "TAURUS INTERNATIONAL", 12),
    (("HI-POINT", "HI POINT"), "C9", "PISTOL", ("9MM",), "USA", "", 8),
    (("STURM RUGER", "RUGER"), "LCP", "PISTOL", (".380", "380 ACP"), "USA", "", 8),
    (("SMITH & WESSON", "S&W"), "SD40", "PISTOL", (".40 S&W", "40 CAL"), "USA", "", 6),
    (("SIG SAUER", "SIG"), "P320", "PISTOL", ("9MM",), "USA", "", 6),
    (("SMITH & WESSON",), "642", "REVOLVER", (".38 SPL", ".38 SPECIAL"), "USA", "", 4),
    (("STURM RUGER",), "10/22", "RIFLE", (".22 LR", "22LR"), "USA", "", 3),
    (("MOSSBERG", "O.F. MOSSBERG"), "500", "SHOTGUN", ("12 GA", "12GA"), "USA", "", 3),
    (("CENTURY ARMS CANIK", "CANIK"), "TP9SF", "PISTOL", ("9MM",), "TURKEY", "CENTURY ARMS", 4),
]
# (state, city, zip, district, county) along the interstate, from the south.
CORRIDOR = [
    ("GA", "SAVANNAH", "31401", "58", "051"),
    ("SC", "FLORENCE", "29501", "57", "041"),
    ("NC", "FAYETTEVILLE", "28301", "56", "051"),
    ("VA", "PETERSBURG", "23803", "54", "730"),
    ("VA", "RICHMOND", "23219", "54", "760"),
]
HOME = ("MD", "METRO CITY", "21201", "52", "510")
# A state's millions of people do not share a few dozen surnames and streets: the
# commonest 62 US surnames are about a tenth of people. The rest are composed from
# these parts (1,260 surnames, 1,260 streets), and a city's people live in several zip
# codes. Without them a state-scale demo is a population of namesakes sharing
# addresses, which no real file is.
NAME_STARTS = [
    "AB",
    "AL",
    "AR",
    "BAR",
    "BEL",
    "BLA",
    "BRO",
    "CAL",
    "CAR",
    "COL",
    "DAL",
    "DEN",
    "DOR",
    "EL",
    "FAR",
    "FEL",
    "GAR",
    "GOL",
    "HAL",
    "HAR",
    "HOL",
    "KEL",
    "KIN",
    "LAN",
    "LEN",
    "MAR",
    "MER",
    "MOR",
    "NOR",
    "OL",
    "PAR",
    "PEN",
    "RAM",
    "REN",
    "ROS",
    "SAL",
    "SHER",
    "STAN",
    "TAL",
    "TOR",
    "VAL",
    "WAL",
    "WEL",
    "WIN",
    "YOR",
]
SURNAME_ENDS = [
    "BERG",
    "BY",
    "DALE",
    "DEN",
    "FIELD",
    "FORD",
    "GATE",
    "HAM",
    "HART",
    "KINS",
    "LAND",
    "LEY",
    "LOW",
    "MAN",
    "MORE",
    "NER",
    "RICK",
    "RIDGE",
    "SEN",
    "SON",
    "STEIN",
    "TON",
    "VILLE",
    "WAY",
    "WELL",
    "WICK",
    "WOOD",
    "WORTH",
]
STREET_ENDS = [
    "BROOK",
    "BURY",
    "CREST",
    "CROFT",
    "DALE",
    "FIELD",
    "FORD",
    "GATE",
    "GLEN",
    "GROVE",
    "HAVEN",
    "HURST",
    "LAND",
    "LEIGH",
    "MEAD",
    "MONT",
    "MOOR",
    "PORT",
    "RIDGE",
    "SIDE",
    "STONE",
    "TON",
    "VALE",
    "VIEW",
    "VILLE",
    "WATER",
    "WOOD",
    "WYN",
]
COMMON_SURNAMES = 0.1  # the share of people with one of LAST_NAMES
COMMON_STREETS = 0.3  # the share living on one of STREETS
ZIP_CODES_PER_CITY = 40


def _composed(rng: random.Random, common: list[str], ends: list[str], share: float) -> str:
    if rng.random() < share:
        return rng.choice(common)
    return rng.choice(NAME_STARTS) + rng.choice(ends)


def _zip_near(rng: random.Random, zip_code: str) -> str:
    if not zip_code.isdigit():
        return zip_code
    return f"{int(zip_code) + rng.randrange(ZIP_CODES_PER_CITY):0{len(zip_code)}d}"


SERIAL_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
NCIC_CODES = ("5212", "5299", "1313", "3599", "1399", "5202", "2399")


@dataclass
class SyntheticDealer:
    ffl_number: str
    name: str
    address: str
    city: str
    state: str
    zip_code: str
    weight: float
    short_ttc: bool = False


@dataclass
class SyntheticPerson:
    last: str
    first: str
    middle: str
    dob: dt.date
    sex: str
    race: str
    address: str
    city: str
    state: str
    zip_code: str
    ident: str = ""

    def cells(self, prefix: str, typo: random.Random | None = None) -> dict[str, str]:
        last, first, dob = self.last, self.first, self.dob
        if typo is not None:
            last, first, dob = _person_typo(typo, last, first, dob)
        return {
            f"{prefix}_last": last,
            f"{prefix}_first": first,
            f"{prefix}_middle": self.middle,
            f"{prefix}_dob": dob.strftime("%m/%d/%Y") if typo else dob.isoformat(),
            f"{prefix}_sex": self.sex,
            f"{prefix}_race": self.race,
            f"{prefix}_address": self.address,
            f"{prefix}_city": self.city,
            f"{prefix}_state": self.state,
            f"{prefix}_zip": self.zip_code,
        }


@dataclass
class Synthetic:
    """Rows in the default header and what is true about them."""

    rows: list[dict[str, str]] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue().encode()


def _person_typo(
    rng: random.Random, last: str, first: str, dob: dt.date
) -> tuple[str, str, dt.date]:
    kind = rng.randrange(4)
    if kind == 0 and len(last) > 3:  # transposed letters
        i = rng.randrange(1, len(last) - 2)
        last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
    elif kind == 1 and len(first) > 3:  # dropped letter
        i = rng.randrange(1, len(first) - 1)
        first = first[:i] + first[i + 1 :]
    elif kind == 2:  # day and month swapped where possible
        if dob.day <= 12 and dob.day != dob.month:
            dob = dob.replace(month=dob.day, day=dob.month)
        else:
            dob = dob + dt.timedelta(days=1)
    else:  # nickname-like truncation
        first = first[:3] if len(first) > 3 else first + "E"
    return last, first, dob


def _serial_typo(rng: random.Random, serial: str) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return serial[:3] + "-" + serial[3:]  # punctuation only: normalisation joins these
    if kind == 1:
        return serial.lower()
    i = rng.randrange(len(serial) - 1)  # transposition: a true typo
    return serial[:i] + serial[i + 1] + serial[i] + serial[i + 2 :]


def _ttc_days(rng: random.Random) -> int:
    # Log-normal, P(< 1 year) = 0.20 and P(< 3 years) = 0.46 at ordinary dealers; with the
    # planted source dealers the whole file comes to about a quarter and a half.
    return max(1, min(int(math.exp(rng.gauss(math.log(1270), 1.485))), 35 * 365))


def _ffl(rng: random.Random, district: str, county: str, sequence: int) -> str:
    year = rng.choice("6789")
    month = rng.choice("ABCDEFGHJKLM")
    return f"8-{district}-{county}-01-{year}{month}-{sequence:05d}"


def _person(
    rng: random.Random, place: tuple[str, str, str, str, str], people: Iterator[int]
) -> SyntheticPerson:
    dob = ANCHOR - dt.timedelta(days=rng.randint(19 * 365, 60 * 365))
    state, city, zip_code = place[0], place[1], place[2]
    last = _composed(rng, LAST_NAMES, SURNAME_ENDS, COMMON_SURNAMES)
    first = rng.choice(FIRST_NAMES)
    middle = rng.choice("ABCDEJKLMRST") if rng.random() < 0.6 else ""
    sex, race = rng.choice("MMMF"), rng.choice("BBWWHA")
    number, street = rng.randint(100, 9999), _composed(rng, STREETS, STREET_ENDS, COMMON_STREETS)
    return SyntheticPerson(
        last=last,
        first=first,
        middle=middle,
        dob=dob,
        sex=sex,
        race=race,
        address=f"{number} {street} ST",
        city=city,
        state=state,
        zip_code=_zip_near(rng, zip_code),
        ident=f"P{next(people)}",
    )


def generate(
    rng: random.Random,
    count: int,
    *,
    ori: str,
    state: str = "MD",
    city: str = "METRO CITY",
    first_trace: int = 1,
    center: tuple[float, float] = (39.29, -76.61),
    sink: Callable[[list[dict[str, str]]], None] | None = None,
) -> Synthetic:
    """`count` trace rows for one agency, with planted trafficking patterns and typos.

    With a `sink`, the rows are handed to it in batches of SINK_ROWS as they are
    made (and not kept), so a million rows never sit in memory at once; the
    random draws, and so the rows, are the same either way.
    """
    home = (state, city, HOME[2], HOME[3], HOME[4])
    people = itertools.count(1)
    dealers: list[SyntheticDealer] = []
    sequence = 10000 + first_trace % 50000
    n_local = max(6, count // 40)
    for i in range(n_local):
        sequence += 1
        dealers.append(
            SyntheticDealer(
                _ffl(rng, home[3], home[4], sequence),
                f"{rng.choice(LAST_NAMES)} {rng.choice(('GUNS', 'ARMS', 'OUTDOORS', 'PAWN'))}",
                f"{rng.randint(100, 9999)} {rng.choice(STREETS)} RD",
                city,
                state,
                home[2],
                weight=1.0 / (1 + i * 0.15),
            )
        )
    local_weight = sum(dealer.weight for dealer in dealers)
    high_volume = rng.sample(dealers, 3)
    for dealer in high_volume:
        dealer.weight = 0.05 * local_weight  # each sells about 4 % of the traced guns
        dealer.short_ttc = True
    corridor = []
    for place in CORRIDOR:
        for _ in range(2):
            sequence += 1
            corridor.append(
                SyntheticDealer(
                    _ffl(rng, place[3], place[4], sequence),
                    f"{place[1]} {rng.choice(('FIREARMS', 'SPORTING GOODS', 'PAWN & GUN'))}",
                    f"{rng.randint(100, 9999)} INTERSTATE HWY",
                    place[1],
                    place[0],
                    place[2],
                    weight=0.006 * local_weight,
                    short_ttc=True,
                )
            )
    all_dealers = dealers + corridor
    cumulative = list(itertools.accumulate(dealer.weight for dealer in all_dealers))
    # Most people appear on one trace; a few buy again or are found with guns again.
    repeat_buyers = [_person(rng, home, people) for _ in range(max(3, count // 100))]
    repeat_possessors = [_person(rng, home, people) for _ in range(max(3, count // 50))]

    def a_purchaser() -> SyntheticPerson:
        return rng.choice(repeat_buyers) if rng.random() < 0.04 else _person(rng, home, people)

    def a_possessor() -> SyntheticPerson:
        if rng.random() < 0.1:
            return rng.choice(repeat_possessors)
        return _person(rng, home, people)

    guns = [gun for gun in FIREARMS for _ in range(gun[6])]

    synthetic = Synthetic()
    made = 0  # rows made so far, whether still in synthetic.rows or handed to the sink
    number = first_trace
    serials: dict[str, str] = {}
    gun_of: dict[str, str] = {}
    mention_of: dict[str, dict[str, str]] = {}

    def row(
        purchaser: SyntheticPerson | None,
        possessor: SyntheticPerson,
        dealer: SyntheticDealer | None,
        purchase_date: dt.date | None,
        ttc: int | None,
        *,
        gun: tuple[Any, ...] | None = None,
        serial: str | None = None,
        typo_person: bool = False,
        obliterated: bool = False,
        gun_id: str | None = None,
    ) -> dict[str, str]:
        nonlocal number, made
        trace_number = f"T{ANCHOR.year}{number:07d}"
        number += 1
        gun = gun or rng.choice(guns)
        if purchase_date and purchase_date > ANCHOR:
            purchase_date = ANCHOR - dt.timedelta(days=rng.randint(1, 60))
        recovery = (
            purchase_date + dt.timedelta(days=ttc)
            if purchase_date and ttc is not None
            else ANCHOR - dt.timedelta(days=rng.randint(1, 3 * 365))
        )
        if recovery > ANCHOR:
            recovery = ANCHOR - dt.timedelta(days=rng.randint(0, 30))
            if purchase_date and recovery < purchase_date:
                recovery = purchase_date
        serial = serial or "".join(rng.choices(SERIAL_LETTERS, k=2)) + str(
            rng.randint(10000, 999999)
        )
        serials[trace_number] = serial
        gun_of[trace_number] = gun_id or serial
        mention_of[trace_number] = {"possessor": possessor.ident}
        if purchaser is not None and dealer is not None:
            mention_of[trace_number]["purchaser"] = purchaser.ident
        cells = {
            "trace_number": trace_number,
            "request_date": (recovery + dt.timedelta(days=rng.randint(0, 20))).isoformat()
            if recovery + dt.timedelta(days=20) <= ANCHOR
            else recovery.isoformat(),
            "trace_status": "Completed"
            if dealer
            else rng.choice(
                (
                    "Not Completed - Too Old",
                    "Not Completed - No Record at Dealer",
                    "Not Completed - Foreign Made, No Import Record",
                )
            ),
            "ori": ori,
            "agency_case_number": f"{recovery.year % 100:02d}-{rng.randint(1, 99999):05d}",
            "ncic_code": rng.choice(NCIC_CODES),
            "recovery_date": recovery.isoformat()
            if rng.random() < 0.8
            else recovery.strftime("%m/%d/%Y"),
            "recovery_address": f"{rng.randint(100, 9999)} {rng.choice(STREETS)} AVE",
            "recovery_city": city,
            "recovery_state": state,
            "recovery_zip": home[2],
            "recovery_lat": f"{center[0] + rng.uniform(-0.08, 0.08):.5f}",
            "recovery_lon": f"{center[1] + rng.uniform(-0.1, 0.1):.5f}",
            "serial_number": "" if obliterated else serial,
            "obliterated": "Y" if obliterated else "N",
            "manufacturer": rng.choice(gun[0]),
            "model": gun[1],
            "firearm_type": gun[2],
            "caliber": rng.choice(gun[3]),
            "country": gun[4],
            "importer": gun[5],
            **possessor.cells("possessor", rng if typo_person else None),
        }
        if purchaser is not None and dealer is not None and purchase_date is not None:
            cells.update(purchaser.cells("purchaser"))
            cells.update(
                purchase_date=purchase_date.isoformat(),
                ffl_number=dealer.ffl_number,
                dealer_name=dealer.name,
                dealer_address=dealer.address,
                dealer_city=dealer.city,
                dealer_state=dealer.state,
                dealer_zip=dealer.zip_code,
            )
        else:
            cells.update({name: "" for name in HEADER if name.startswith("purchaser_")})
            cells.update(
                purchase_date="",
                ffl_number="",
                dealer_name="",
                dealer_address="",
                dealer_city="",
                dealer_state="",
                dealer_zip="",
            )
        synthetic.rows.append(cells)
        made += 1
        return cells

    def flush() -> None:
        # Only between two rows: a row's cells may still change right after row() returns.
        if sink is not None and synthetic.rows:
            sink(synthetic.rows)
            synthetic.rows = []

    # Planted straw purchasers: several handguns within days, recovered soon from others.
    straw: dict[str, list[str]] = {}
    n_straw = max(2, count // 200)
    planted_rows = 0
    for _ in range(n_straw):
        buyer = _person(rng, home, people)
        dealer = rng.choice(high_volume + corridor)
        start = ANCHOR - dt.timedelta(days=rng.randint(200, 900))
        traces = []
        for j in range(rng.randint(3, 6)):
            bought = start + dt.timedelta(days=rng.choice((0, 0, 1, 2, 3)) + (j // 3) * 40)
            handgun = rng.choice([g for g in FIREARMS if g[2] == "PISTOL"])
            cells = row(buyer, a_possessor(), dealer, bought, rng.randint(20, 300), gun=handgun)
            traces.append(cells["trace_number"])
            planted_rows += 1
        straw[buyer.ident] = traces

    # Ordinary traces; some purchasers repeat (with typos), some guns are recovered twice.
    same_person: list[list[dict[str, str]]] = []
    same_gun: list[list[str]] = []
    while made < count:
        if len(synthetic.rows) >= SINK_ROWS:
            flush()
        purchaser = a_purchaser()
        completed = rng.random() < 0.88
        obliterated = rng.random() < 0.02
        if not completed or obliterated:
            row(None, a_possessor(), None, None, None, obliterated=obliterated)
            continue
        dealer = rng.choices(all_dealers, cum_weights=cumulative)[0]
        ttc = rng.randint(15, 330) if dealer.short_ttc and rng.random() < 0.4 else _ttc_days(rng)
        purchase = ANCHOR - dt.timedelta(days=ttc + rng.randint(0, 3 * 365))
        self_possessed = rng.random() < 0.3
        possessor = purchaser if self_possessed else a_possessor()
        cells = row(purchaser, possessor, dealer, purchase, ttc)
        roll = rng.random()
        if roll < 0.03 and made < count:
            # The same purchaser again, on another gun, with a typo in name or date of birth.
            again = row(
                purchaser,
                a_possessor(),
                dealer,
                purchase + dt.timedelta(days=rng.randint(30, 400)),
                _ttc_days(rng),
            )
            again.update(
                dict(
                    zip(
                        ("purchaser_last", "purchaser_first", "purchaser_dob"),
                        _typo_cells(rng, purchaser),
                        strict=True,
                    )
                )
            )
            same_person.append([cells, again])
        elif roll < 0.05 and made < count:
            # The same gun recovered again later, its serial written differently.
            serial = serials[cells["trace_number"]]
            gun = next(g for g in FIREARMS if g[1] == cells["model"])
            again = row(
                purchaser,
                a_possessor(),
                dealer,
                purchase,
                ttc + rng.randint(30, 500),
                gun=gun,
                serial=_serial_typo(rng, serial),
                gun_id=serial,
            )
            same_gun.append([cells["trace_number"], again["trace_number"]])

    flush()
    synthetic.truth = {
        "rows": made,
        # Planted straw purchasers (person id -> their traces).
        "straw_purchasers": straw,
        "high_volume_dealers": [dealer.ffl_number for dealer in high_volume],
        "out_of_state_dealers": [dealer.ffl_number for dealer in corridor],
        "same_person": [[(r["trace_number"], "purchaser") for r in pair] for pair in same_person],
        "same_gun": same_gun,
        # Who each mention really is and which gun each trace really is: the answer key
        # for person and firearm resolution.
        "mention_person": mention_of,
        "trace_gun": gun_of,
    }
    return synthetic


def _typo_cells(rng: random.Random, person: SyntheticPerson) -> tuple[str, str, str]:
    last, first, dob = _person_typo(rng, person.last, person.first, person.dob)
    return last, first, dob.strftime("%m/%d/%Y")
