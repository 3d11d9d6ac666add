"""The person key: the same person gets the same key, and the CPR number is not kept.

Readmissions and "more than 3 admissions in 3 months" need to know that two events concern the
same person, also for people who are not (yet) citizens in Forløb. Storing the CPR number for that
would put every hospital patient of the cluster into our database; instead we keep an HMAC-SHA256
of the number under a key derived from the installation's ``SECRET_KEY`` (Django's
``salted_hmac`` with a fixed salt). Without the key the hash cannot be reversed by trying all
CPR numbers. Rotating ``SECRET_KEY`` changes every key: re-import the files afterwards (the import
is idempotent on the event id, so that replaces the old keys).
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac

_SALT = "forlob.cluster.person_key"


def person_key(cpr_digits: str) -> str:
    """64 hex characters for a 10-digit CPR number (no dash)."""
    return salted_hmac(_SALT, cpr_digits, algorithm="sha256").hexdigest()
