"""Soundex keys of a mention's names as columns, written by the import.

The name search used to index the Soundex as an expression (cases 0003), which
PostgreSQL computed with ten regular expressions for every mention inserted:
about a quarter of an e-Trace import's database time. The import now computes
each distinct name's key once in Python (portal.phonetic.soundex) and writes
it. Existing mentions get theirs from the SQL twin of that function (a test in
tests/cases/test_search.py proves the two agree), in one UPDATE.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import F


def backfill(apps: Any, schema_editor: Any) -> None:
    from portal.cases.search import PhoneticKey

    mention = apps.get_model("tracing", "PersonMention")
    mention.objects.exclude(last_name_key="", first_name_key="").update(
        last_name_sound=PhoneticKey(F("last_name_key")),
        first_name_sound=PhoneticKey(F("first_name_key")),
    )


class Migration(migrations.Migration):
    dependencies = [("tracing", "0005_trace_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="personmention",
            name="first_name_sound",
            field=models.CharField(blank=True, default="", max_length=4),
        ),
        migrations.AddField(
            model_name="personmention",
            name="last_name_sound",
            field=models.CharField(blank=True, default="", max_length=4),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="personmention",
            index=models.Index(
                fields=["last_name_sound", "first_name_sound"], name="mention_sounds_idx"
            ),
        ),
    ]
