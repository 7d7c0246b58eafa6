from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from portal.cases.models import Case
from portal.cases.records import CASE_RECORD_LABELS


class CaseForm(forms.ModelForm):
    """A new case; its agency and lead detective are the author's."""

    class Meta:
        model = Case
        fields = ["number", "title", "status", "summary"]


class AddToCaseForm(forms.Form):
    """A record (by content type and id) to add to one of the user's visible cases."""

    case = forms.ModelChoiceField(queryset=Case.objects.none())
    content_type = forms.ModelChoiceField(
        queryset=ContentType.objects.none(), widget=forms.HiddenInput
    )
    object_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.visible_to(user)  # type: ignore[attr-defined]
        # Only the kinds of record a case holds.
        condition = Q(pk__in=[])
        for label in CASE_RECORD_LABELS:
            app_label, model = label.split(".")
            condition |= Q(app_label=app_label, model=model)
        self.fields["content_type"].queryset = ContentType.objects.filter(condition)  # type: ignore[attr-defined]
