"""The trace mentions' name search reads stored Soundex columns (tracing 0006).

Their expression index from 0003 is dropped: every import paid for it and
nothing reads it any more. The incident persons' index stays.
"""

from typing import Any

from django.db import migrations, models

from portal.cases.search import PhoneticKey

EXPRESSION_INDEX = models.Index(
    PhoneticKey("last_name_key"), PhoneticKey("first_name_key"), name="search_mention_name_keys"
)


def forward(apps: Any, schema_editor: Any) -> None:
    schema_editor.remove_index(apps.get_model("tracing", "PersonMention"), EXPRESSION_INDEX)


def backward(apps: Any, schema_editor: Any) -> None:
    schema_editor.add_index(apps.get_model("tracing", "PersonMention"), EXPRESSION_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_search_name_key_pairs"),
        ("tracing", "0006_mention_name_sounds"),
    ]

    operations = [migrations.RunPython(forward, backward)]
