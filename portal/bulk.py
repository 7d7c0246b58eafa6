"""Fast bulk writes through PostgreSQL COPY, for the demo generator and the benchmarks.

`copy_rows(Model, fields, rows)` streams any iterable of row tuples into the
model's table with one `COPY ... FROM STDIN` (text format), encoding each
value the way the column expects: NULL as `\\N`, text with backslash, tab,
newline and carriage return escaped, aware timestamps in ISO form with their
offset, JSON through Django's encoder. Rows are produced lazily and sent in
chunks of about a megabyte, so memory stays flat however many rows there are.

Columns left out of `fields` get what `bulk_create` would give them: the
field's default (`auto_now`/`auto_now_add` get the time of the call), NULL
for a nullable field without a default, and the database's identity for the
primary key. Rows that later rows refer to (incidents before their persons)
take their ids from `reserve_ids(Model, n)`, which draws them from the
table's own sequence: nothing is reset, and concurrent writers keep working.

Not for user input paths: importers validate row by row and go through the
ORM; this is for generated data whose shape the caller controls.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.utils import timezone

from portal.copy_text import NULL, copy_escape_refusing_nul

CHUNK_BYTES = 1 << 20


class EncodedJSON(str):
    """A JSON column's value already encoded: one value many rows share (a review
    pair's reasons, the same for every pair scored alike) is encoded once by the
    caller, and copy_rows writes the text as it is."""


def _text(value: Any) -> str:
    return copy_escape_refusing_nul(value if type(value) is str else str(value))


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            # What Django's DateTimeField does with a naive value under USE_TZ.
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value.isoformat()
    return _text(value)


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise ValueError(f"a date column was given a datetime: {value!r}")
    return value.isoformat() if isinstance(value, dt.date) else _text(value)


def _boolean(value: Any) -> str:
    return "t" if value else "f"


def _number(value: Any) -> str:
    if type(value) is int:
        return str(value)
    if isinstance(value, bool):
        raise ValueError(f"a numeric column was given a boolean: {value!r}")
    if isinstance(value, float | int | decimal.Decimal):
        return str(value)
    return _text(value)


def _binary(value: Any) -> str:
    # bytea hex input; the backslash itself is escaped for the text format.
    return "\\\\x" + bytes(value).hex()


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], str]:
    """How one column's Python value becomes COPY text (NULL handled by the caller)."""
    if isinstance(field, models.ForeignKey):
        return _converter(field.target_field)
    if isinstance(field, models.JSONField):
        # One encoder for the whole copy (json.dumps would build one per value).
        encode = (field.encoder or DjangoJSONEncoder)(ensure_ascii=False).encode
        return lambda value: _text(value if type(value) is EncodedJSON else encode(value))
    if isinstance(field, models.BooleanField):
        return _boolean
    if isinstance(field, models.DateTimeField):
        return _timestamp
    if isinstance(field, models.DateField):
        return _date
    if isinstance(field, models.BinaryField):
        return _binary
    if isinstance(field, models.UUIDField):
        return lambda value: str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return _number
    return _text


def _concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _defaults(
    model: type[models.Model], given: set[str]
) -> list[tuple[models.Field[Any, Any], Any]]:
    """The columns the caller left out that need a value COPY would not give them."""
    now = timezone.now()
    filled = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in given or field.attname in given:
            continue
        if field.db_default is not models.NOT_PROVIDED:
            continue  # the database fills it in
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append((field, now))
        elif field.has_default() or not field.null:
            filled.append((field, field.get_default()))
    return filled


