"""Where messages leave the system: SMS gateways and e-mail.

``SmsGateway.send(to, body) -> message id`` hands one SMS to a gateway. ``to`` is an MSISDN
(country code and number, digits only: ``4512345678``). A gateway raises ``TransientError`` when
trying again later may help (timeout, connection refused, HTTP 5xx, 408, 429) and
``PermanentError`` when it will not (number rejected, bad credentials, HTTP 4xx).

Backends, chosen by ``FORLOB_SMS_BACKEND`` (settings):

* ``console`` (default): prints each SMS to standard output (the worker's log). Bodies hold no
  CPR number (see ``texts.py``), so nothing needs masking.
* ``file``: appends one JSON line per SMS to ``FORLOB_OUTBOX_DIR/sms.jsonl`` (``var/outbox``).
* ``http``: a JSON POST in the shape of GatewayAPI's ``/rest/mtsms`` (a common Danish SMS
  gateway): ``{"sender": ..., "message": ..., "recipients": [{"msisdn": 4512345678}]}``, answered
  with ``{"ids": [...]}``. Basic authentication (GatewayAPI: the API token as user name, empty
  password) or a bearer token.
* ``memory``: keeps SMS in ``MemorySmsGateway.outbox`` (tests).
* any dotted path to a class with the same interface.

E-mail goes through Django's e-mail backend (``FORLOB_EMAIL_BACKEND``: console by default).

The HTTP adapter uses the standard library (urllib): ``requests`` is only in this project as a
test tool's dependency, and one JSON POST does not justify a new runtime dependency.
"""

from __future__ import annotations

import base64
import json
import smtplib
import sys
import uuid
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import ClassVar
from urllib import error as urlerror
from urllib import request as urlrequest
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.utils.module_loading import import_string


class GatewayError(Exception):
    """Sending failed. The message is safe to store: it never contains the message body."""


class TransientError(GatewayError):
    """Trying again later may help."""


class PermanentError(GatewayError):
    """Trying again will not help without someone changing something."""


class SmsGateway(ABC):
    name: ClassVar[str] = "sms"

    @abstractmethod
    def send(self, to: str, body: str) -> str:
        """Hand one SMS to the gateway; return the gateway's id for it."""


