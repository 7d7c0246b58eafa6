"""The incident, person and ShotSpotter imports and the linking job, as portal jobs.

Each handler reads its stored file, refuses the whole file when any row is
bad (every bad row reported), writes in one transaction, and queues the
linking of the dates it touched on the linking queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction

from portal import jobs
from portal.audit import audit_log
from portal.choices import AuditEventType, Role
from portal.imports import Importer, ImportOption, job_source_file, register_importer
from portal.incidents import services
from portal.incidents.importers import (
    load_profile,
    parse_alerts,
    parse_incidents,
    parse_persons,
    read_rows,
)
from portal.incidents.linking import Scope, link_alerts
from portal.incidents.models import AlertIncidentLink
from portal.incidents.signals import incident_records_saved
from portal.jobs import JobFailed, Progress
from portal.models import Agency, Job, SourceFile
from portal.tabular import Row, RowError, TableError

IMPORT_ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)
ERROR_LIMIT = 1000

SKIP_INVALID = ImportOption(
    "skip_invalid",
    "Skip rows that cannot be placed on a map",
    "Rows without coordinates, or with impossible ones, are skipped and counted in the "
    "report instead of refusing the whole file. Other bad values still refuse the file.",
)


def _counting(rows: Iterable[Row], progress: Progress) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count % 2000 == 0:
            progress(count, 0)
        yield row


def _refuse(message: str, errors: list[RowError], extra: dict[str, Any] | None = None) -> None:
    raise JobFailed(
        message,
        {
            **(extra or {}),
            "errors": [error.as_dict() for error in errors[:ERROR_LIMIT]],
            "error_count": len(errors),
        },
    )


def _table_failure(source_file: SourceFile, exc: TableError) -> JobFailed:
    return JobFailed(
        str(exc),
        {"errors": [RowError(source_file.original_name, 1, "", "", str(exc)).as_dict()]},
    )


def _check_rows(
    source_file: SourceFile,
    *,
    rows_read: int,
    errors: list[RowError],
    unplaceable: list[RowError],
    skip_invalid: bool,
) -> None:
    refused = list(errors) if skip_invalid else [*errors, *unplaceable]
    if refused:
        rows = len({(error.file, error.row) for error in refused})
        hint = (
            ""
            if skip_invalid or not unplaceable
            else " (skip rows that cannot be placed to import the rest)"
        )
        _refuse(
            f"{rows} of {rows_read} rows are bad; nothing was written{hint}.",
            sorted(refused, key=lambda error: (error.file, error.row)),
            {"rows_read": rows_read},
        )


def _audit_import(job: Job, source_file: SourceFile, result: dict[str, Any]) -> None:
    audit_log(
        request=None,
        event_type=AuditEventType.IMPORT,
        obj=source_file,
        user=job.created_by,
        detail={k: v for k, v in result.items() if isinstance(v, int)},
    )


def _parse_checked(
    job: Job, progress: Progress, *, kind: str, parser: Callable[..., Any]
) -> tuple[SourceFile, Any, dict[str, Any]]:
    """Read the job's file with its profile and refuse it (JobFailed) if a row is bad."""
    source_file, path, options = job_source_file(job)
    try:
        parsed = parser(
            _counting(read_rows(path), progress),
            file_name=source_file.original_name,
            profile=load_profile(kind, options.get("profile")),
            default_tz=settings.TIME_ZONE,
        )
    except TableError as exc:
        raise _table_failure(source_file, exc) from exc
    _check_rows(
        source_file,
        rows_read=parsed.rows_read,
        errors=parsed.errors,
        unplaceable=parsed.unplaceable,
        skip_invalid=bool(options.get("skip_invalid")),
    )
    return source_file, parsed, options


def shotspotter_import_job(job: Job, progress: Progress) -> dict[str, Any]:
    source_file, parsed, _ = _parse_checked(job, progress, kind="shotspotter", parser=parse_alerts)
    agency = Agency.objects.get(pk=job.agency_id)
    with transaction.atomic():
        counts, changed = services.alerts_save(
            agency=agency, alerts=parsed.alerts, source_file=source_file
        )
        link_job = services.link_job_start(
            agency=agency,
            dates={alert.fired_date for alert in changed},
            user=job.created_by,
            reason=source_file.original_name,
        )
    progress(parsed.rows_read, parsed.rows_read)
    skipped_rows = sorted({(e.file, e.row) for e in parsed.unplaceable})
    result: dict[str, Any] = {
        "rows_read": parsed.rows_read,
        **counts,
        "skipped": len(skipped_rows),
        "synthetic_ids": sum(1 for alert in parsed.alerts if alert.source_id_synthetic),
        "date_only": sum(1 for alert in parsed.alerts if alert.fired_at is None),
        "linking_job": link_job.pk if link_job else None,
        "errors": [error.as_dict() for error in parsed.unplaceable[:ERROR_LIMIT]],
    }
    _audit_import(job, source_file, result)
    return result


