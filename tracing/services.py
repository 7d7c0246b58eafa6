"""Writes: the e-Trace import, the FFL list import and the agency's trace indicators.

The e-Trace write path is set-based: the agency's stored trace numbers (with
their row hashes) and guns are read once; the parser streams the file, turns
each row into a COPY line and leaves out the rows whose trace is stored with
the same hash (unchanged); PostgreSQL takes the lines, chunk by chunk, into a
temporary staging table while the rest of the file is still being parsed, each
staged row drawing the ids its new trace, gun and mentions will have, and
writes each chunk's new guns and the mentions of its new traces at once (they
depend on no other row: see `_stage`); then a handful of INSERT ... SELECT /
UPDATE ... FROM statements write dealers, traces, purchases and whatever
changed, without joining anything back by key. Per-row ORM saves
would be two orders of magnitude slower on a 200,000-row file. The whole import
is one transaction: a bad row anywhere rolls everything back, and every bad row
is reported (the first MAX_REPORTED_ERRORS of them listed, all of them counted).
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import queue
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.copy_text import copy_escape, copy_text_line
from portal.jobs import Progress
from portal.models import Agency, SourceFile
from portal.tabular import Row, RowError, TableError, read_csv_rows, read_table, table_kind
from tracing.ffl import FFLError, ffl_from_parts
from tracing.importers import (
    DEALER_COLUMNS,
    PERSON_FIELDS,
    STAGE_COLUMNS,
    STAGE_KNOWN_COLUMNS,
    STAGE_KNOWN_TYPES,
    STAGE_TYPES,
    EtraceParser,
    profile_for,
)
from tracing.models import CaliberAlias, ManufacturerAlias, SerialRule, TraceChange
from tracing.normalise import Normaliser
from tracing.normalise import SerialRule as SerialRuleValue
from tracing.selectors import traces_changed
from tracing.signals import traces_imported

MAX_REPORTED_ERRORS = 5000
ADVISORY_LOCK_SPACE = 3  # the tracing app's namespace of PostgreSQL advisory locks
WRITE_STEPS = 8


class ImportRefused(Exception):
    """The file has bad rows (or cannot be read): nothing was written."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


def normaliser_load() -> Normaliser:
    """The alias tables as they are now in the database."""
    return Normaliser(
        manufacturers=dict(ManufacturerAlias.objects.values_list("alias", "canonical")),
        calibers=dict(CaliberAlias.objects.values_list("alias", "canonical")),
        serial_rules=[
            SerialRuleValue(rule.manufacturer, rule.confusable_from, rule.confusable_to)
            for rule in SerialRule.objects.all()
        ],
    )


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return 0
        handle.seek(0)
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _refuse(message: str, rows_read: int, errors: list[RowError]) -> ImportRefused:
    shown = [error.as_dict() for error in errors[:MAX_REPORTED_ERRORS]]
    result: dict[str, Any] = {"rows_read": rows_read, "bad_rows": len({e.row for e in errors})}
    if len(errors) > MAX_REPORTED_ERRORS:
        result["errors_not_listed"] = len(errors) - MAX_REPORTED_ERRORS
    result["errors"] = shown
    return ImportRefused(message, result)


@dataclass
class ImportCounts:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [],
        }


