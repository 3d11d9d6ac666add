"""``forlob create-integration``: a system account for a hospital, GP or provider, with a token."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forlob.core.models import Municipality, Provider
from forlob.fhir.models import Integration
from forlob.fhir.services import integration_create


class Command(BaseCommand):
    help = (
        "Create a system account for an outside organisation (hospital, GP, provider) and print "
        "its first API token once. Its tokens act for that organisation only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="Municipality code, e.g. 730.")
        parser.add_argument("--name", required=True, help="The organisation's name.")
        parser.add_argument("--kind", choices=Integration.Kind.values, default="hospital")
        parser.add_argument("--sor", default="", help="The organisation's SOR code.")
        parser.add_argument("--provider", type=int, help="Provider id (kind provider).")
        parser.add_argument("--days", type=int, default=365, help="Token lifetime in days.")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError("Unknown municipality code.")
        provider = None
        if options["provider"] is not None:
            provider = Provider.objects.filter(pk=options["provider"]).first()
            if provider is None:
                raise CommandError("Unknown provider id.")
        try:
            integration, token = integration_create(
                municipality=municipality,
                name=options["name"],
                kind=options["kind"],
                sor_code=options["sor"],
                provider=provider,
                token_days=options["days"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"System account: {integration.account.username}")
        self.stdout.write(f"Token (shown once): {token.secret}")
