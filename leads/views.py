"""Lead pages: the queue, a lead, its reports, time-to-lead, notifications, rule settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from leads import charts, reports, selectors, workflow
from leads.filtersets import LeadFilterSet
from leads.models import Lead, LeadOutcome, LeadRecord, LeadSettings, LeadStatus, Notification
from leads.rules import lead_settings
from portal.audit import audit_export, audit_search, audit_view
from portal.exports import csv_response, xlsx_response
from portal.models import User
from portal.permissions import (
    ASSIGN_LEADS,
    EXPORT_PERSON_DATA,
    SET_LEAD_RULES,
    WORK_LEADS,
    role_required,
    user_can,
)

QUEUE_PAGE_SIZE = 50
LATEST_LEADS = 50


def _assignees(user: Any) -> QuerySet[User]:
    return User.objects.filter(agency_id=user.agency_id, is_active=True).order_by("username")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), label="Assign to")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _assignees(user)  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=LeadStatus.choices, label="Move to")
    outcome = forms.ChoiceField(
        choices=[("", "-"), *LeadOutcome.choices], required=False, label="Outcome (closing)"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class LeadSettingsForm(forms.ModelForm):
    class Meta:
        model = LeadSettings
        fields = [
            "ttc_days",
            "purchaser_min_guns",
            "firearm_min_incidents",
            "alert_min_alerts",
            "alert_min_casings",
            "person_min_records",
            "ballistic_potential_leads",
            "goal_hours",
        ]


def _filtered(request: HttpRequest) -> tuple[LeadFilterSet, QuerySet[Lead]]:
    filterset = LeadFilterSet(request.GET or None, queryset=selectors.lead_queue(request.user))
    leads = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, leads


@login_required
def lead_queue(request: HttpRequest) -> HttpResponse:
    filterset, leads = _filtered(request)
    page = Paginator(leads, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    if filterset.is_bound:
        audit_search(
            request, scope="leads.lead", query=request.GET.urlencode(), results=page.paginator.count
        )
    query = request.GET.copy()
    query.pop("page", None)
    can_assign = user_can(request.user, ASSIGN_LEADS)
    return render(
        request,
        "leads/lead_queue.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "assign_form": AssignForm(user=request.user) if can_assign else None,
            "can_export": user_can(request.user, EXPORT_PERSON_DATA),
            "can_set_rules": user_can(request.user, SET_LEAD_RULES),
        },
    )


def _own_leads(request: HttpRequest) -> QuerySet[Lead]:
    """Leads the user may change: their own agency's (a sharing partner's are read-only)."""
    user: Any = request.user
    return selectors.leads_visible(user).filter(agency_id=user.agency_id)


@require_POST
@login_required
@role_required(ASSIGN_LEADS)
def lead_assign_bulk(request: HttpRequest) -> HttpResponseBase:
    form = AssignForm(request.POST, user=request.user)
    ids = [value for value in request.POST.getlist("lead") if value.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, "Choose leads and an assignee.")
        return redirect("leads:lead_queue")
    leads = _own_leads(request).filter(pk__in=ids)
    done = workflow.leads_assign_bulk(
        leads=leads,
        assignee=form.cleaned_data["assignee"],
        user=request.user,  # type: ignore[arg-type]
    )
    messages.success(
        request,
        f"{done} lead{'s' if done != 1 else ''} assigned to {form.cleaned_data['assignee']}.",
    )
    return redirect("leads:lead_queue")


def _lead(request: HttpRequest, pk: int) -> Lead:
    return get_object_or_404(
        selectors.leads_visible(request.user).select_related("agency", "assignee"), pk=pk
    )


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    audit_view(request, lead)
    records = list(lead.records.select_related("content_type"))
    own = lead.agency_id == request.user.agency_id  # type: ignore[union-attr]
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "records": records,
            "new_count": sum(1 for r in records if r.is_new),
            "events": lead.events.select_related("actor"),
            "assign_form": AssignForm(user=request.user, initial={"assignee": lead.assignee_id})
            if own and lead.is_open and user_can(request.user, ASSIGN_LEADS)
            else None,
            "transitions": [(s, LeadStatus(s).label) for s in workflow.allowed_transitions(lead)]
            if own and user_can(request.user, WORK_LEADS)
            else [],
            "outcomes": LeadOutcome.choices,
            "can_export": user_can(request.user, EXPORT_PERSON_DATA),
        },
    )


@require_POST
@login_required
@role_required(ASSIGN_LEADS)
def lead_assign(request: HttpRequest, pk: int) -> HttpResponseBase:
    lead = get_object_or_404(_own_leads(request), pk=pk)
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose an assignee of your agency.")
        return redirect(lead)
    try:
        workflow.lead_assign(lead=lead, assignee=form.cleaned_data["assignee"], user=request.user)  # type: ignore[arg-type]
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"Lead assigned to {form.cleaned_data['assignee']}.")
    return redirect(lead)


@require_POST
@login_required
@role_required(WORK_LEADS)
def lead_transition(request: HttpRequest, pk: int) -> HttpResponseBase:
    lead = get_object_or_404(_own_leads(request), pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
        return redirect(lead)
    try:
        workflow.lead_transition(
            lead=lead,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            user=request.user,  # type: ignore[arg-type]
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"Lead is now {LeadStatus(form.cleaned_data['status']).label}.")
    return redirect(lead)


@require_POST
@login_required
@role_required(WORK_LEADS)
def lead_seen(request: HttpRequest, pk: int) -> HttpResponseBase:
    lead = get_object_or_404(_own_leads(request), pk=pk)
    workflow.lead_records_seen(lead=lead)
    return redirect(lead)


# --- reports ---


def _stamp(request: HttpRequest) -> reports.Stamp:
    return reports.Stamp(
        username=request.user.get_username(),
        at=timezone.now(),
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )


def _report_lead(request: HttpRequest, pk: int) -> tuple[Lead, list[LeadRecord]]:
    if not user_can(request.user, EXPORT_PERSON_DATA):
        # An outsider learns nothing of the lead, not even that it exists.
        _lead(request, pk)
        raise PermissionDenied
    lead = _lead(request, pk)
    return lead, list(lead.records.select_related("content_type"))


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    lead, records = _report_lead(request, pk)
    labels = reports.type_labels_for(records)
    body = reports.lead_pdf(lead, records, list(lead.events.all()), _stamp(request), labels)
    audit_export(request, scope="leads.lead", fmt="pdf", rows=len(records), lead=lead.number)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.number}.pdf"'
    return response


@login_required
def report_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    lead, records = _report_lead(request, pk)
    audit_export(request, scope="leads.lead", fmt="csv", rows=len(records), lead=lead.number)
    rows = reports.record_rows([lead], records, _stamp(request), reports.type_labels_for(records))
    return csv_response(f"lead-{lead.number}.csv", reports.EXPORT_HEADER, list(rows))


@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    lead, records = _report_lead(request, pk)
    audit_export(request, scope="leads.lead", fmt="xlsx", rows=len(records), lead=lead.number)
    rows = list(
        reports.record_rows([lead], records, _stamp(request), reports.type_labels_for(records))
    )
    return xlsx_response(f"lead-{lead.number}.xlsx", {lead.number: (reports.EXPORT_HEADER, rows)})


@login_required
@role_required(EXPORT_PERSON_DATA)
def queue_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered queue as one file: one row per record of every lead."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _, leads = _filtered(request)
    records_query = LeadRecord.objects.select_related("content_type").order_by("pk")
    leads = leads.prefetch_related(Prefetch("records", queryset=records_query))
    chosen = list(leads)
    records = [r for lead in chosen for r in lead.records.all()]
    audit_export(
        request, scope="leads.lead", fmt=fmt, rows=len(records), query=request.GET.urlencode()
    )
    rows = list(
        reports.record_rows(chosen, records, _stamp(request), reports.type_labels_for(records))
    )
    if fmt == "csv":
        return csv_response("leads.csv", reports.EXPORT_HEADER, rows)
    return xlsx_response("leads.xlsx", {"Leads": (reports.EXPORT_HEADER, rows)})


# --- time to lead, notifications, settings ---


@login_required
def time_to_lead(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    goal = lead_settings(user.agency).goal_hours if user.agency_id else 48
    rows = selectors.time_to_lead_rows(user)
    table = charts.weekly_time_to_lead(rows, goal)
    measured = sum(row["measured"] for row in table)
    within = sum(row["within_goal"] for row in table)
    return render(
        request,
        "leads/time_to_lead.html",
        {
            "table": table,
            "goal": goal,
            "measured": measured,
            "within": within,
            "figure": charts.time_to_lead_figure(table, goal) if table else None,
            "latest": [
                {**row, "within_goal": charts.within_goal(row, goal)}
                for row in reversed(rows[-LATEST_LEADS:])
            ],
        },
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user)[:200]  # type: ignore[misc]
    return render(request, "leads/notifications.html", {"notifications": notifications})


@login_required
def notification_count(request: HttpRequest) -> JsonResponse:
    """The header's unread count, fetched by static/js/notifications.js after the page loads,
    so that no page pays a query for it (and, sent as a poll, it keeps no session alive)."""
    return JsonResponse({"unread": selectors.unread_notification_count(request.user)})


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponseBase:
    workflow.notifications_read(user=request.user)  # type: ignore[arg-type]
    return redirect("leads:notifications")


@login_required
@role_required(SET_LEAD_RULES)
def rule_settings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current = lead_settings(user.agency)
    form = LeadSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        workflow.lead_settings_update(
            agency=user.agency,
            user=request.user,  # type: ignore[arg-type]
            values={name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(request, "Lead rule thresholds saved; they apply from the next run.")
        return redirect("leads:rule_settings")
    return render(request, "leads/rule_settings.html", {"form": form})
