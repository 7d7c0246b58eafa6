"""Lab entry forms: evidence, custody entries, uploads and decisions."""

from __future__ import annotations

from typing import Any

from django import forms

from ballistics.choices import Decision
from ballistics.models import Evidence
from ballistics.validators import decision_check, exhibit_number_clean, not_in_future
from portal.incidents.models import Incident

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EvidenceForm(forms.ModelForm[Evidence]):
    """Register an evidence item; the incident is chosen among the incidents the user sees."""

    class Meta:
        model = Evidence
        fields = [
            "exhibit_number",
            "incident",
            "kind",
            "firearm_description",
            "caliber",
            "headstamp",
            "firing_pin_shape",
            "breech_face_marks",
            "ejector_position",
            "recovered_at",
            "recovered_by",
            "notes",
        ]
        widgets = {"recovered_at": DATETIME, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        incident = self.fields["incident"]
        assert isinstance(incident, forms.ModelChoiceField)
        incident.queryset = Incident.objects.visible_to(user).order_by("-occurred_date", "-pk")
        incident.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.incident_number} · {obj.occurred_date or ''} · {obj.offense}"
        )

    def clean_exhibit_number(self) -> str:
        return exhibit_number_clean(
            agency_id=self.user.agency_id, exhibit_number=self.cleaned_data["exhibit_number"]
        )

    def clean_recovered_at(self) -> Any:
        return not_in_future(
            self.cleaned_data.get("recovered_at"), "The recovery time is in the future."
        )


class CustodyForm(forms.Form):
    """One chain-of-custody entry (appended; earlier entries are never edited)."""

    action = forms.CharField(
        max_length=500, label="Custody event", help_text="e.g. Received from property room"
    )
    at = forms.DateTimeField(label="When", required=False, widget=DATETIME)

    def clean_at(self) -> Any:
        return not_in_future(self.cleaned_data.get("at"))


class PhotographForm(forms.Form):
    photograph = forms.FileField(label="Photograph (PNG, JPEG or TIFF)")
    caption = forms.CharField(max_length=200, required=False)


class ScanUploadForm(forms.Form):
    scan = forms.FileField(label="3D scan (X3P)")


class DecisionForm(forms.Form):
    """The examiner's decision on one candidate; a confirmed match needs the examination date."""

    decision = forms.ChoiceField(
        choices=[c for c in Decision.choices if c[0] != Decision.PENDING],
        widget=forms.RadioSelect,
    )
    examined_on = forms.DateField(label="Microscope examination date", required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision_check(data.get("decision", ""), data.get("examined_on"))
        return data
