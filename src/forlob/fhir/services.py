"""Making system accounts for outside organisations (``forlob create-integration``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.core.choices import Role
from forlob.core.models import Municipality, Provider, RoleAssignment, User
from forlob.core.tokens import NewToken, api_token_create
from forlob.fhir.models import Integration

MESSAGE_PROVIDER_REQUIRED = gettext_noop("A provider's system needs its provider.")
MESSAGE_PROVIDER_ELSEWHERE = gettext_noop("The provider belongs to another municipality.")


@transaction.atomic
def integration_create(
    *,
    municipality: Municipality,
    name: str,
    kind: str,
    sor_code: str = "",
    provider: Provider | None = None,
    token_days: int = 365,
) -> tuple[Integration, NewToken]:
    """A system account for ``name`` in ``municipality`` with its role, and a first API token.

    A hospital, GP or other sender becomes a referring system; a provider's system gets the
    provider staff role on its provider. The account has no usable password: it cannot log in
    to the pages, only call the API and FHIR with its tokens.
    """
    if kind == Integration.Kind.PROVIDER:
        if provider is None:
            raise ValidationError({"provider": _(MESSAGE_PROVIDER_REQUIRED)})
        if provider.municipality_id != municipality.pk:
            raise ValidationError({"provider": _(MESSAGE_PROVIDER_ELSEWHERE)})
    base = "system-" + (slugify(name)[:40] or "integration")
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    account = User(
        username=username,
        first_name=name[:150],
        municipality=municipality,
        provider=provider if kind == Integration.Kind.PROVIDER else None,
    )
    account.set_unusable_password()
    account.save()
    role = Role.PROVIDER_STAFF if kind == Integration.Kind.PROVIDER else Role.REFERRING_SYSTEM
    RoleAssignment.objects.create(user=account, role=role)
    integration = Integration.objects.create(
        account=account, name=name, kind=kind, sor_code=sor_code.strip()
    )
    token = api_token_create(user=account, name=_("FHIR integration"), days=token_days)
    return integration, token
