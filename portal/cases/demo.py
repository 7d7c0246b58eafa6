"""Demo cases built from the demo's incidents, traces and ballistic evidence.

1. A shooting series for the city detective: a county gun (traced, with its
   dealer and purchaser) test-fired, its test-fire matched to the casings of a
   planted same-gun group of shootings; one shooting is in the case, the
   others show as "this gun was also used in".
2. A straw-purchase case: the traces of a planted straw purchaser.
3. A county case for the county detective.
What each case holds goes to ctx.truth["cases"].
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from portal.cases.services import case_create, case_item_add
from portal.demo import DemoContext

ORDER = 50


def seed(ctx: DemoContext) -> None:
    from portal.incidents.models import AlertIncidentLink, Incident
    from tracing.models import PersonMention, Trace

    city, county = ctx.agencies["city"], ctx.agencies["county"]
    detective = ctx.users["detective"]
    truth: dict[str, Any] = {"cases": []}

    series = case_create(
        agency=city,
        number="CGIC-2026-001",
        title="Metro shooting series",
        lead_detective=detective,
        summary="Demo: casings from several shootings matched to one recovered gun.",
    )
    chain = _firearm_chain(ctx)
    incidents: list[int] = chain.get("incidents", []) if chain else []
    if not incidents:
        incidents = list(
            Incident.objects.filter(agency=city).order_by("pk").values_list("pk", flat=True)[:2]
        )
    records: list[Any] = list(Incident.objects.filter(pk__in=incidents[:1]))
    records += [
        link.alert
        for link in AlertIncidentLink.objects.filter(incident_id__in=incidents[:1]).select_related(
            "alert"
        )[:3]
    ]
    if chain:
        records.append(chain["firearm"])
    for record in records:
        case_item_add(case=series, record=record, user=detective, note="demo")
    truth["cases"].append(
        {
            "number": series.number,
            "incidents_in_case": incidents[:1],
            "incidents_also_used": incidents[1:],
            "firearm": chain["firearm"].pk if chain else None,
        }
    )
    if chain:
        truth["firearm_chain"] = {
            "firearm": chain["firearm"].pk,
            "trace": chain["trace"],
            "incidents": incidents,
        }

    straw = case_create(
        agency=city,
        number="CGIC-2026-002",
        title="Straw purchases for the east side crew",
        lead_detective=detective,
    )
    planted = ctx.truth.get("tracing", {}).get("city", {}).get("straw_purchasers", {})
    numbers: list[str] = next(iter(planted.values()), [])[:5] if planted else []
    traces = list(Trace.objects.filter(agency=city, trace_number__in=numbers))
    for trace in traces:
        case_item_add(case=straw, record=trace, user=detective, note="demo straw purchase")
    purchaser = PersonMention.objects.filter(trace__in=traces, role="purchaser").first()
    if purchaser is not None:
        case_item_add(case=straw, record=purchaser, user=detective, note="suspected straw buyer")
    truth["cases"].append({"number": straw.number, "traces": [t.trace_number for t in traces]})

    county_case = case_create(
        agency=county,
        number="RC-2026-014",
        title="Ridge County robbery with a traced gun",
        lead_detective=ctx.users["county.detective"],
    )
    incident = Incident.objects.filter(agency=county).order_by("pk").first()
    trace = Trace.objects.filter(agency=county).filter(~Q(recovery_date=None)).first()
    for record in (incident, trace):
        if record is not None:
            case_item_add(
                case=county_case, record=record, user=ctx.users["county.detective"], note="demo"
            )
    truth["cases"].append({"number": county_case.number})
    ctx.truth["cases"] = truth
    ctx.say(
        f"{len(truth['cases'])} demo cases"
        + (", one gun's chain to its shootings" if chain else "")
    )


def _firearm_chain(ctx: DemoContext) -> dict[str, Any] | None:
    """Test-fire a traced gun with a scan of a planted same-gun casing group, and record
    the examiner's matches (confirmed for the first casing, potential for the others)."""
    from ballistics.demo import fadul_dir
    from ballistics.models import Evidence, Scan
    from tracing.models import Trace
    from tracing.synthetic import ANCHOR

    planted = ctx.truth.get("ballistics", {}).get("planted_links", [])
    folder = fadul_dir()
    if not planted or folder is None:
        return None
    city, county = ctx.agencies["city"], ctx.agencies["county"]
    other = {city.pk: county, county.pk: city}
    # Traces end at the synthetic anchor date: only shootings before the latest recovery
    # can be the gun's. Planted guns with most such casings first.
    latest = (
        Trace.objects.exclude(recovery_date=None)
        .order_by("-recovery_date")
        .values_list("recovery_date", flat=True)
        .first()
    ) or ANCHOR
    groups: dict[str, set[str]] = {}
    for link in planted:
        groups.setdefault(link["gun"], set()).update(link["evidence"])
    candidates_by_gun = sorted(
        (
            list(
                Evidence.objects.filter(
                    exhibit_number__in=exhibits, incident__occurred_date__lte=latest
                )
                .select_related("incident")
                .order_by("incident__occurred_date", "exhibit_number")
            )
            for exhibits in groups.values()
        ),
        key=len,
        reverse=True,
    )
    for casings in candidates_by_gun:
        scans = {scan.evidence_id: scan for scan in Scan.objects.filter(evidence__in=casings)}
        dates = [c.incident.occurred_date for c in casings if c.incident is not None]
        for source in (scans[c.pk] for c in casings if c.pk in scans):
            # The gun belongs to the other agency, which has no scan of this file yet.
            gun_agency = other[source.agency_id]
            # A gun bought before the first of those shootings and recovered after the last.
            trace = (
                Trace.objects.filter(
                    agency=gun_agency,
                    purchase__dealer__isnull=False,
                    purchase__purchase_date__lt=min(dates, default=ANCHOR),
                    recovery_date__gte=max(dates, default=ANCHOR),
                )
                .select_related("firearm")
                .order_by("recovery_date", "pk")
                .first()
            )
            if trace is not None:
                return _test_fire(ctx, folder, trace, source, casings, scans)
    return None


