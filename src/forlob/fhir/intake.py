"""Referrals in over FHIR: a ``ServiceRequest``, or a transaction ``Bundle`` of them.

The GOP follows KL Gateway Rehab's ``klgateway-140-servicerequest``: ``category`` carries the
GGOP type from ``http://fhir.kl.dk/term/CodeSystem/CareSocialCodes`` (almen + basal/avanceret,
specialiseret, rehabilitering), the ``PreconditionDate`` extension the discharge date, the
``requester`` the sending hospital (an Organization with a SOR identifier), ``reasonReference``
the focus condition (SKS or ICD-10 diagnosis). Other referral types (a GP's referral to a
chronic-disease programme, ...) name our referral type in ``category`` with the local system
``https://forlob.dk/fhir/CodeSystem/referral-type``. Deviation from the reporting profile, which
forbids it: ``identifier`` is required here, because it makes sending twice harmless.

Every check collects issues with a location instead of stopping at the first, so the sender sees
everything wrong at once; then all referrals are registered in one transaction or none is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forlob.citizens import cpr as cprlib
from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.core.models import User
from forlob.fhir import codes
from forlob.fhir.errors import FhirError, Issue, pydantic_issues
from forlob.referrals.models import ChronicDisease, CoordinationArea, Referral, ReferralType

MAX_ENTRIES = 500

LOCAL_CHRONIC_DISEASE = f"{codes.LOCAL}/CodeSystem/chronic-disease"
LOCAL_COORDINATION_AREA = f"{codes.LOCAL}/CodeSystem/coordination-area"

# Diagnosis area from the focus condition's diagnosis when the sender does not state it: ICD-10
# chapters XIII (M, musculoskeletal) and XIX (S/T, injuries) are orthopaedic; VI (G, nervous
# system) and cerebrovascular disease (I60–I69) neurological; everything else medical. The SKS
# code is the ICD-10 code with a leading "D" (DS721 = S72.1).
NEURO_PREFIXES = ("G", "I6")
ORTHO_PREFIXES = ("M", "S", "T")
CHRONIC_PREFIXES = (
    ("J44", ChronicDisease.COPD),
    ("E10", ChronicDisease.DIABETES),
    ("E11", ChronicDisease.DIABETES),
    ("E13", ChronicDisease.DIABETES),
    ("E14", ChronicDisease.DIABETES),
    ("I2", ChronicDisease.CARDIOVASCULAR),
    ("I5", ChronicDisease.CARDIOVASCULAR),
    ("C", ChronicDisease.CANCER),
    ("M54", ChronicDisease.LOW_BACK),
)


@dataclass
class Incoming:
    """One referral read from a ServiceRequest, ready to register."""

    where: str
    external_id: str
    cpr: str
    first_name: str
    last_name: str
    phone: str
    referral_type: ReferralType
    received_date: date
    sender: str
    diagnosis_text: str
    note: str
    specific: dict[str, Any]
    full_url: str | None = None
    patient_full_url: str | None = None


@dataclass
class Outcome:
    referral: Referral
    created: bool
    full_url: str | None = None


@dataclass
class _Reader:
    """Reads one ServiceRequest; ``resolve`` finds referenced resources (contained/bundle)."""

    actor: User
    today: date
    bundle_resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def issue(self, code: str, text: str, where: str) -> None:
        self.issues.append(Issue(code, text, where))

    def resolve(self, reference: Any, where: str, contained: list[dict[str, Any]]) -> Any:
        if not isinstance(reference, dict):
            return None
        target = reference.get("reference")
        if isinstance(target, str):
            if target.startswith("#"):
                for resource in contained:
                    if resource.get("id") == target[1:]:
                        return resource
            elif target in self.bundle_resources:
                return self.bundle_resources[target]
            else:  # a relative "Patient/12" resolves against an entry's fullUrl ".../Patient/12"
                for url, resource in self.bundle_resources.items():
                    if "/" in target and url.endswith("/" + target):
                        return resource
            self.issue("not-found", _("The reference cannot be resolved in the request."), where)
            return None
        return None

    # --- the parts of a ServiceRequest --------------------------------------------------------

    def read(self, data: dict[str, Any], where: str, full_url: str | None) -> Incoming | None:
        from fhir.resources.R4B.servicerequest import ServiceRequest
        from pydantic import ValidationError as PydanticError

        if not isinstance(data, dict) or data.get("resourceType") != "ServiceRequest":
            self.issue("not-supported", _("Only ServiceRequest resources can be sent here."), where)
            return None
        try:
            ServiceRequest.model_validate(data)
        except PydanticError as exc:
            self.issues.extend(pydantic_issues(exc, where))
            return None
        except (ValueError, TypeError):
            self.issue("structure", _("The resource is not valid FHIR R4."), where)
            return None
        before = len(self.issues)
        contained = [r for r in data.get("contained") or [] if isinstance(r, dict)]
        if data.get("status") != "active":
            self.issue(
                "not-supported", _("Only an active request (status active) can be received."),
                f"{where}.status",
            )  # fmt: skip
        if data.get("intent") not in {"plan", "order", "original-order"}:
            self.issue("code-invalid", _("intent must be plan (or order)."), f"{where}.intent")
        external_id = self._identifier(data, where)
        cpr, first, last, phone, patient_url = self._patient(data, where, contained)
        referral_type, specific = self._kind(data, where, contained)
        received = self._authored(data, where)
        sender = self._requester(data, where, contained)
        if len(self.issues) > before or referral_type is None:
            return None
        diagnosis_text = self._diagnosis_text(data, where, contained)
        note = "\n".join(
            str(n.get("text", "")) for n in data.get("note") or [] if isinstance(n, dict)
        )
        return Incoming(
            where=where,
            external_id=external_id,
            cpr=cpr,
            first_name=first,
            last_name=last,
            phone=phone,
            referral_type=referral_type,
            received_date=received,
            sender=sender,
            diagnosis_text=diagnosis_text,
            note=note,
            specific=specific,
            full_url=full_url,
            patient_full_url=patient_url,
        )

    def _identifier(self, data: dict[str, Any], where: str) -> str:
        for identifier in data.get("identifier") or []:
            system, value = identifier.get("system"), identifier.get("value")
            if system and value:
                external = f"{system}|{value}"
                if len(external) > 200:
                    self.issue(
                        "too-long", _("The identifier is longer than 200 characters."),
                        f"{where}.identifier",
                    )  # fmt: skip
                return external
        self.issue(
            "required",
            _("An identifier with system and value is required, so that a request sent twice "
              "creates one referral."),
            f"{where}.identifier",
        )  # fmt: skip
        return ""

    def _patient(
        self, data: dict[str, Any], where: str, contained: list[dict[str, Any]]
    ) -> tuple[str, str, str, str, str | None]:
        at = f"{where}.subject"
        subject = data.get("subject")
        if not isinstance(subject, dict):
            self.issue("required", _("The citizen (subject) is required."), at)
            return "", "", "", "", None
        patient = self.resolve(subject, at, contained)
        patient_url = subject.get("reference") if patient is not None else None
        if patient is None and subject.get("reference"):
            return "", "", "", "", None
        if patient is not None and patient.get("resourceType") != "Patient":
            self.issue("invalid", _("The subject must be a Patient."), at)
            return "", "", "", "", None
        identifiers = (
            (patient or {}).get("identifier") or []
            if patient is not None
            else [subject.get("identifier") or {}]
        )
        cpr_values = [
            i.get("value")
            for i in identifiers
            if isinstance(i, dict) and i.get("system") == codes.CPR
        ]
        id_at = at + (".identifier" if patient is None else " → Patient.identifier")
        if len(cpr_values) != 1 or not isinstance(cpr_values[0], str):
            self.issue(
                "required",
                _("The citizen needs exactly one CPR identifier (system urn:oid:1.2.208.176.1.2)."),
                id_at,
            )
            return "", "", "", "", None
        try:
            cpr = cprlib.parse(cpr_values[0]).digits
        except ValidationError:
            self.issue("value", _("The CPR number is not valid."), id_at)
            return "", "", "", "", None
        first = last = phone = ""
        if patient is not None:
            names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
            official = next(
                (n for n in names if n.get("use") == "official"), names[0] if names else {}
            )
            first = " ".join(official.get("given") or [])
            last = official.get("family") or ""
            phone = next(
                (
                    t.get("value", "")
                    for t in patient.get("telecom") or []
                    if isinstance(t, dict) and t.get("system") == "phone"
                ),
                "",
            )
        return cpr, first, last, phone[:20], patient_url

    def _kind(
        self, data: dict[str, Any], where: str, contained: list[dict[str, Any]]
    ) -> tuple[ReferralType | None, dict[str, Any]]:
        at = f"{where}.category"
        codings = [
            c
            for concept in data.get("category") or []
            if isinstance(concept, dict)
            for c in concept.get("coding") or []
            if isinstance(c, dict)
        ]
        kl = {c.get("code") for c in codings if c.get("system") == codes.KL_CODES}
        local_type = [
            c.get("code") for c in codings if c.get("system") == codes.LOCAL_REFERRAL_TYPE
        ]
        local_area = [
            c.get("code") for c in codings if c.get("system") == codes.LOCAL_DIAGNOSIS_AREA
        ]
        unknown_kl = kl - set(codes.GGOP_DISPLAY)
        if unknown_kl:
            self.issue(
                "code-invalid",
                _("Unknown GGOP type code; use almen with basal or avanceret, specialiseret or "
                  "rehabilitering (CareSocialCodes)."),
                at,
            )  # fmt: skip
            return None, {}
        specific: dict[str, Any] = {}
        diagnoses = self._diagnosis_codes(data, where, contained)
        if kl:
            referral_type = ReferralType.objects.filter(
                code=ReferralType.GOP, is_active=True
            ).first()
            level = self._gop_level(kl, at)
            if level is None:
                return None, {}
            specific["gop_level"] = level
            specific["discharge_date"] = self._discharge(data, where)
        elif local_type:
            referral_type = ReferralType.objects.filter(code=local_type[0], is_active=True).first()
            if referral_type is None:
                self.issue("code-invalid", _("Unknown referral type code."), at)
                return None, {}
            discharge = self._discharge(data, where, required=False)
            if discharge:
                specific["discharge_date"] = discharge
        else:
            self.issue(
                "required",
                _("category must name the GGOP type (CareSocialCodes) or a referral type "
                  "(https://forlob.dk/fhir/CodeSystem/referral-type)."),
                at,
            )  # fmt: skip
            return None, {}
        if referral_type is None:
            self.issue("not-supported", _("This referral type is not in use here."), at)
            return None, {}
        area = local_area[0] if local_area else _area_from(diagnoses)
        if area is not None:
            if area not in DiagnosisArea.values:
                self.issue("code-invalid", _("Unknown diagnosis area code."), at)
            specific["diagnosis_area"] = area
        diseases = [c.get("code") for c in codings if c.get("system") == LOCAL_CHRONIC_DISEASE]
        disease = diseases[0] if diseases else _chronic_from(diagnoses)
        if disease:
            if disease not in ChronicDisease.values:
                self.issue("code-invalid", _("Unknown chronic disease code."), at)
            specific["chronic_disease"] = disease
        areas = [c.get("code") for c in codings if c.get("system") == LOCAL_COORDINATION_AREA]
        if areas:
            if areas[0] not in CoordinationArea.values:
                self.issue("code-invalid", _("Unknown coordination area code."), at)
            specific["coordination_area"] = areas[0]
        return referral_type, specific

    def _gop_level(self, kl: set[str], at: str) -> str | None:
        if kl & {codes.GGOP_SPECIALISED, codes.GGOP_REHABILITATION}:
            return GopLevel.SPECIALISED
        if codes.GGOP_ADVANCED in kl:
            return GopLevel.ADVANCED
        if codes.GGOP_BASAL in kl:
            return GopLevel.BASAL
        self.issue("required", _("A general (almen) GGOP needs its level: basal or avanceret."), at)
        return None

    def _discharge(self, data: dict[str, Any], where: str, *, required: bool = True) -> Any:
        for ext in data.get("extension") or []:
            if isinstance(ext, dict) and ext.get("url") == codes.EXT_DISCHARGE_DATE:
                value = ext.get("valueDate")
                try:
                    return date.fromisoformat(value) if isinstance(value, str) else None
                except ValueError:
                    self.issue(
                        "value", _("The discharge date must be a date (YYYY-MM-DD)."),
                        f"{where}.extension",
                    )  # fmt: skip
                    return None
        if required:
            self.issue(
                "required",
                _("The discharge date is required for a GGOP (extension %(url)s).")
                % {"url": codes.EXT_DISCHARGE_DATE},
                f"{where}.extension",
            )
        return None

    def _authored(self, data: dict[str, Any], where: str) -> date:
        today = self.today
        authored = data.get("authoredOn")
        if not authored:
            self.issue("required", _("authoredOn is required."), f"{where}.authoredOn")
            return today
        try:
            written = date.fromisoformat(str(authored)[:10])
        except ValueError:
            self.issue("value", _("authoredOn must be a date."), f"{where}.authoredOn")
            return today
        if written > today:
            self.issue("value", _("authoredOn lies in the future."), f"{where}.authoredOn")
        return today  # the deadline of other types counts from the day it reached us

    def _requester(self, data: dict[str, Any], where: str, contained: list[dict[str, Any]]) -> str:
        at = f"{where}.requester"
        requester = data.get("requester")
        if not isinstance(requester, dict):
            self.issue("required", _("The sender (requester) is required."), at)
            return ""
        organisation = (
            self.resolve(requester, at, contained) if requester.get("reference") else None
        )
        name = requester.get("display") or ""
        identifiers = [requester.get("identifier") or {}]
        if organisation is not None:
            name = organisation.get("name") or name
            identifiers = organisation.get("identifier") or []
        sor = next(
            (
                i.get("value")
                for i in identifiers
                if isinstance(i, dict) and i.get("system") == codes.SOR
            ),
            None,
        )
        if not name and not sor:
            self.issue("required", _("Name the sender, or give its SOR identifier."), at)
        sender = name or _("Sender")
        if sor:
            sender = f"{sender} (SOR {sor})"
        return sender[:200]

    def _conditions(
        self, data: dict[str, Any], where: str, contained: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        out = []
        for i, reference in enumerate(data.get("reasonReference") or []):
            condition = self.resolve(reference, f"{where}.reasonReference[{i}]", contained)
            if isinstance(condition, dict) and condition.get("resourceType") == "Condition":
                out.append(condition)
        return out

    def _diagnosis_codes(
        self, data: dict[str, Any], where: str, contained: list[dict[str, Any]]
    ) -> list[str]:
        found = []
        for condition in self._conditions(data, where, contained):
            for c in (condition.get("code") or {}).get("coding") or []:
                system, code = c.get("system") or "", c.get("code") or ""
                if system.startswith(codes.SKS) and code.startswith("D"):
                    found.append(code[1:].replace(".", "").upper())
                elif system == codes.ICD10:
                    found.append(code.replace(".", "").upper())
        return found

    def _diagnosis_text(
        self, data: dict[str, Any], where: str, contained: list[dict[str, Any]]
    ) -> str:
        parts = []
        for condition in self._conditions(data, where, contained):
            for c in (condition.get("code") or {}).get("coding") or []:
                parts.append(" ".join(p for p in (c.get("code"), c.get("display")) if p))
        if not parts:  # our own export carries the diagnosis as reasonCode text
            parts = [
                str(r["text"])
                for r in data.get("reasonCode") or []
                if isinstance(r, dict) and r.get("text")
            ]
        return "; ".join(parts)[:200]


def _area_from(diagnoses: list[str]) -> str | None:
    for code in diagnoses:
        if code.startswith(ORTHO_PREFIXES):
            return DiagnosisArea.ORTHOPAEDIC
        if code.startswith(NEURO_PREFIXES):
            return DiagnosisArea.NEUROLOGICAL
        return DiagnosisArea.MEDICAL
    return None


def _chronic_from(diagnoses: list[str]) -> str | None:
    for code in diagnoses:
        for prefix, disease in CHRONIC_PREFIXES:
            if code.startswith(prefix):
                return disease
    return None


# --- the two ways in --------------------------------------------------------------------------

FIELD_LOCATIONS = {
    "cpr": "subject",
    "first_name": "subject",
    "last_name": "subject",
    "discharge_date": "extension",
    "gop_level": "category",
    "diagnosis_area": "category",
    "chronic_disease": "category",
    "coordination_area": "category",
    "received_date": "authoredOn",
}


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise FhirError.one(400, "structure", _("The body is not JSON.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise FhirError.one(400, "structure", _("The body is not a FHIR resource."))
    return data


def receive_service_request(*, actor: User, data: dict[str, Any]) -> Outcome:
    reader = _Reader(actor=actor, today=timezone.localdate())
    incoming = reader.read(data, "ServiceRequest", None)
    if reader.issues or incoming is None:
        raise FhirError(_status(reader.issues), reader.issues)
    return _register_all(actor, [incoming])[0]


def receive_bundle(*, actor: User, data: dict[str, Any]) -> list[dict[str, Any]]:
    """A transaction Bundle: every ServiceRequest entry registered, or nothing.

    Patient, Organization and Condition entries are accepted as what the requests refer to (by
    ``fullUrl``); they are not stored on their own. Returns, per entry in order, the response
    element of the transaction-response.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError as PydanticError

    if data.get("type") != "transaction":
        raise FhirError.one(
            400, "not-supported", _("Only a Bundle of type transaction can be sent."), "Bundle.type"
        )
    try:
        Bundle.model_validate({**data, "entry": [
            {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
            for e in data.get("entry") or []
        ]})  # fmt: skip
    except PydanticError as exc:
        raise FhirError(400, pydantic_issues(exc, "Bundle")) from None
    entries = data.get("entry") or []
    if not entries:
        raise FhirError.one(400, "required", _("The bundle has no entries."), "Bundle.entry")
    if len(entries) > MAX_ENTRIES:
        raise FhirError.one(
            400, "too-costly", _("At most %(n)d entries per bundle.") % {"n": MAX_ENTRIES},
            "Bundle.entry",
        )  # fmt: skip
    reader = _Reader(actor=actor, today=timezone.localdate())
    for entry in entries:
        if (
            isinstance(entry, dict)
            and entry.get("fullUrl")
            and isinstance(entry.get("resource"), dict)
        ):
            reader.bundle_resources[entry["fullUrl"]] = entry["resource"]
    incoming: list[Incoming] = []
    kinds: list[str] = []
    for i, entry in enumerate(entries):
        where = f"Bundle.entry[{i}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        request = entry.get("request") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        kinds.append(kind or "")
        if not isinstance(request, dict) or request.get("method") != "POST":
            reader.issue("not-supported", _("Each entry must be a POST."), f"{where}.request")
            continue
        if kind == "ServiceRequest":
            found = reader.read(resource, f"{where}.resource", entry.get("fullUrl"))
            if found is not None:
                incoming.append(found)
        elif kind not in {"Patient", "Organization", "Condition"}:
            reader.issue(
                "not-supported",
                _("Only ServiceRequest entries (with their Patient, Organization and Condition) "
                  "can be sent."),
                f"{where}.resource",
            )  # fmt: skip
    seen: dict[str, str] = {}
    for item in incoming:
        if item.external_id in seen:
            reader.issue(
                "duplicate", _("The same identifier occurs twice in the bundle."),
                f"{item.where}.identifier",
            )  # fmt: skip
        seen[item.external_id] = item.where
    if not incoming and not reader.issues:
        reader.issue("required", _("The bundle holds no ServiceRequest."), "Bundle.entry")
    if reader.issues:
        raise FhirError(_status(reader.issues), reader.issues)
    outcomes = _register_all(actor, incoming)
    patient_of = {i.patient_full_url: o for i, o in zip(incoming, outcomes, strict=True)}
    responses: list[dict] = []
    walk = iter(outcomes)
    for entry, kind in zip(entries, kinds, strict=True):
        if kind == "ServiceRequest":
            outcome = next(walk)
            responses.append({
                "status": "201 Created" if outcome.created else "200 OK",
                "location": f"ServiceRequest/{outcome.referral.pk}",
            })  # fmt: skip
        elif kind == "Patient" and entry.get("fullUrl") in patient_of:
            citizen_id = patient_of[entry["fullUrl"]].referral.citizen_id
            responses.append({"status": "200 OK", "location": f"Patient/{citizen_id}"})
        else:
            responses.append({"status": "200 OK"})
    return responses


def _status(issues: list[Issue]) -> int:
    return 400 if any(i.code in {"structure", "not-supported"} for i in issues) else 422


def _register_all(actor: User, incoming: list[Incoming]) -> list[Outcome]:
    from forlob.referrals.services import referral_register_by_cpr

    if actor.municipality_id is None:
        raise FhirError.one(403, "forbidden", _("This system account belongs to no municipality."))
    try:
        with transaction.atomic():
            outcomes = []
            issues: list[Issue] = []
            for item in incoming:
                existing = Referral.objects.filter(external_id=item.external_id).first()
                if existing is not None:
                    if existing.created_by_id != actor.pk:
                        issues.append(Issue(
                            "duplicate",
                            _("A referral with this identifier was received from another sender."),
                            f"{item.where}.identifier",
                        ))  # fmt: skip
                        continue
                    outcomes.append(Outcome(existing, created=False, full_url=item.full_url))
                    continue
                try:
                    referral = referral_register_by_cpr(
                        actor=actor,
                        cpr=item.cpr,
                        referral_type=item.referral_type,
                        received_date=item.received_date,
                        today=item.received_date,
                        first_name=item.first_name,
                        last_name=item.last_name,
                        phone=item.phone,
                        sender=item.sender,
                        diagnosis_text=item.diagnosis_text,
                        note=item.note,
                        external_id=item.external_id,
                        **item.specific,
                    )
                except ValidationError as exc:
                    issues.extend(_validation_issues(exc, item.where))
                    continue
                outcomes.append(Outcome(referral, created=True, full_url=item.full_url))
            if issues:
                raise FhirError(409 if all(i.code == "duplicate" for i in issues) else 422, issues)
            return outcomes
    except IntegrityError:
        # The same identifier arrived twice at the same moment; the other request won.
        raise FhirError.one(
            409, "conflict", _("The same referral arrived twice at once; send it again.")
        ) from None


def _validation_issues(exc: ValidationError, where: str) -> list[Issue]:
    if not hasattr(exc, "error_dict"):
        return [Issue("business-rule", " ".join(exc.messages), where)]
    out = []
    for name, errors in exc.message_dict.items():
        location = FIELD_LOCATIONS.get(name)
        for message in errors:
            out.append(
                Issue("business-rule", message, f"{where}.{location}" if location else where)
            )
    return out
