from django.apps import AppConfig

from portal.choices import Role


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Resolution, graph and leads"
    nav_order = 40
    nav_items = [
        ("Leads", "leads:lead_queue", tuple(Role.values)),
        ("Time to lead", "leads:time_to_lead", tuple(Role.values)),
        ("Entities", "entity_list", tuple(Role.values)),
        ("Match review", "entity_review", (Role.ANALYST, Role.SUPERVISOR)),
    ]

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from ballistics.models import Candidate
        from leads import receivers, signals
        from portal.incidents.signals import incident_records_saved
        from tracing.signals import traces_imported

        # The link graph: mentions and edges follow the source records.
        traces_imported.connect(receivers.agency_records_changed, dispatch_uid="leads_traces")
        incident_records_saved.connect(
            receivers.agency_records_changed, dispatch_uid="leads_incidents"
        )
        post_save.connect(
            receivers.candidate_saved, sender=Candidate, dispatch_uid="leads_ballistic_candidate"
        )
        # The lead rules after each decision and judgement (imports: after their graph sync).
        post_save.connect(
            signals.on_candidate_saved, sender=Candidate, dispatch_uid="leads-candidate"
        )
        post_save.connect(
            signals.on_judgement_saved, sender="leads.Judgement", dispatch_uid="leads-judgement"
        )
