"""Platform models: agencies, users, sharing, the audit trail and background jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal.choices import AuditEventType, AuditOutcome, JobStatus, Role
from portal.record_urls import record_url

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def visible_agency_filter(user: AbstractBaseUser | AnonymousUser | None, field: str) -> Q | None:
    """The Q for `field` (an agency id lookup) that a user may see; None when nothing.

    A user sees their own agency's records and those of agencies that share
    with it under an active sharing agreement. This is the only place where
    that rule is written.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    agency_id = getattr(user, "agency_id", None)
    if agency_id is None:
        return None
    agencies = _agencies_read_with(user)
    if agencies is not None:
        # A list of numbers: cheaper to build into each query of a page than a subquery,
        # and PostgreSQL plans with the agencies' own statistics.
        return Q(**{f"{field}__in": agencies})
    sharing_owners = SharingAgreement.objects.active().filter(partner_id=agency_id)
    return Q(**{field: agency_id}) | Q(**{f"{field}__in": sharing_owners.values("owner_id")})


def _agencies_read_with(user: Any) -> list[int] | None:
    """The user's agency and those sharing with it, when read with the signed-in user of
    this request (LockoutModelBackend.get_user); None for a user loaded otherwise."""
    owners = getattr(user, "sharing_owner_ids", None)
    return None if owners is None else [user.agency_id, *owners]


def sharing_owner_ids() -> ArraySubquery:
    """Annotation for a User query: the agencies sharing with the user's agency today."""
    return ArraySubquery(
        SharingAgreement.objects.active()
        .filter(partner_id=OuterRef("agency_id"))
        .order_by("owner_id")
        .values("owner_id")
    )


def visible_agency_ids(user: AbstractBaseUser | AnonymousUser | None) -> set[int]:
    """The agencies whose records `user` may see (the rule above)."""
    condition = visible_agency_filter(user, "id")
    if condition is None:
        return set()
    agencies = _agencies_read_with(user)
    if agencies is not None:
        # Agencies are never deleted while they own records (PROTECT): the ids are the set.
        return set(agencies)
    return set(Agency.objects.filter(condition).values_list("pk", flat=True))


class AgencyQuerySet(models.QuerySet["Agency"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> AgencyQuerySet:
        condition = visible_agency_filter(user, "id")
        return self.none() if condition is None else self.filter(condition)


class Agency(models.Model):
    """A law-enforcement agency; every record in the portal belongs to one."""

    name = models.CharField(max_length=200)
    ori = models.CharField(
        "ORI number",
        max_length=9,
        unique=True,
        help_text="Originating Agency Identifier: two-letter state code and seven characters.",
    )
    state = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.ori})"

    def get_absolute_url(self) -> str:
        return record_url("agency_detail", self.pk)

    def clean(self) -> None:
        self.ori = self.ori.strip().upper()
        self.state = self.state.strip().upper()
        if len(self.ori) != 9 or not self.ori[:2].isalpha() or not self.ori.isalnum():
            raise ValidationError({"ori": "An ORI number is 9 letters and digits, state first."})


class User(AbstractUser):
    """A person who signs in; belongs to one agency and holds one role."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DETECTIVE)
    # Bumped on logout, disable and second-factor reset: every session signed
    # with the old value stops working (SECURITY.md item 5).
    session_version = models.PositiveIntegerField(default=0, editable=False)
    # Set after too many failed sign-ins; only an administrator clears it.
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["username"]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks this hash on every request; folding session_version in
        # lets one UPDATE end every session of the user, on every server.
        key_salt = "portal.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_version}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class SharingAgreementQuerySet(models.QuerySet["SharingAgreement"]):
    def active(self) -> SharingAgreementQuerySet:
        today = timezone.localdate()
        return self.filter(
            Q(is_active=True),
            Q(starts_on__isnull=True) | Q(starts_on__lte=today),
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        )


class SharingAgreement(models.Model):
    """The owner agency shares its records with the partner agency."""

    owner = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="sharing_given")
    partner = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="sharing_received")
    is_active = models.BooleanField(default=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Memorandum of understanding or agreement number."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SharingAgreementQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "partner"], name="unique_sharing_pair"),
            models.CheckConstraint(
                condition=~Q(owner=models.F("partner")), name="sharing_not_with_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner.ori} shares with {self.partner.ori}"


class AgencyScopedQuerySet(models.QuerySet[Any]):
    """Every query of agency-owned records goes through visible_to(user)."""

    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> AgencyScopedQuerySet:
        condition = visible_agency_filter(user, "agency_id")
        return self.none() if condition is None else self.filter(condition)


class AgencyOwned(models.Model):
    """Abstract base of every record that belongs to an agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One append-only row of the audit trail (CJIS AU-2, AU-3)."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event_type = models.CharField(max_length=30, choices=AuditEventType.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(
        max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["agency", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class Job(AgencyOwned):
    """A piece of background work (an import, a re-run) whose progress a page can show."""

    kind = models.CharField(max_length=50)
    label = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress_current = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return record_url("job_detail", self.pk)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_current / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class SourceFile(AgencyOwned):
    """One file as an agency supplied it, kept with its hash so records can point back to it."""

    kind = models.CharField(max_length=50)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
