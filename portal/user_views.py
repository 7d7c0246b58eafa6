"""User management for administrators: the users of their own agency only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.choices import Role
from portal.lockout import user_unlock
from portal.mfa import confirmed_device, mfa_reset
from portal.models import User
from portal.permissions import MANAGE_USERS, role_required
from portal.services import user_create, user_update_access


def agency_users(request: HttpRequest) -> QuerySet[User]:
    """The only users an administrator may see or change: those of their own agency."""
    agency_id = getattr(request.user, "agency_id", None)
    if agency_id is None:
        return User.objects.none()
    return User.objects.filter(agency_id=agency_id)


class UserAccessForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label="Account enabled")


class UserCreateForm(forms.Form):
    username = forms.RegexField(regex=r"^[\w.@+-]+\Z", max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(
        widget=forms.PasswordInput,
        help_text="A first password (8 characters or more); the user enrols a second factor "
        "at first sign-in.",
    )


@login_required
@role_required(MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    users = agency_users(request).order_by("username")
    return render(request, "portal/user_list.html", {"users": users})


@login_required
@role_required(MANAGE_USERS)
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if User.objects.filter(username=data["username"]).exists():
            form.add_error("username", "That username is taken.")
        else:
            try:
                admin: User = request.user  # type: ignore[assignment]
                if admin.agency is None:
                    raise PermissionDenied
                user = user_create(
                    agency=admin.agency,
                    username=data["username"],
                    role=data["role"],
                    password=data["password"],
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    by=request.user,  # type: ignore[arg-type]
                    request=request,
                )
            except ValidationError as exc:
                form.add_error("password", exc)
            else:
                messages.success(request, f"User {user.username} created.")
                return redirect("user_detail", pk=user.pk)
    return render(request, "portal/user_new.html", {"form": form})


@login_required
@role_required(MANAGE_USERS)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(agency_users(request), pk=pk)
    form = UserAccessForm(
        request.POST or None, initial={"role": target.role, "is_active": target.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update_access(
                user=target,
                by=request.user,  # type: ignore[arg-type]
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                request=request,
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Saved.")
        return redirect("user_detail", pk=target.pk)
    return render(
        request,
        "portal/user_detail.html",
        {"target": target, "form": form, "device": confirmed_device(target)},
    )


@login_required
@role_required(MANAGE_USERS)
@require_POST
def user_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(agency_users(request), pk=pk)
    user_unlock(user=target, by=request.user, request=request)  # type: ignore[arg-type]
    messages.success(request, f"{target.username} is unlocked.")
    return redirect("user_detail", pk=target.pk)


@login_required
@role_required(MANAGE_USERS)
@require_POST
def user_mfa_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(agency_users(request), pk=pk)
    mfa_reset(user=target, by=request.user, request=request)  # type: ignore[arg-type]
    messages.success(request, f"{target.username} will enrol a new authenticator at next sign-in.")
    return redirect("user_detail", pk=target.pk)