def _test_fire(
    ctx: DemoContext,
    folder: Any,
    trace: Any,
    source: Any,
    casings: list[Any],
    scans: dict[int, Any],
) -> dict[str, Any]:
    from ballistics.choices import Decision, EvidenceKind, FiringPinShape
    from ballistics.demo import CALIBER
    from ballistics.models import Candidate, Evidence, Scan
    from ballistics.services import scan_import

    agency = trace.agency
    test_fire = Evidence.objects.create(
        agency=agency,
        exhibit_number="TF-DEMO-0001",
        kind=EvidenceKind.TEST_FIRE,
        firearm=trace.firearm,
        firearm_description=str(trace.firearm),
        caliber=CALIBER,
        firing_pin_shape=FiringPinShape.HEMISPHERICAL,
        recovered_by="Firearms examiner",
        notes="Demo test-fire (a real NIST scan stands in for it).",
    )
    tf_scan, _ = scan_import(
        agency=agency,
        name=f"testfire-{source.original_name}",
        data=(folder / source.original_name).read_bytes(),
        caliber=CALIBER,
        firing_pin_shape=FiringPinShape.HEMISPHERICAL,
    )
    Scan.objects.filter(pk=tf_scan.pk).update(evidence=test_fire)
    incidents: list[int] = []
    for rank, casing in enumerate((c for c in casings if c.pk in scans), start=1):
        Candidate.objects.create(
            agency=agency,
            query=tf_scan,
            candidate=scans[casing.pk],
            rank=rank,
            coarse_score=0.9,
            score=20.0 - rank,
            decision=Decision.CONFIRMED if rank == 1 else Decision.POTENTIAL_LEAD,
            examiner=ctx.users["lab"],
            decided_at=timezone.now(),
        )
        if casing.incident_id not in incidents:
            incidents.append(casing.incident_id)
    return {"firearm": trace.firearm, "trace": trace.trace_number, "incidents": incidents}
