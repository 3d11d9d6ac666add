from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "forlob.access"
    verbose_name = _("Access and audit")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from forlob.access.retention import register_sqlite_functions

        # The SQLite triggers of the append-only audit log call a function that every
        # connection must have (migration 0004, access/retention.py).
        connection_created.connect(register_sqlite_functions, dispatch_uid="forlob_audit_sqlite")
