"""Search indexes on the tables the global search reads (portal.cases.search).

They are built from the same expressions the search queries use (a `simple`
tsvector for addresses, the Soundex key for names), so PostgreSQL matches them;
they live here, beside the search, not in the models of the apps they index.
"""

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from portal.cases.search import PhoneticKey, address_vector

INDEXES = [
    ("incidents", "Incident", GinIndex(address_vector("address"), name="search_incident_address")),
    ("tracing", "Trace", GinIndex(address_vector("recovery_address"), name="search_trace_address")),
    ("tracing", "PersonMention", models.Index(PhoneticKey("last_name_key"), name="search_mention_last_key")),
    ("incidents", "IncidentPerson", models.Index(PhoneticKey("last_name"), name="search_person_last_key")),
]


def add(apps: Any, schema_editor: Any) -> None:
    for app_label, model_name, index in INDEXES:
        schema_editor.add_index(apps.get_model(app_label, model_name), index)


def remove(apps: Any, schema_editor: Any) -> None:
    for app_label, model_name, index in INDEXES:
        schema_editor.remove_index(apps.get_model(app_label, model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("incidents", "0002_indexes_for_linking_and_lists"),
        ("tracing", "0004_import_keys_unchecked"),
    ]

    operations = [migrations.RunPython(add, remove)]
