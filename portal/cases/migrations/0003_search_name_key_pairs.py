"""Name search indexes on both Soundex keys, the last name's then the first name's.

A two-word query ("john smyth") asks for a last-name key and a first-name key
together; with the last name's key alone indexed, PostgreSQL computed the
first name's key for every namesake row it fetched (thousands for a common
surname at state scale). A one-word query still reads the leading key.
"""

from typing import Any

from django.db import migrations, models

from portal.cases.search import PhoneticKey

OLD = [
    (
        "tracing",
        "PersonMention",
        models.Index(PhoneticKey("last_name_key"), name="search_mention_last_key"),
    ),
    (
        "incidents",
        "IncidentPerson",
        models.Index(PhoneticKey("last_name"), name="search_person_last_key"),
    ),
]
NEW = [
    (
        "tracing",
        "PersonMention",
        models.Index(
            PhoneticKey("last_name_key"),
            PhoneticKey("first_name_key"),
            name="search_mention_name_keys",
        ),
    ),
    (
        "incidents",
        "IncidentPerson",
        models.Index(
            PhoneticKey("last_name"), PhoneticKey("first_name"), name="search_person_name_keys"
        ),
    ),
]


def _swap(apps: Any, schema_editor: Any, removed: list[Any], added: list[Any]) -> None:
    for app_label, model_name, index in removed:
        schema_editor.remove_index(apps.get_model(app_label, model_name), index)
    for app_label, model_name, index in added:
        schema_editor.add_index(apps.get_model(app_label, model_name), index)


def forward(apps: Any, schema_editor: Any) -> None:
    _swap(apps, schema_editor, OLD, NEW)


def backward(apps: Any, schema_editor: Any) -> None:
    _swap(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_search_indexes")]

    operations = [migrations.RunPython(forward, backward)]