def incidents_import_job(job: Job, progress: Progress) -> dict[str, Any]:
    source_file, parsed, options = _parse_checked(
        job, progress, kind="incidents", parser=parse_incidents
    )
    persons_file = None
    persons = None
    if options.get("persons_source_file_id"):
        persons_file = SourceFile.objects.get(
            pk=options["persons_source_file_id"], agency_id=job.agency_id
        )
        from portal.imports import source_file_path

        try:
            persons = parse_persons(
                read_rows(source_file_path(persons_file)),
                file_name=persons_file.original_name,
                profile=load_profile("persons", options.get("persons_profile")),
            )
        except TableError as exc:
            raise _table_failure(persons_file, exc) from exc
        if persons.errors:
            _check_rows(
                persons_file,
                rows_read=persons.rows_read,
                errors=persons.errors,
                unplaceable=[],
                skip_invalid=False,
            )
    agency = Agency.objects.get(pk=job.agency_id)
    with transaction.atomic():
        counts, dates = services.incidents_save(
            agency=agency, parsed=parsed, source_file=source_file
        )
        if persons is not None:
            person_counts, unknown = services.persons_file_save(
                agency=agency, persons=persons.persons, source_file=persons_file
            )
            if unknown:
                _refuse_unknown_incidents(persons_file, unknown, persons.rows_read)
            counts.update({f"persons_file_{k}": v for k, v in person_counts.items()})
        link_job = services.link_job_start(
            agency=agency,
            dates=dates,
            user=job.created_by,
            reason=source_file.original_name,
        )
    progress(parsed.rows_read, parsed.rows_read)
    result: dict[str, Any] = {
        "rows_read": parsed.rows_read,
        "incidents_in_file": len(parsed.incidents) + parsed.unplaceable_incidents,
        **counts,
        "rows_merged_into_earlier_incidents": parsed.merged_rows,
        "skipped": parsed.unplaceable_incidents,
        "date_only": sum(1 for incident in parsed.incidents if incident.occurred_at is None),
        "linking_job": link_job.pk if link_job else None,
        "errors": [error.as_dict() for error in parsed.unplaceable[:ERROR_LIMIT]],
    }
    _audit_import(job, source_file, result)
    return result


def _refuse_unknown_incidents(persons_file: Any, unknown: list[Any], rows_read: int) -> None:
    errors = [
        RowError(
            file=persons_file.original_name,
            row=person.row,
            column="incident_number",
            value=person.incident_number,
            reason="no incident of this agency has this number",
        )
        for person in unknown
    ]
    _refuse(
        f"{len(errors)} of {rows_read} persons name an unknown incident; nothing was written.",
        errors,
        {"rows_read": rows_read},
    )


def persons_import_job(job: Job, progress: Progress) -> dict[str, Any]:
    source_file, path, options = job_source_file(job)
    try:
        parsed = parse_persons(
            _counting(read_rows(path), progress),
            file_name=source_file.original_name,
            profile=load_profile("persons", options.get("profile")),
        )
    except TableError as exc:
        raise _table_failure(source_file, exc) from exc
    _check_rows(
        source_file,
        rows_read=parsed.rows_read,
        errors=parsed.errors,
        unplaceable=[],
        skip_invalid=False,
    )
    agency = Agency.objects.get(pk=job.agency_id)
    counts, unknown = services.persons_file_save(
        agency=agency, persons=parsed.persons, source_file=source_file
    )
    if unknown:
        _refuse_unknown_incidents(source_file, unknown, parsed.rows_read)
    progress(parsed.rows_read, parsed.rows_read)
    result: dict[str, Any] = {"rows_read": parsed.rows_read, **counts, "errors": []}
    _audit_import(job, source_file, result)
    return result


@jobs.register(services.LINK_JOB_KIND, queue="linking")
def link_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Relink an agency's alerts between two dates (after an import)."""
    scope = Scope(
        agency_id=job.agency_id,
        date_from=dt.date.fromisoformat(job.params["date_from"]),
        date_to=dt.date.fromisoformat(job.params["date_to"]),
    )
    report = link_alerts(scope)
    incident_records_saved.send(sender=AlertIncidentLink, agency_id=job.agency_id)
    progress(1, 1)
    return report.as_dict()


register_importer(
    Importer(
        kind="shotspotter",
        label="ShotSpotter alerts",
        roles=IMPORT_ROLES,
        handler=shotspotter_import_job,
        help_text="A ShotSpotter export (CSV or XLSX, one sheet per year is fine): id, date and "
        "time (or one date-time column), latitude, longitude, type, rounds. Blank ids get a "
        "stable id from the row's content. Alerts are then linked to incidents.",
        suffixes=(".csv", ".xlsx"),
        options=(SKIP_INVALID,),
    )
)
register_importer(
    Importer(
        kind="incidents",
        label="Crime incidents",
        roles=IMPORT_ROLES,
        handler=incidents_import_job,
        help_text="Incidents from the records system or an open-data portal (CSV, XLSX or "
        "GeoJSON): incident number, date and time, offense, address, latitude, longitude. "
        "A file with one row per victim gives one incident per number with its victims.",
        suffixes=(".csv", ".xlsx", ".json", ".geojson"),
        options=(SKIP_INVALID,),
    )
)
register_importer(
    Importer(
        kind="incident-persons",
        label="Incident persons",
        roles=IMPORT_ROLES,
        handler=persons_import_job,
        help_text="Victims, suspects, witnesses and arrestees of incidents already imported: "
        "incident_number, role, last_name, first_name, middle_name, dob, age, sex, race, "
        "address, city, state, zip.",
        suffixes=(".csv", ".xlsx"),
    )
)
