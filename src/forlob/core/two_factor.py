"""The second login factor: a TOTP app on the staff member's phone (django-otp).

Health data deserves more than a password: a leaked or guessed password alone must not open
citizen records. Outside the demo every staff user enrols one TOTP device
on first login and types a code after every password login; ``RequireVerifiedSessionMiddleware``
keeps everything else closed until then. Losing the phone is handled by an administrator, who
deletes the user's device in the admin so the next login enrols a new one.
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from django.http import HttpRequest

    from forlob.core.models import User

DEVICE_NAME = "Forløb"


@dataclass(frozen=True)
class CodeCheck:
    """What became of a typed code: accepted, wrong, or refused because of earlier wrong ones."""

    accepted: bool
    locked_until: datetime | None = None

    @property
    def wait_seconds(self) -> int:
        if self.locked_until is None:
            return 0
        return max(1, int((self.locked_until - timezone.now()).total_seconds() + 0.999))


def has_confirmed_device(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def device_for_setup(user: User) -> TOTPDevice:
    """The unconfirmed device the user is enrolling, created on first call.

    Reloading the set-up page keeps the same secret, so a phone that already scanned the code
    still matches.
    """
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice, *, label: str) -> str:
    """The device's otpauth:// URL as an inline SVG QR code, drawn here (no outside service)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    # Fixed pixel size instead of millimetres; an accessible name for screen readers.
    return re.sub(
        r'width="[^"]*" height="[^"]*"',
        f'width="220" height="220" role="img" aria-label="{escape(label)}" '
        'shape-rendering="crispEdges"',
        svg,
        count=1,
    )


def _check(device: TOTPDevice, token: str) -> CodeCheck:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(accepted=False, locked_until=(info or {}).get("locked_until"))
    # verify_token counts a failure (throttling) and refuses a code already used once.
    return CodeCheck(accepted=device.verify_token(token))


def _mark_session_verified(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session key at the moment the session gains rights (as django.contrib.auth.login
    # does for the password step): a key planted before the second factor is worth nothing.
    request.session.cycle_key()
    otp_login(request, device)


def device_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> CodeCheck:
    """Finish enrolment: the first correct code confirms the device and verifies the session."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        result = _check(device, token)
        if result.accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=device.user_id, confirmed=False).delete()
    if result.accepted:
        _mark_session_verified(request, device)
    return result


def session_verify(*, request: HttpRequest, device: TOTPDevice, token: str) -> CodeCheck:
    """Second step of a login: a correct code from the user's confirmed device."""
    with transaction.atomic():
        # Locked, so two requests racing with one code cannot both use it.
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=True)
        result = _check(device, token)
    if result.accepted:
        _mark_session_verified(request, device)
    return result