class _RowStream(io.RawIOBase):
    """A readable file of COPY text produced from the rows on demand."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer = b""
        self.rows = 0
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = CHUNK_BYTES if size is None or size < 0 else max(size, 1)
        parts = [self._buffer]
        length = len(self._buffer)
        try:
            for line in self._lines:
                encoded = line.encode()
                parts.append(encoded)
                length += len(encoded)
                self.rows += 1
                if length >= size:
                    break
        except Exception as exc:
            self.error = exc
            raise
        data = b"".join(parts)
        self._buffer = data[size:]
        return data[:size]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def copy_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    same: Mapping[str, Any] | None = None,
    using: str = "default",
) -> int:
    """COPY `rows` (tuples in the order of `fields`) into `model`'s table; returns the count.

    `fields` are field names or attnames ("agency" or "agency_id", both take
    the id). Include "id" only with ids from reserve_ids(). `same` gives columns
    whose value every row shares (the agency of a batch): converted once, not per row.
    """
    same = same or {}
    chosen = [_concrete_field(model, name) for name in fields]
    shared = [(_concrete_field(model, name), value) for name, value in same.items()]
    columns = [field.column for field in chosen] + [field.column for field, _ in shared]
    if len(set(columns)) != len(columns):
        raise ValueError("a column is named twice")
    defaults = shared + _defaults(model, {*fields, *same})
    converters = [_converter(field) for field in chosen]
    constant = "".join(
        "\t" + (NULL if value is None else _converter(field)(value)) for field, value in defaults
    )
    width = len(chosen)

    end = constant + "\n"

    def lines() -> Iterator[str]:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"row has {len(row)} values for {width} fields: {row!r}")
            # A list, not a generator: join builds one from a generator anyway.
            yield (
                "\t".join(
                    [
                        NULL if value is None else convert(value)
                        for convert, value in zip(converters, row)  # noqa: B905 - width checked
                    ]
                )
                + end
            )

    return _copy_lines(model, [*chosen, *(f for f, _ in defaults)], lines(), using=using)


# Widths of PostgreSQL's integer types in COPY's binary format.
_INTEGER_BYTES = {"smallint": 2, "integer": 4, "bigint": 8}
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
_BINARY_TRAILER = b"\xff\xff"


def copy_integers(
    model: type[models.Model],
    fields: Sequence[str],
    columns: Sequence[Iterable[Any]],
    *,
    using: str = "default",
) -> int:
    """copy_rows for rows of integers only (ids, hashes), given column by column (lists or
    numpy arrays of equal length, no NULLs), in COPY's binary format built by numpy: no
    Python work per value. A value that is not an integer, or out of its column's range,
    is refused before anything is written."""
    chosen = [_concrete_field(model, name) for name in fields]
    if len(columns) != len(chosen):
        raise ValueError(f"{len(columns)} columns for {len(chosen)} fields")
    connection = connections[using]
    types = [str(field.db_type(connection)) for field in chosen]
    if not all(kind in _INTEGER_BYTES for kind in types):
        raise ValueError("copy_integers writes integer columns only")
    if _defaults(model, set(fields)):
        raise ValueError("copy_integers fills no defaults: name every column but the key")
    arrays = [np.asarray(column) for column in columns]
    count = len(arrays[0]) if arrays else 0
    if any(len(array) != count for array in arrays):
        raise ValueError("integer columns of unequal lengths")
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for index, (array, kind, field) in enumerate(zip(arrays, types, chosen, strict=True)):
        width = _INTEGER_BYTES[kind]
        if count and array.dtype.kind not in "iu":
            raise ValueError(f"{field.name}: not integers ({array.dtype})")
        low, high = -(2 ** (8 * width - 1)), 2 ** (8 * width - 1) - 1
        if count and (int(array.min()) < low or int(array.max()) > high):
            raise ValueError(f"{field.name}: a value is out of range for {kind}")
        layout += [(f"length{index}", ">i4"), (f"value{index}", f">i{width}")]
    rows = np.empty(count, dtype=np.dtype(layout))
    rows["fields"] = len(arrays)
    for index, (array, kind) in enumerate(zip(arrays, types, strict=True)):
        rows[f"length{index}"] = _INTEGER_BYTES[kind]
        rows[f"value{index}"] = array
    payload = io.BytesIO(_BINARY_HEADER + rows.tobytes() + _BINARY_TRAILER)
    _copy(model, chosen, payload, using=using, binary=True)
    return count


def _copy_lines(
    model: type[models.Model],
    chosen: Sequence[models.Field[Any, Any]],
    lines: Iterator[str],
    *,
    using: str,
) -> int:
    stream = _RowStream(lines)
    try:
        _copy(model, chosen, stream, using=using)
    except Exception:
        if stream.error is not None:
            raise stream.error from None  # the row's own error, not psycopg2's wrapper
        raise
    return stream.rows


def _copy(
    model: type[models.Model],
    chosen: Sequence[models.Field[Any, Any]],
    stream: io.RawIOBase | io.BytesIO,
    *,
    using: str,
    binary: bool = False,
) -> None:
    """COPY `stream` (text, or binary) into the model's table, `chosen` columns."""
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in chosen)
    form = " WITH (FORMAT binary)" if binary else ""
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN{form}"
    # A savepoint: a refused row leaves nothing of this copy and the transaction usable.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, stream, size=CHUNK_BYTES)


