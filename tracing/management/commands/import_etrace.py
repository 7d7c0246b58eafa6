"""`manage.py import_etrace FILE --agency ORI`: the same service the upload page runs."""

from portal.import_command import ImportCommand
from tracing.import_jobs import ETRACE_KIND


class Command(ImportCommand):
    help = "Import an ATF e-Trace export (CSV or XLSX) for an agency, all or nothing."
    kind = ETRACE_KIND
