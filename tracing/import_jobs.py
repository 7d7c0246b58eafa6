"""The tracing imports as portal jobs (upload page, progress bar and report come with them)."""

from __future__ import annotations

from typing import Any

from portal.audit import audit_log
from portal.choices import AuditEventType, Role
from portal.imports import Importer, job_source_file, register_importer
from portal.jobs import JobFailed, Progress
from portal.models import Job
from tracing.services import ImportRefused, ffl_list_import, trace_import

ETRACE_KIND = "etrace"
FFL_LIST_KIND = "ffl-list"
IMPORT_ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)


def _audit(job: Job, result: dict[str, Any]) -> None:
    audit_log(
        request=None,
        event_type=AuditEventType.IMPORT,
        obj=job,
        user=job.created_by,
        username="system",
        detail={k: v for k, v in result.items() if k != "errors"},
    )


def etrace_job(job: Job, progress: Progress) -> dict[str, Any]:
    source_file, path, options = job_source_file(job)
    try:
        result = trace_import(
            agency=job.agency,
            source_file=source_file,
            path=path,
            profile=str(options.get("profile") or ""),
            progress=progress,
        )
    except ImportRefused as refused:
        raise JobFailed(refused.message, refused.result) from refused
    _audit(job, result)
    return result


def ffl_list_job(job: Job, progress: Progress) -> dict[str, Any]:
    source_file, path, _ = job_source_file(job)
    try:
        result = ffl_list_import(path=path, file_name=source_file.original_name)
    except ImportRefused as refused:
        raise JobFailed(refused.message, refused.result) from refused
    progress(result["rows_read"], result["rows_read"])
    _audit(job, result)
    return result


register_importer(
    Importer(
        kind=ETRACE_KIND,
        label="e-Trace traces",
        roles=IMPORT_ROLES,
        handler=etrace_job,
        help_text=(
            "The traces your agency downloaded from ATF e-Trace, as CSV or XLSX. All or "
            "nothing: if any row is bad, nothing is written and every bad row is listed. "
            "Importing the same file again changes nothing; a trace seen again with new facts "
            "is updated and the change kept in its history."
        ),
    )
)
register_importer(
    Importer(
        kind=FFL_LIST_KIND,
        label="ATF FFL list",
        roles=(Role.ADMIN, Role.SUPERVISOR, Role.ANALYST),
        handler=ffl_list_job,
        help_text="The ATF's public monthly list of federal firearms licensees (LIC_REGN, ...).",
        suffixes=(".csv", ".xlsx", ".txt"),
    )
)
