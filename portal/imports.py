"""Imports of agency files: a registry of importers, file storage, and starting the job.

An app registers an Importer (kind, label, roles, job handler). The upload
page and the app's management command both store the file as a SourceFile
and run the same handler through portal.jobs: the page through a Celery
task with a progress bar, the command in-process.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from portal import jobs
from portal.models import Agency, Job, SourceFile, User

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt", ".json", ".geojson")


class ImportFileError(ValueError):
    """The uploaded file is refused before any row is read (size, type)."""


@dataclass(frozen=True)
class ImportOption:
    name: str
    label: str
    help_text: str = ""


@dataclass(frozen=True)
class Importer:
    """One kind of file the portal takes in."""

    kind: str
    label: str
    roles: tuple[str, ...]
    handler: jobs.Handler
    help_text: str = ""
    suffixes: tuple[str, ...] = (".csv", ".xlsx")
    options: tuple[ImportOption, ...] = field(default_factory=tuple)
    queue: str = "imports"


_importers: dict[str, Importer] = {}


def register_importer(importer: Importer) -> Importer:
    _importers[importer.kind] = importer
    jobs.register(importer.kind, queue=importer.queue)(importer.handler)
    return importer


def importer_for(kind: str) -> Importer:
    return _importers[kind]


def importers_for_role(role: str) -> list[Importer]:
    return [imp for imp in _importers.values() if role in imp.roles]


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def source_file_store(
    *,
    agency: Agency,
    kind: str,
    name: str,
    chunks: Iterable[bytes],
    user: User | None = None,
) -> SourceFile:
    """Copy a file into the import store under a generated name, hashing it on the way."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ImportFileError(f"Files ending in {suffix or '(nothing)'} are not accepted.")
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    target = import_dir() / stored_name
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.PORTAL_MAX_IMPORT_BYTES:
                    raise ImportFileError(
                        f"The file is larger than {settings.PORTAL_MAX_IMPORT_BYTES} bytes."
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return SourceFile.objects.create(
        agency=agency,
        kind=kind,
        original_name=Path(name).name[:255],
        stored_name=stored_name,
        sha256=digest.hexdigest(),
        size=size,
        uploaded_by=user,
    )


def source_file_path(source_file: SourceFile) -> Path:
    return import_dir() / source_file.stored_name


def _file_chunks(handle: IO[bytes]) -> Iterable[bytes]:
    return iter(lambda: handle.read(1 << 20), b"")


def import_start(
    *,
    agency: Agency,
    kind: str,
    source_file: SourceFile,
    user: User | None,
    options: dict[str, Any] | None = None,
) -> Job:
    """Start the import in a worker once the surrounding transaction commits."""
    importer = importer_for(kind)
    return jobs.job_start(
        agency=agency,
        kind=kind,
        label=f"{importer.label}: {source_file.original_name}",
        created_by=user,
        params={"source_file_id": source_file.pk, "options": options or {}},
    )


def import_run_now(
    *,
    agency: Agency,
    kind: str,
    path: Path,
    user: User | None = None,
    options: dict[str, Any] | None = None,
) -> Job:
    """Import a file in this process (management commands): same handler, no broker."""
    importer = importer_for(kind)
    with path.open("rb") as handle, transaction.atomic():
        source_file = source_file_store(
            agency=agency, kind=kind, name=path.name, chunks=_file_chunks(handle), user=user
        )
    job = Job.objects.create(
        agency=agency,
        kind=kind,
        label=f"{importer.label}: {path.name}",
        created_by=user,
        params={"source_file_id": source_file.pk, "options": options or {}},
    )
    jobs.job_execute(job.pk)
    job.refresh_from_db()
    return job


def job_source_file(job: Job) -> tuple[SourceFile, Path, dict[str, Any]]:
    """What an import handler needs from its job: the file record, its path, the options."""
    source_file = SourceFile.objects.get(pk=job.params["source_file_id"], agency_id=job.agency_id)
    return source_file, source_file_path(source_file), dict(job.params.get("options", {}))
