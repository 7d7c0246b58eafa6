from django.db import models


class Role(models.TextChoices):
    DETECTIVE = "detective", "Detective"
    ANALYST = "analyst", "Crime analyst"
    LAB = "lab", "Lab staff"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Administrator"


class AuditEventType(models.TextChoices):
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logout"
    LOCKOUT = "lockout", "Account locked"
    SESSION_EXPIRED = "session_expired", "Session expired"
    PASSWORD_CHANGE = "password_change", "Password change"
    MFA_CHANGE = "mfa_change", "Second factor change"
    VIEW = "view", "Record view"
    SEARCH = "search", "Search"
    EXPORT = "export", "Export"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    IMPORT = "import", "Import"
    PERMISSION_CHANGE = "permission_change", "Permission change"
    AUDIT_ACCESS = "audit_access", "Audit log access"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