def trace_import(
    *,
    agency: Agency,
    source_file: SourceFile,
    path: Path,
    profile: str = "",
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Import an e-Trace file all-or-nothing; raise ImportRefused listing every bad row.

    `profile` names a column-mapping profile in tracing/profiles/; without one,
    the profile that maps the most of the file's columns is used.
    """
    report_progress = progress or (lambda current, total: None)
    estimated = max(_count_lines(path) - 1, 0)
    total = estimated + WRITE_STEPS
    try:
        header, records = _read_records(path)
        first = next(records, None)
        if first is None:
            raise ImportRefused("The file has no data rows.", {"rows_read": 0, "errors": []})
        column_profile, mapping = profile_for(header, profile)
    except (TableError, ValueError) as exc:
        raise ImportRefused(str(exc), {"errors": []}) from exc

    parser = EtraceParser(
        mapping=mapping,
        normaliser=normaliser_load(),
        file_name=source_file.original_name,
        today=today or timezone.localdate(),
    )

    def counted(stream: Any) -> Any:
        for index, row in enumerate(stream, start=1):
            if index % 5000 == 0:
                report_progress(index, max(total, index + WRITE_STEPS))
            yield row

    counts = ImportCounts()

    def step(number: int) -> None:
        done = parser.report.rows_read
        report_progress(done + number, done + WRITE_STEPS)

    try:
        with transaction.atomic(), _collector_paused():
            lines = parser.lines(header, counted(chain([first], records)))
            _write(agency, source_file, parser, lines, counts, step)
    except TableError as exc:
        raise ImportRefused(str(exc), {"errors": []}) from exc
    # The import is finished: `counts` is what it wrote. Cached summaries of the traces
    # are stale once it commits.
    transaction.on_commit(traces_changed)
    total = counts.rows_read + WRITE_STEPS
    report_progress(total, total)
    traces_imported.send(sender=trace_import, agency_id=agency.pk)
    return {**counts.as_dict(), "profile": column_profile.name}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is parsed.

    The parser allocates millions of short strings and tuples and keeps a few
    dictionaries that grow with the file; none of them form reference cycles,
    yet every allocation burst triggers a collection that walks the growing
    dictionaries again (about 6% of a 50,000-row import).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# While the parser thread runs, a thread that wants the interpreter lock waits up to
# this long for it (Python's default is 5 ms).
STAGE_SWITCH_INTERVAL = 0.0001


@contextmanager
def _quick_handoff() -> Iterator[None]:
    """Hand the interpreter lock to a waiting thread after 0.1 ms instead of 5 ms.

    The staging writer thread needs the lock for a moment after each statement
    and each chunk it sends, while the parser thread wants it all the time: at
    the default interval the writer queued behind the parser for about a third
    of its time (measured on a 200,000-row file: the writer busy 15.4 s of which
    PostgreSQL worked about 10). A thread that waits for nothing gives the lock
    up no more often, so the shorter interval costs the parser next to nothing.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(STAGE_SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _read_records(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and (row number, cells) of the file: CSV streamed, a workbook by its rows."""
    if table_kind(path) == "csv":
        return read_csv_rows(path)
    rows = read_table(path)
    first = next(rows, None)
    if first is None:
        return [], iter(())
    header = list(first.cells)
    return header, (
        (row.number, [row.cells.get(name, "") for name in header]) for row in chain([first], rows)
    )


def _stage_ddl(cursor: Any) -> str:
    """The staging table; each row draws the ids its new trace, gun and mentions will have.

    Drawing the ids while COPY loads the rows spares joining the new traces
    back by trace number for their mentions and purchase, and the new guns back
    by manufacturer and serial for their traces (gaps in the ids of rows that
    turn out not to need them do no harm).
    """
    cursor.execute(
        "SELECT pg_get_serial_sequence('tracing_trace', 'id'), "
        "pg_get_serial_sequence('tracing_personmention', 'id'), "
        "pg_get_serial_sequence('tracing_firearm', 'id')"
    )
    trace_sequence, mention_sequence, firearm_sequence = cursor.fetchone()
    columns = ", ".join(
        f"{name} {STAGE_TYPES.get(name) or STAGE_KNOWN_TYPES.get(name) or 'text'}"
        for name in STAGE_COLUMNS + STAGE_KNOWN_COLUMNS
    )
    return (
        f"CREATE TEMPORARY TABLE etrace_stage ({columns}, "
        f"new_trace_id bigint DEFAULT nextval('{trace_sequence}'), "
        f"firearm_new_id bigint DEFAULT nextval('{firearm_sequence}'), "
        f"possessor_id bigint DEFAULT nextval('{mention_sequence}'), "
        f"purchaser_id bigint DEFAULT nextval('{mention_sequence}')) ON COMMIT DROP"
    )


def _raw_cursor(cursor: Any) -> Any:
    """psycopg2's own cursor under Django's wrappers, for COPY."""
    raw = cursor.cursor
    while hasattr(raw, "cursor"):
        raw = raw.cursor
    return raw


# Compared when a trace comes again: (stage expression, expression over the stored records).
DIFF_FIELDS: list[tuple[str, str, str]] = [
    ("recovering_ori", "s.recovering_ori", "t.recovering_ori"),
    ("request_date", "s.request_date::text", "t.request_date::text"),
    ("trace_status", "s.trace_status", "t.trace_status"),
    ("status_reason", "s.status_reason", "t.status_reason"),
    ("agency_case_number", "s.agency_case_number", "t.agency_case_number"),
    ("ncic_code", "s.ncic_code", "t.ncic_code"),
    ("recovery_date", "s.recovery_date::text", "t.recovery_date::text"),
    ("recovery_address", "s.recovery_address", "t.recovery_address"),
    ("recovery_city", "s.recovery_city", "t.recovery_city"),
    ("recovery_state", "s.recovery_state", "t.recovery_state"),
    ("recovery_zip", "s.recovery_zip", "t.recovery_zip"),
    ("recovery_lat", "s.recovery_lat::text", "t.recovery_lat::text"),
    ("recovery_lon", "s.recovery_lon::text", "t.recovery_lon::text"),
    ("serial_number", "s.serial_as_written", "t.serial_as_written"),
    ("obliterated", "s.obliterated::text", "f.obliterated::text"),
    ("manufacturer", "s.manufacturer", "f.manufacturer"),
    ("model", "s.model", "f.model"),
    ("firearm_type", "s.firearm_type", "f.firearm_type"),
    ("caliber", "s.caliber", "f.caliber"),
    ("country", "s.country", "f.country"),
    ("importer", "s.importer", "f.importer"),
    *[
        (f"{role}_{name}", f"s.{role}_{stage}", f"{alias}.{column}")
        for role, alias in (("possessor", "pm"), ("purchaser", "um"))
        for name, stage, column in (
            ("last", "last", "last_name"),
            ("first", "first", "first_name"),
            ("middle", "middle", "middle_name"),
            ("aliases", "aliases", "aliases"),
            ("dob", "dob_text", "dob_as_written"),
            ("sex", "sex", "sex"),
            ("race", "race", "race"),
            ("address", "address", "address"),
            ("city", "city", "city"),
            ("state", "state", "state"),
            ("zip", "zip", "zip_code"),
        )
    ],
    ("purchase_date", "s.purchase_date::text", "p.purchase_date::text"),
    ("ffl_number", "s.ffl_number_as_written", "p.ffl_number_as_written"),
]


def _trace_changes(cursor: Any, agency_id: int) -> dict[int, tuple[int, dict[str, list[str]]]]:
    """For traces whose row hash differs: {trace id: (row, {field: [old, new]})}."""
    new = ", ".join(f"coalesce({expr}, '')" for _, expr, _ in DIFF_FIELDS)
    old = ", ".join(f"coalesce({expr}, '')" for _, _, expr in DIFF_FIELDS)
    cursor.execute(
        f"""
        SELECT s.trace_id, s.row_number, {new}, {old}
        FROM etrace_stage s
        JOIN tracing_trace t ON t.id = s.trace_id
        JOIN tracing_firearm f ON f.id = t.firearm_id
        LEFT JOIN tracing_personmention pm ON pm.trace_id = t.id AND pm.role = 'possessor'
        LEFT JOIN tracing_personmention um ON um.trace_id = t.id AND um.role = 'purchaser'
        LEFT JOIN tracing_purchase p ON p.trace_id = t.id
        WHERE s.old_hash IS DISTINCT FROM s.row_hash
        """  # noqa: S608 - column expressions are constants of this module
    )
    width = len(DIFF_FIELDS)
    changes: dict[int, tuple[int, dict[str, list[str]]]] = {}
    for record in cursor.fetchall():
        trace_id, row_number = record[0], record[1]
        new_values, old_values = record[2 : 2 + width], record[2 + width :]
        diff = {
            name: [before, after]
            for (name, _, _), after, before in zip(DIFF_FIELDS, new_values, old_values, strict=True)
            if before != after
        }
        if diff:
            changes[trace_id] = (row_number, diff)
    return changes


MENTION_COLUMNS = (
    "last_name, first_name, middle_name, aliases, dob_as_written, dob, sex, race, address, "
    "city, state, zip_code, last_name_key, first_name_key, person_key, last_name_sound, "
    "first_name_sound"
)


# Guns new to the agency, once each (on the first row of the file that has them). No
# ON CONFLICT: the agency's guns were read under its import lock, so a conflict would
# be a bug, and it rolls everything back.
FIREARMS_INSERT = """
    INSERT INTO tracing_firearm (id, agency_id, created_at, updated_at, identity_key,
        serial_as_written, serial_normalised, obliterated, manufacturer, model,
        firearm_type, is_handgun, caliber, country, importer)
    SELECT firearm_new_id, %(agency)s, %(now)s, %(now)s,
        identity_key, serial_as_written, serial_normalised, obliterated, manufacturer,
        model, firearm_type, is_handgun, caliber, country, importer
    FROM {table} WHERE gun_row = row_number
"""
_PERSON_NAMES = [name for name in PERSON_FIELDS if name != "present"]
# Both mentions of a row from one pass over the staged rows ({table} AS s, {where}).
MENTIONS_INSERT = f"""
    INSERT INTO tracing_personmention (id, agency_id, created_at, updated_at,
        trace_id, role, {MENTION_COLUMNS}, source_file_id, source_row, row_hash)
    SELECT m.id, %(agency)s, %(now)s, %(now)s,
        coalesce(s.trace_id, s.new_trace_id), m.role,
        {", ".join(f"m.{name}" for name in _PERSON_NAMES)},
        %(source)s, s.row_number, s.row_hash
    FROM {{table}} s
    CROSS JOIN LATERAL (VALUES {
    ", ".join(
        f"({', '.join(f's.{role}_{name}' for name in _PERSON_NAMES)}, "
        f"'{role}', s.{role}_id, s.{role}_present)"
        for role in ("possessor", "purchaser")
    )
})
        AS m({", ".join(_PERSON_NAMES)}, role, id, present)
    WHERE {{where}} AND m.present
"""  # noqa: S608 - constant SQL fragments
STAGE_CHUNK_LINES = 10_000


def _stage(raw: Any, lines: Iterator[str], params: dict[str, Any]) -> None:
    """COPY the parsed lines into `etrace_stage`, writing what needs no other row meanwhile.

    The parser (this thread, on one core) hands chunks of lines to a second
    thread that talks to PostgreSQL (the other core; the driver lets go of the
    GIL while it waits): each chunk is copied into a table of its own that
    inherits `etrace_stage` (so the statements on `etrace_stage` read every
    chunk, and no row is copied twice), and its new guns and the mentions of its
    new traces go to their tables at once (neither depends on any other row).
    What does depend on the whole file (dealers, traces and their indicators,
    purchases, traces seen with new facts) is written after. A bad row stops the
    lines; the transaction is then rolled back, so nothing written here remains.
    """
    columns = ", ".join(STAGE_COLUMNS + STAGE_KNOWN_COLUMNS)
    chunks: queue.Queue[str | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def write_chunks() -> None:
        number = 0
        while (text := chunks.get()) is not None:
            if failed:
                continue  # drain: the parser learns of the failure at its next chunk
            number += 1
            table = f"etrace_stage_{number}"
            try:
                raw.execute(
                    f"CREATE TEMPORARY TABLE {table} () INHERITS (etrace_stage) ON COMMIT DROP"
                )
                # One read of the whole chunk: each read takes the GIL back from the parser.
                raw.copy_expert(
                    f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text), size=len(text)
                )
                raw.execute(FIREARMS_INSERT.format(table=table), params)
                raw.execute(MENTIONS_INSERT.format(table=table, where="s.trace_id IS NULL"), params)
            except BaseException as exc:  # re-raised in the parser's thread
                failed.append(exc)

    writer = threading.Thread(target=write_chunks, name="etrace-stage", daemon=True)
    with _quick_handoff():
        writer.start()
        try:
            batch: list[str] = []
            for line in lines:
                batch.append(line)
                if len(batch) >= STAGE_CHUNK_LINES:
                    if failed:
                        break
                    chunks.put("".join(batch))
                    batch = []
            if batch and not failed:
                chunks.put("".join(batch))
        finally:
            chunks.put(None)
            writer.join()
    if failed:
        raise failed[0]


def _write(
    agency: Agency,
    source_file: SourceFile,
    parser: EtraceParser,
    lines: Iterator[str],
    counts: ImportCounts,
    step: Any,
) -> None:
    """Stream the parsed rows into a staging table, then write every record set-based."""
    agency_id = agency.pk
    now = dt.datetime.now(dt.UTC)
    params: dict[str, Any] = {"agency": agency_id, "now": now, "source": source_file.pk}
    with connection.cursor() as cursor:
        # One import per agency at a time: the cross-record indicators read the agency's
        # stored traces and must not miss a concurrent file's.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_SPACE, agency_id])
        # The commit does not wait for its WAL to reach the disk: a crash in the next
        # fraction of a second can lose this one transaction (never corrupt anything), and
        # the job then shows as failed and is re-run; the import is idempotent. The joins
        # and sorts over the staged rows get the memory to run as one hash or sort.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            "SELECT trace_number, id, row_hash FROM tracing_trace WHERE agency_id = %s",
            [agency_id],
        )
        parser.known_traces = {number: (pk, digest) for number, pk, digest in cursor}
        cursor.execute(
            "SELECT manufacturer, identity_key, id FROM tracing_firearm WHERE agency_id = %s",
            [agency_id],
        )
        parser.known_firearms = {(maker, key): pk for maker, key, pk in cursor}
        # Every statement below reads the staged rows: let the session keep them in memory
        # (PostgreSQL's default is 8 MB) rather than in a temporary file. The setting can
        # only change before the session's first temporary table, hence the savepoint;
        # the memory is taken as the rows come, and a bigger file spills to disk.
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '256MB'")
        except DatabaseError:
            pass
        # ON COMMIT DROP does not fire inside an enclosing transaction (seed_demo, tests).
        cursor.execute("DROP TABLE IF EXISTS etrace_stage, etrace_flags, etrace_dealers CASCADE")
        cursor.execute(_stage_ddl(cursor))
        raw = _raw_cursor(cursor)
        _stage(raw, lines, params)
        report = parser.report
        if report.errors:
            bad = len({error.row for error in report.errors})
            raise _refuse(
                f"{bad} of {report.rows_read} rows are bad; nothing was written.",
                report.rows_read,
                report.errors,
            )
        counts.rows_read, counts.skipped = report.rows_read, report.duplicates
        # Statistics, or the planner expects one row and picks nested loops.
        cursor.execute("ANALYZE etrace_stage (trace_number, ffl_key, trace_id, gun_row)")
        step(1)
        # Dealers are shared reference data: create unknown ones, fill blanks of known ones.
        columns = ", ".join(f"{name} text" for name in DEALER_COLUMNS)
        cursor.execute(f"CREATE TEMPORARY TABLE etrace_dealers ({columns}) ON COMMIT DROP")
        raw.copy_expert(
            "COPY etrace_dealers FROM STDIN",
            io.StringIO("".join(f"{copy_text_line(d)}\n" for d in parser.dealers.values())),
        )
        cursor.execute(
            """
            INSERT INTO tracing_dealer (ffl_key, ffl_number, region, district, county,
                license_type, expiry, sequence, license_name, business_name, premise_street,
                premise_city, premise_state, premise_zip, mail_street, mail_city, mail_state,
                mail_zip, voice_phone, in_ffl_list, created_at, updated_at)
            SELECT ffl_key, ffl_number, ffl_region, ffl_district,
                ffl_county, ffl_type, ffl_expiry, ffl_sequence, dealer_name, '', dealer_address,
                dealer_city, dealer_state, dealer_zip, '', '', '', '', '', false, %(now)s, %(now)s
            FROM etrace_dealers
            ON CONFLICT (ffl_key) DO UPDATE SET
                license_name = CASE WHEN tracing_dealer.license_name = ''
                    THEN EXCLUDED.license_name ELSE tracing_dealer.license_name END,
                premise_street = CASE WHEN tracing_dealer.premise_street = ''
                    THEN EXCLUDED.premise_street ELSE tracing_dealer.premise_street END,
                premise_city = CASE WHEN tracing_dealer.premise_city = ''
                    THEN EXCLUDED.premise_city ELSE tracing_dealer.premise_city END,
                premise_state = CASE WHEN tracing_dealer.premise_state = ''
                    THEN EXCLUDED.premise_state ELSE tracing_dealer.premise_state END,
                premise_zip = CASE WHEN tracing_dealer.premise_zip = ''
                    THEN EXCLUDED.premise_zip ELSE tracing_dealer.premise_zip END,
                updated_at = EXCLUDED.updated_at
            WHERE tracing_dealer.license_name = '' OR tracing_dealer.premise_state = ''
                OR tracing_dealer.premise_street = ''
            """,
            params,
        )
        cursor.execute("ANALYZE tracing_dealer")
        step(2)
        if report.repeated_guns:
            # A new gun on several rows: all of them take the id its first row drew.
            cursor.execute(
                """
                UPDATE etrace_stage s SET firearm_new_id = g.firearm_new_id
                FROM etrace_stage g
                WHERE s.gun_row <> s.row_number AND g.row_number = s.gun_row
                """
            )
        step(3)
        changes = _trace_changes(cursor, agency_id) if report.known else {}
        params["changed"] = list(changes)
        # Rows to write: traces not seen before, and traces seen with new facts.
        to_write = "(s.trace_id IS NULL OR s.trace_id = ANY(%(changed)s::bigint[]))"
        _flags_stage(cursor, agency_id, to_write, params)
        step(4)
        trace_values = """
            s.trace_number, s.recovering_ori, s.request_date, s.trace_status, s.status,
            s.status_reason, s.agency_case_number, s.ncic_code, s.recovery_date,
            s.recovery_address, s.recovery_city, s.recovery_state, s.recovery_zip,
            s.recovery_lat, s.recovery_lon, coalesce(s.firearm_known_id, s.firearm_new_id),
            s.serial_as_written, s.time_to_crime_days,
            s.purchaser_not_possessor,
            (s.recovery_state <> '' AND coalesce(nullif(d.premise_state, ''), s.dealer_state)
                NOT IN ('', s.recovery_state)),
            coalesce(g.multiple_sale, false), coalesce(g.repeat_purchaser, false),
            %(source)s, s.row_number, s.row_hash
        """
        joins = """
            FROM etrace_stage s
            LEFT JOIN tracing_dealer d ON d.ffl_key = s.ffl_key
            LEFT JOIN etrace_flags g ON g.trace_number = s.trace_number
        """
        trace_columns = """
            trace_number, recovering_ori, request_date, trace_status, status, status_reason,
            agency_case_number, ncic_code, recovery_date, recovery_address, recovery_city,
            recovery_state, recovery_zip, recovery_lat, recovery_lon, firearm_id,
            serial_as_written, time_to_crime_days, purchaser_not_possessor, out_of_state_source,
            multiple_sale, repeat_purchaser, source_file_id, source_row, row_hash
        """
        cursor.execute(
            f"""
            INSERT INTO tracing_trace (id, agency_id, created_at, updated_at, {trace_columns})
            SELECT s.new_trace_id, %(agency)s, %(now)s, %(now)s, {trace_values}
            {joins} WHERE s.trace_id IS NULL
            """,
            params,
        )
        counts.created = cursor.rowcount
        if changes:
            column_names = [column.strip() for column in trace_columns.split(",")]
            expressions = _split_top_level(trace_values)
            assert len(column_names) == len(expressions)
            assignments = ", ".join(
                f"{column} = n.v{index}" for index, column in enumerate(column_names)
            )
            selected = ", ".join(
                f"{expr.strip()} AS v{index}" for index, expr in enumerate(expressions)
            )
            cursor.execute(
                f"""
                UPDATE tracing_trace t SET updated_at = %(now)s, {assignments}
                FROM (SELECT s.trace_id, {selected} {joins}
                      WHERE s.trace_id = ANY(%(changed)s::bigint[])) n
                WHERE t.id = n.trace_id
                """,  # noqa: S608 - constant SQL fragments
                params,
            )
            cursor.execute(
                """
                DELETE FROM tracing_purchase WHERE trace_id = ANY(%(changed)s::bigint[]);
                DELETE FROM tracing_personmention WHERE trace_id = ANY(%(changed)s::bigint[]);
                """,
                params,
            )
        counts.updated = len(changes)
        counts.unchanged = counts.rows_read - counts.skipped - counts.created - counts.updated
        step(5)
        if changes:
            # The mentions of new traces were written while the file was parsed.
            cursor.execute(
                MENTIONS_INSERT.format(
                    table="etrace_stage", where="s.trace_id = ANY(%(changed)s::bigint[])"
                ),
                params,
            )
        step(6)
        cursor.execute(
            f"""
            INSERT INTO tracing_purchase (agency_id, created_at, updated_at, trace_id, dealer_id,
                purchaser_id, purchase_date, ffl_number_as_written)
            SELECT %(agency)s, %(now)s, %(now)s, coalesce(s.trace_id, s.new_trace_id), d.id,
                CASE WHEN s.purchaser_present THEN s.purchaser_id END, s.purchase_date,
                s.ffl_number_as_written
            FROM etrace_stage s
            LEFT JOIN tracing_dealer d ON d.ffl_key = s.ffl_key
            WHERE {to_write} AND s.has_purchase
            """,  # noqa: S608 - constant SQL fragments
            params,
        )
        if report.known:
            # A corrected serial can leave the old firearm without a trace (and a gun
            # first named on a row whose facts did not change is not needed).
            cursor.execute(
                """
                DELETE FROM tracing_firearm f WHERE f.agency_id = %(agency)s
                AND NOT EXISTS (SELECT 1 FROM tracing_trace t WHERE t.firearm_id = f.id)
                """,
                params,
            )
        # Traces of earlier files whose cross-record indicators this file changed (an
        # agency's first file has none: its traces were inserted with their flags).
        for column in ("multiple_sale", "repeat_purchaser") if parser.known_traces else ():
            cursor.execute(
                f"""
                UPDATE tracing_trace t SET {column} = true FROM etrace_flags g
                WHERE t.agency_id = %(agency)s AND t.trace_number = g.trace_number
                    AND g.{column} AND NOT t.{column};
                UPDATE tracing_trace t SET {column} = false
                WHERE t.agency_id = %(agency)s AND t.{column} AND NOT EXISTS (
                    SELECT 1 FROM etrace_flags g
                    WHERE g.trace_number = t.trace_number AND g.{column});
                """,  # noqa: S608 - column is one of two constants
                params,
            )
        cursor.execute("DROP TABLE etrace_stage, etrace_flags, etrace_dealers CASCADE")
        step(7)
    TraceChange.objects.bulk_create(
        TraceChange(
            agency_id=agency_id,
            trace_id=trace_id,
            source_file=source_file,
            source_row=row_number,
            changes=diff,
        )
        for trace_id, (row_number, diff) in changes.items()
    )
    step(8)


def _flags_stage(cursor: Any, agency_id: int, to_write: str, params: dict[str, Any]) -> None:
    """Multiple sale and repeat purchaser over the agency's traces as they will be.

    Computed before the traces are written, from the stored purchases (minus
    the traces this file rewrites) and the file's rows, into `etrace_flags`, so
    that new traces are inserted with their flags instead of updated after.
    """
    cursor.execute(
        f"""
        SELECT t.trace_number, m.person_key, p.purchase_date,
            f.manufacturer || '|' || f.identity_key, f.is_handgun
        FROM tracing_purchase p
        JOIN tracing_personmention m ON m.id = p.purchaser_id
        JOIN tracing_trace t ON t.id = p.trace_id
        JOIN tracing_firearm f ON f.id = t.firearm_id
        WHERE p.agency_id = %(agency)s AND m.person_key <> ''
            AND NOT t.id = ANY(%(changed)s::bigint[])
        UNION ALL
        SELECT s.trace_number, s.purchaser_person_key, s.purchase_date,
            s.manufacturer || '|' || s.identity_key, s.is_handgun
        FROM etrace_stage s
        WHERE {to_write} AND s.purchaser_person_key <> ''
        """,  # noqa: S608 - constant SQL fragments
        params,
    )
    purchases = cursor.fetchall()
    multiple = multiple_sale_trace_ids(
        [
            (trace, person, bought, gun)
            for trace, person, bought, gun, handgun in purchases
            if handgun and bought is not None
        ]
    )
    repeat = repeat_purchaser_trace_ids(
        [(trace, person, gun) for trace, person, _, gun, _ in purchases]
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE etrace_flags (trace_number text PRIMARY KEY, "
        "multiple_sale boolean, repeat_purchaser boolean) ON COMMIT DROP"
    )
    buffer = io.StringIO()
    for trace in multiple | repeat:
        buffer.write(
            f"{copy_escape(trace)}\t{'t' if trace in multiple else 'f'}\t"
            f"{'t' if trace in repeat else 'f'}\n"
        )
    buffer.seek(0)
    _raw_cursor(cursor).copy_expert("COPY etrace_flags FROM STDIN", buffer)
    cursor.execute("ANALYZE etrace_flags")


def repeat_purchaser_trace_ids(purchases: list[tuple[Any, str, Any]]) -> set[Any]:
    """Traces whose purchaser (same normalised name and date of birth) bought 2+ traced guns."""
    guns: dict[str, set[Any]] = defaultdict(set)
    for _, person_key, gun in purchases:
        guns[person_key].add(gun)
    return {trace for trace, person_key, _ in purchases if len(guns[person_key]) > 1}


def _split_top_level(expressions: str) -> list[str]:
    """Split a SELECT list on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in expressions:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


# ---- indicators over all of an agency's traces ----

MULTIPLE_SALE_BUSINESS_DAYS = 5


def multiple_sale_trace_ids(purchases: list[tuple[Any, str, dt.date, Any]]) -> set[Any]:
    """Traces whose handgun was one of 2+ bought by one purchaser within 5 business days.

    `purchases` are (trace id, purchaser key, purchase date, firearm id) of
    handguns. Two purchases count when they are different guns and the later
    date falls within five consecutive business days of the earlier one
    (ATF Form 3310.4; weekends are not business days, holidays are ignored).
    """
    by_person: dict[str, list[tuple[dt.date, Any, Any]]] = defaultdict(list)
    for trace_id, person_key, purchase_date, firearm_id in purchases:
        by_person[person_key].append((purchase_date, firearm_id, trace_id))
    flagged: set[Any] = set()
    for items in by_person.values():
        if len(items) < 2:
            continue
        items.sort()
        for i, (first_date, first_gun, first_trace) in enumerate(items):
            for later_date, later_gun, later_trace in items[i + 1 :]:
                gap = int(np.busday_count(first_date, later_date))
                if gap >= MULTIPLE_SALE_BUSINESS_DAYS:
                    break
                if later_gun != first_gun:
                    flagged.update((first_trace, later_trace))
    return flagged


# ---- the ATF FFL list ----

FFL_LIST_COLUMNS = {
    "region": "LIC_REGN",
    "district": "LIC_DIST",
    "county": "LIC_CNTY",
    "license_type": "LIC_TYPE",
    "expiry": "LIC_XPRDTE",
    "sequence": "LIC_SEQN",
    "license_name": "LICENSE_NAME",
    "business_name": "BUSINESS_NAME",
    "premise_street": "PREMISE_STREET",
    "premise_city": "PREMISE_CITY",
    "premise_state": "PREMISE_STATE",
    "premise_zip": "PREMISE_ZIP_CODE",
    "mail_street": "MAIL_STREET",
    "mail_city": "MAIL_CITY",
    "mail_state": "MAIL_STATE",
    "mail_zip": "MAIL_ZIP_CODE",
    "voice_phone": "VOICE_PHONE",
}


def ffl_list_import(*, path: Path, file_name: str = "") -> dict[str, Any]:
    """Import the ATF monthly FFL list (all-or-nothing); dealers are matched on their FFL key."""
    from tracing.models import Dealer

    file_name = file_name or path.name
    errors: list[RowError] = []
    dealers: dict[str, Dealer] = {}
    rows_read = 0
    try:
        for row in read_table(path):
            rows_read += 1
            dealer = _ffl_list_dealer(row, file_name, errors)
            if dealer is not None:
                dealers[dealer.ffl_key] = dealer
    except TableError as exc:
        raise ImportRefused(str(exc), {"errors": []}) from exc
    if errors:
        bad = len({error.row for error in errors})
        raise _refuse(f"{bad} of {rows_read} rows are bad; nothing was written.", rows_read, errors)
    fields = [name for name in FFL_LIST_COLUMNS] + ["ffl_number", "in_ffl_list"]
    with transaction.atomic():
        existing = set(
            Dealer.objects.filter(ffl_key__in=list(dealers)).values_list("ffl_key", flat=True)
        )
        Dealer.objects.bulk_create(
            list(dealers.values()),
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["ffl_key"],
            update_fields=[*fields, "updated_at"],
        )
    return {
        "rows_read": rows_read,
        "created": len(set(dealers) - existing),
        "updated": len(existing),
        "unchanged": 0,
        "skipped": rows_read - len(dealers),
        "errors": [],
    }


def _ffl_list_dealer(row: Row, file_name: str, errors: list[RowError]) -> Any:
    from tracing.models import Dealer

    cells = {key.upper(): value for key, value in row.cells.items()}
    missing = [column for column in list(FFL_LIST_COLUMNS.values())[:6] if column not in cells]
    if missing:
        raise TableError(f"The FFL list has no column {', '.join(missing)}.")
    parts = [cells[FFL_LIST_COLUMNS[name]] for name in list(FFL_LIST_COLUMNS)[:6]]
    try:
        ffl = ffl_from_parts(*parts)
    except FFLError as exc:
        errors.append(
            RowError(file_name, row.number, "LIC_REGN..LIC_SEQN", "-".join(parts), str(exc))
        )
        return None
    values = {name: cells.get(column, "") for name, column in FFL_LIST_COLUMNS.items()}
    values.update(
        region=ffl.region,
        district=ffl.district,
        county=ffl.county,
        license_type=ffl.license_type,
        expiry=ffl.expiry,
        sequence=ffl.sequence,
        premise_state=values["premise_state"].upper()[:2],
        mail_state=values["mail_state"].upper()[:2],
        premise_zip=values["premise_zip"][:10],
        mail_zip=values["mail_zip"][:10],
        voice_phone=values["voice_phone"][:20],
    )
    return Dealer(ffl_key=ffl.key, ffl_number=ffl.formatted, in_ffl_list=True, **values)
