"""Authentication backends: django-axes' lockout check in front of Django's password check."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses any login for a user name + client address that is locked out.

    Every login over the web passes the request (Django's ``AuthenticationForm`` and the admin
    login do), so the lockout applies there. A call without a request has no client to lock
    out: it comes from code, not from the network (the test client's ``login()``, a shell), and
    is left to the password check instead of failing as plain ``AxesStandaloneBackend`` does.
    A future API that checks passwords must pass the request, or it is not protected.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