class ConsoleSmsGateway(SmsGateway):
    name = "console"

    def __init__(self, stream: object | None = None) -> None:
        self.stream = stream

    def send(self, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        stream = self.stream or sys.stdout
        stream.write(f"[SMS {message_id}] til +{to}: {body}\n")  # type: ignore[attr-defined]
        stream.flush()  # type: ignore[attr-defined]
        return message_id


class FileSmsGateway(SmsGateway):
    """One JSON object per line in ``<directory>/sms.jsonl``: id, at, to, sender, message."""

    name = "file"

    def __init__(self, directory: Path | str | None = None, sender: str | None = None) -> None:
        self.directory = Path(directory or settings.FORLOB_OUTBOX_DIR)
        self.sender = sender if sender is not None else settings.FORLOB_SMS_SENDER

    @property
    def path(self) -> Path:
        return self.directory / "sms.jsonl"

    def send(self, to: str, body: str) -> str:
        message_id = f"file-{uuid.uuid4().hex[:12]}"
        record = {
            "id": message_id,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "to": to,
            "sender": self.sender,
            "message": body,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise TransientError(f"outbox not writable: {exc.strerror or exc}") from exc
        return message_id


class MemorySmsGateway(SmsGateway):
    """For tests: sent SMS land in ``outbox``; ``fail_with`` makes the next sends raise."""

    name = "memory"
    outbox: ClassVar[list[tuple[str, str]]] = []
    fail_with: ClassVar[list[GatewayError]] = []

    def send(self, to: str, body: str) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.outbox.append((to, body))
        return f"memory-{len(self.outbox)}"


class HttpSmsGateway(SmsGateway):
    """A JSON POST to an SMS gateway in GatewayAPI's ``/rest/mtsms`` shape."""

    name = "http"

    def __init__(
        self,
        *,
        url: str,
        sender: str,
        token: str = "",
        user: str = "",
        password: str = "",
        timeout: float = 10.0,
    ) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("the SMS gateway URL must start with http:// or https://")
        self.url = url
        self.sender = sender
        self.timeout = timeout
        if user:
            pair = f"{user}:{password}".encode()
            self.authorization = "Basic " + base64.b64encode(pair).decode("ascii")
        elif token:
            self.authorization = f"Bearer {token}"
        else:
            self.authorization = ""

    def payload(self, to: str, body: str) -> dict[str, object]:
        return {
            "sender": self.sender,
            "message": body,
            "recipients": [{"msisdn": int(to)}],
        }

    def send(self, to: str, body: str) -> str:
        data = json.dumps(self.payload(to, body)).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        req = urlrequest.Request(self.url, data=data, headers=headers, method="POST")  # noqa: S310
        try:
            with urlrequest.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urlerror.HTTPError as exc:
            detail = _error_detail(exc.read(4096) if exc.fp else b"")
            text = f"HTTP {exc.code}" + (f": {detail}" if detail else "")
            if exc.code in (408, 425, 429) or exc.code >= 500:
                raise TransientError(text) from None
            raise PermanentError(text) from None
        except TimeoutError:
            raise TransientError(f"no answer within {self.timeout:g} s") from None
        except urlerror.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise TransientError(f"no answer within {self.timeout:g} s") from None
            raise TransientError(f"gateway unreachable: {reason}") from None
        except (HTTPException, OSError) as exc:
            raise TransientError(f"connection failed: {type(exc).__name__}") from None
        return _message_id(raw)


def _error_detail(raw: bytes) -> str:
    """A short, printable reason from an error answer (GatewayAPI: {"message": ...})."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("message", "error", "detail"):
            if isinstance(parsed.get(key), str):
                text = parsed[key]
                break
    return " ".join(text.split())[:200]


def _message_id(raw: bytes) -> str:
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except ValueError:
        return ""
    ids = parsed.get("ids") if isinstance(parsed, dict) else None
    if isinstance(ids, list) and ids:
        return str(ids[0])[:100]
    return ""


_BACKENDS: dict[str, type[SmsGateway]] = {
    "console": ConsoleSmsGateway,
    "file": FileSmsGateway,
    "memory": MemorySmsGateway,
    "http": HttpSmsGateway,
}


def sms_gateway() -> SmsGateway:
    """The configured SMS gateway (``FORLOB_SMS_BACKEND``)."""
    backend = settings.FORLOB_SMS_BACKEND
    if backend == "http":
        return HttpSmsGateway(
            url=settings.FORLOB_SMS_HTTP_URL,
            sender=settings.FORLOB_SMS_SENDER,
            token=settings.FORLOB_SMS_HTTP_TOKEN,
            user=settings.FORLOB_SMS_HTTP_USER,
            password=settings.FORLOB_SMS_HTTP_PASSWORD,
            timeout=settings.FORLOB_SMS_TIMEOUT_SECONDS,
        )
    cls = _BACKENDS.get(backend) or import_string(backend)
    return cls()


# --- e-mail ---------------------------------------------------------------------------------

_PERMANENT_SMTP = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


def send_email(to: str, subject: str, body: str) -> str:
    """Send one e-mail through Django's e-mail backend; return its Message-ID."""
    message_id = make_msgid(domain="forlob.invalid")
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id},
    )
    try:
        email.send(fail_silently=False)
    except _PERMANENT_SMTP as exc:
        raise PermanentError(f"mail server refused: {type(exc).__name__}") from None
    except smtplib.SMTPResponseException as exc:
        text = f"mail server answered {exc.smtp_code}"
        if 500 <= exc.smtp_code < 600:
            raise PermanentError(text) from None
        raise TransientError(text) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"mail server unreachable: {type(exc).__name__}") from None
    return message_id.strip("<>")[:100]
