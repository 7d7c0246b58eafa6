from django.apps import AppConfig

from portal.choices import Role


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Resolution, graph and leads"
    nav_order = 40
    nav_items = [
        ("Leads", "leads:lead_queue", tuple(Role.values)),
        ("Time to lead", "leads:time_to_lead", tuple(Role.values)),
    ]

    def ready(self) -> None:
        from celery.signals import task_postrun
        from django.db.models.signals import post_save

        from leads import signals

        post_save.connect(
            signals.on_candidate_saved,
            sender="ballistics.Candidate",
            dispatch_uid="leads-candidate",
        )
        post_save.connect(
            signals.on_judgement_saved, sender="leads.Judgement", dispatch_uid="leads-judgement"
        )
        post_save.connect(
            signals.on_audit_event_saved, sender="portal.AuditEvent", dispatch_uid="leads-import"
        )
        task_postrun.connect(signals.on_task_postrun, dispatch_uid="leads-job-done", weak=False)