def reserve_ids(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """`count` fresh primary keys from the table's own sequence, for rows written by copy_rows."""
    if count <= 0:
        return []
    pk = model._meta.pk
    assert pk is not None
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, pk.column])
        (sequence,) = cursor.fetchone()
        # The sequence by name, a constant: looked up once, not once per id (pg_get_serial_
        # sequence in the select list would be called for each row, ten times slower).
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]


def analyze(*model_list: type[models.Model], using: str = "default") -> None:
    """Refresh the planner's statistics after a big copy (autovacuum waits for the commit).

    JSON columns are left out: their statistics (of whole values) serve no join or
    filter, and computing them is most of the time an ANALYZE takes (a review pair's
    reasons, a mention's fields). Autovacuum's own ANALYZE covers them later.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in model_list:
            columns = ", ".join(
                quote(field.column)
                for field in model._meta.concrete_fields
                if not isinstance(field, models.JSONField)
            )
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)} ({columns})")


@contextmanager
def foreign_keys_checked_at_end(
    model_list: Iterable[type[models.Model]], *, using: str = "default"
) -> Iterator[None]:
    """A bulk load into the models' tables, their foreign keys checked once at its end.

    PostgreSQL checks a foreign key row by row: one queued check per inserted row,
    run at commit for Django's deferred keys. For the tens of millions of rows of a
    state-scale load that is minutes. Within the caller's transaction, the tables'
    foreign keys are dropped for the load and added back after it, each validated
    by one join over its table (PostgreSQL's advice for populating a database).
    Rows written before are checked first. The tables stay locked until the
    transaction ends; a row that breaks a key raises IntegrityError when its key
    is added back, and the caller's transaction keeps nothing.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_checked_at_end needs the caller's transaction")
    tables = sorted({model._meta.db_table for model in model_list})
    connection.check_constraints()  # the checks already queued run now
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])"
            " ORDER BY 1, 2",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    # Checks queued meanwhile by keys left in place (other tables') run first: a table
    # with checks pending cannot be altered.
    connection.check_constraints()
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def table_rows(model: type[models.Model], *, using: str = "default") -> int:
    """The rows of the model's table: the planner's estimate, or a count for a table
    never analysed (autovacuum analyses a table soon after its first load)."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        (estimate,) = cursor.fetchone()
        if estimate >= 0:
            return int(estimate)
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        return int(cursor.fetchone()[0])


@contextmanager
def indexes_built_after(
    model: type[models.Model], *, memory: str = "256MB", using: str = "default"
) -> Iterator[None]:
    """A bulk load into the model's table, its secondary indexes built again at the end.

    A row written into a table with an index whose order is not the row's (a hash,
    an id of another table) lands on a page of the index of its own: a load of
    millions of rows reads and rewrites most pages of such an index, and each first
    write of a page after a checkpoint logs the whole page. Building the index
    after the load takes one sort (PostgreSQL's advice for populating a database).
    Within the caller's transaction, the indexes that back no constraint are
    dropped and created again from their definitions; the table stays locked
    until the transaction ends. For a load that is large beside what the table
    holds (see `table_rows`): a small load into a big table is cheaper as it is.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_after needs the caller's transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(i.relname), pg_get_indexdef(x.indexrelid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
            " ORDER BY 1",
            [model._meta.db_table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    # A table with foreign key checks pending (Django's keys are deferred to the
    # commit) cannot be indexed: they run now, as they would at the commit.
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('maintenance_work_mem')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [before])
