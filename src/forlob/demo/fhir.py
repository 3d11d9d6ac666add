"""Demo FHIR integration: Regionshospitalet Randers' system account with a known demo token.

The hospital's GOPs of the last three months are marked as sent by that account (with a GGOP
identifier), so ``curl -H "Authorization: Bearer <DEMO_TOKEN>" .../fhir/Appointment`` shows
what a hospital would read back. The token is fixed so ``make run`` can print it next to the
demo logins; it exists only in demo databases (the generator refuses a non-empty database).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from forlob.core.models import ApiToken
from forlob.core.tokens import PREFIX_LENGTH, hash_secret
from forlob.fhir.services import integration_create
from forlob.referrals.models import Referral, ReferralType

DEMO_TOKEN = "flb_demo-regionshospitalet-randers-2026"  # demo only, printed by seed-demo
DEMO_SOR = "6008010001"  # a made-up SOR code


def extend(b: Any) -> dict[str, int]:
    integration, first = integration_create(
        municipality=b.municipality,
        name="Regionshospitalet Randers",
        kind="hospital",
        sor_code=DEMO_SOR,
    )
    account = integration.account
    first.token.delete()  # replaced by the printed demo token
    ApiToken.objects.create(
        user=account,
        name="Demo",
        prefix=DEMO_TOKEN[:PREFIX_LENGTH],
        token_hash=hash_secret(DEMO_TOKEN),
        expires_at=timezone.now() + timedelta(days=3650),
    )
    sent = Referral.objects.filter(
        municipality=b.municipality,
        referral_type__code=ReferralType.GOP,
        sender__icontains="Regionshospitalet Randers",
        received_date__gte=b.today - timedelta(days=90),
    )
    # Identifiers from the data, not the row ids, so the same seed gives the same demo.
    rows = sent.order_by("received_date", "citizen__cpr", "pk").values_list("pk", "received_date")
    updated = [
        Referral(
            pk=pk,
            created_by=account,
            external_id=f"urn:oid:1.2.208.176.7.1.10.99|ggop-{received:%Y%m%d}-{n:05d}",
        )
        for n, (pk, received) in enumerate(rows, start=1)
    ]
    Referral.objects.bulk_update(updated, ["created_by", "external_id"])
    return {"fhir_referrals": len(updated)}
