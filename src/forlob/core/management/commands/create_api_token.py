"""``forlob create-api-token USERNAME --name NAME [--days N]``: a token for an integration.

Prints the secret once on standard output (and nothing else there), so a provisioning script can
capture it: ``TOKEN=$(forlob create-api-token svc-import --name "CSV import")``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from forlob.core.models import User
from forlob.core.tokens import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument(
            "--days", type=int, default=365, help="days until the token expires (default 365)"
        )

    def handle(self, *args: Any, username: str, name: str, days: int, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            new = api_token_create(user=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            f"Token {new.token.prefix}… for {username}, expires "
            f"{new.token.expires_at:%Y-%m-%d %H:%M %Z}. Store it now: it is not shown again."
        )
        self.stdout.write(new.secret)
