"""Entities and mentions belong to an agency (resolution clusters within one agency);
edges remember the mentions they were drawn between.

Entities are derived data: those stored before this migration had no agency and
are deleted; `manage.py entities_sync` and `manage.py resolve` rebuild them
from the source records.
"""

import django.db.models.deletion
from django.db import migrations, models


def _forget_unscoped_entities(apps: object, schema_editor: object) -> None:
    for name in ("Judgement", "MatchCandidate", "Edge", "MentionBlockingKey", "EntityMention"):
        apps.get_model("leads", name).objects.all().delete()  # type: ignore[attr-defined]
    apps.get_model("leads", "Entity").objects.all().delete()  # type: ignore[attr-defined]


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('leads', '0001_initial'),
        ('portal', '0004_security_session_version_lockout'),
    ]

    operations = [
        migrations.RunPython(_forget_unscoped_entities, migrations.RunPython.noop),
        # The deletes' deferred foreign-key checks must run before the tables are altered.
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        migrations.AddField(
            model_name='edge',
            name='source_mention',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='leads.entitymention'),
        ),
        migrations.AddField(
            model_name='edge',
            name='target_mention',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='leads.entitymention'),
        ),
        migrations.AddField(
            model_name='entity',
            name='agency',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.agency'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='entitymention',
            name='agency',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.agency'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='entitymention',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AlterField(
            model_name='entity',
            name='kind',
            field=models.CharField(choices=[('person', 'Person'), ('firearm', 'Firearm'), ('dealer', 'Dealer'), ('place', 'Place'), ('incident', 'Incident'), ('alert', 'Gunshot alert')], db_index=True, max_length=16),
        ),
        migrations.AlterField(
            model_name='entitymention',
            name='kind',
            field=models.CharField(choices=[('person', 'Person'), ('firearm', 'Firearm'), ('dealer', 'Dealer'), ('place', 'Place'), ('incident', 'Incident'), ('alert', 'Gunshot alert')], db_index=True, max_length=16),
        ),
        migrations.AddIndex(
            model_name='edge',
            index=models.Index(fields=['evidence_type', 'evidence_id'], name='edge_evidence'),
        ),
        migrations.AddIndex(
            model_name='entity',
            index=models.Index(fields=['agency', 'kind', '-degree'], name='entity_agency_kind'),
        ),
    ]
