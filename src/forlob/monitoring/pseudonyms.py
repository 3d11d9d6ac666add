"""Pseudonyms and age bands: how a citizen appears where names and CPR numbers may not.

Two kinds of pseudonym:

* On screen (the managers' click-through lists): a short code from an HMAC of the citizen's id
  with a key derived from the server's secret. Stable, so a manager can see that two pathways
  belong to the same citizen, but meaningless outside the system.
* In a shared dataset: an HMAC-SHA256 of the citizen's id with the *export key* that the
  municipalities agree on and type in when exporting. The key is never stored: without it
  nobody, including us, can link a pseudonym back to a citizen or forward to a new export; with
  the same key, exports from different years line up.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from django.utils.crypto import salted_hmac

from forlob.citizens.age import age_on

SCREEN_SALT = "forlob.monitoring.screen-pseudonym"
AGE_BANDS = ((0, 17), (18, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 89))
TOP_BAND = 90


def screen_pseudonym(citizen_id: int) -> str:
    """ "P-" and 8 hex digits, stable for a citizen on this server."""
    return "P-" + salted_hmac(SCREEN_SALT, str(citizen_id)).hexdigest()[:8].upper()


def export_pseudonym(key: str, kind: str, object_id: int) -> str:
    """HMAC-SHA256 of ``kind:id`` with the export key, as 20 hex digits (80 bits)."""
    mac = hmac.new(key.encode("utf-8"), f"{kind}:{object_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:20]


def age_band(birth_date: date | None, day: date) -> str:
    """Ten-year bands ("70-79"), "0-17" for children and "90+" at the top."""
    if birth_date is None:
        return ""
    age = age_on(birth_date, day)
    if age >= TOP_BAND:
        return f"{TOP_BAND}+"
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return f"{AGE_BANDS[0][0]}-{AGE_BANDS[0][1]}"
