"""With two-step login on, a therapist enrols a TOTP app on first login and uses it the next time.

The code is computed from the key the set-up page shows for typing by hand, as an app would.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from forlob.core.models import Municipality, User

PASSWORD = "to-trins-login-2026"


@pytest.fixture
def therapist(transactional_db: None) -> User:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    return User.objects.create_user(
        username="terapeut",
        password=PASSWORD,
        first_name="Tove",
        last_name="Terapeut",
        municipality=municipality,
    )


def code(secret: str, step: int) -> str:
    """The app's code for the 30-second time step ``step``."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = step * 30 + 1
    return f"{totp.token():06d}"


def current_step() -> int:
    return int(time.time() // 30)


def log_in(page, base: str) -> None:
    page.goto(f"{base}/")
    assert "/login/" in page.url
    page.fill("#id_username", "terapeut")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_first_login_enrols_the_app_and_the_next_login_asks_for_a_code(
    page, therapist: User, settings
) -> None:
    settings.FORLOB_REQUIRE_2FA = True
    base = page.base_url

    log_in(page, base)
    page.wait_for_url(re.compile(r"/login/two-factor/setup/"))
    setup = page.get_by_test_id("otp-setup")
    assert setup.locator("svg[role=img]").is_visible()  # the QR code, drawn by the server
    assert page.locator(".topbar nav a").count() == 0  # no menu before the second step

    # Nothing else opens before the code.
    page.goto(f"{base}/referrals/")
    assert "/login/two-factor/setup/" in page.url

    # A wrong code first: the form says so and stays.
    secret = page.get_by_test_id("otp-secret").inner_text().replace(" ", "")
    page.fill("#id_token", "12ab56")
    with page.expect_navigation():
        setup.locator("button[type=submit]").click()
    assert page.locator("[data-field=token] .error").is_visible()
    assert page.input_value("#id_token") == "12ab56"

    first_step = current_step()
    page.fill("#id_token", code(secret, first_step))
    page.get_by_test_id("otp-setup").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/referrals/$"))  # back where the user was going
    page.goto(f"{base}/")
    assert page.locator(".topbar nav a").count() > 0
    assert page.get_by_role("link", name="Overblik").is_visible()

    # Next login: the code, not a new enrolment. (The code of the step after the one used: that
    # one is spent, and the device accepts one step of clock difference around the drift it
    # learnt at enrolment — counting from "now" instead fails when the first code crossed a
    # step boundary on its way to the server.)
    page.locator(".topbar .logout button").click()
    page.wait_for_url(re.compile(r"/login/"))
    log_in(page, base)
    page.wait_for_url(re.compile(r"/login/two-factor/\?"))
    page.fill("#id_token", code(secret, first_step + 1))
    page.get_by_test_id("otp-verify").locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="Overblik").is_visible()
