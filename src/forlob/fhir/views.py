"""The FHIR R4 REST endpoint at /fhir/: read, search, create (referrals) and transaction.

Systems authenticate with an API token of their account (``Authorization: Bearer <token>``);
a system account belongs to an organisation (``fhir.models.Integration``) and acts through the
same access policy and audit as a person: every resource read writes an audit row naming the
citizen, every referral received is registered in the account's name. Requests are counted
against the token's rate limit. Answers are ``application/fhir+json``; every error is an
OperationOutcome with Danish diagnostics and the location of the problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, audit_record
from forlob.citizens import cpr as cprlib
from forlob.core.models import User
from forlob.fhir import codes, intake, registry, search
from forlob.fhir.capability import capability_statement
from forlob.fhir.errors import FhirError, Issue, operation_outcome

FHIR_JSON = "application/fhir+json; charset=utf-8"
MAX_BODY = 5 * 1024 * 1024


def _response(body: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=FHIR_JSON,
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    add_never_cache_headers(response)
    return response


def _error(exc: FhirError) -> HttpResponse:
    extra = {"Retry_After": str(exc.retry_after)} if exc.retry_after else {}
    return _response(operation_outcome(exc.issues), exc.status, **extra)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _authenticate(request: HttpRequest) -> User:
    """The token's system account. The API's Bearer check does the work, so the FHIR endpoint
    and the JSON API share one rate limit per token and one failure count per address."""
    from forlob.core.api import BearerToken
    from forlob.core.ratelimit import RateLimited

    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise FhirError.one(
            401, "login", _("Send the system's API token as “Authorization: Bearer <token>”.")
        )
    try:
        user = BearerToken().authenticate(request, secret)
    except RateLimited as exc:
        raise FhirError(429, [_throttled()], retry_after=exc.retry_after) from None
    if user is None:
        raise FhirError.one(401, "login", _("The token is unknown, expired or revoked."))
    return user


def _throttled() -> Issue:
    return Issue("throttled", _("Too many requests; wait the seconds in Retry-After."))


def _validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Every resource we emit must be valid R4 (fhir.resources' R4B models); a mapping bug is a
    500 here rather than a malformed resource in someone else's system."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def _type_or_404(name: str) -> registry.ResourceType:
    resource_type = registry.get(name)
    if resource_type is None:
        raise FhirError.one(404, "not-supported", _("This resource type is not served here."))
    return resource_type


def _require_type(actor: User, resource_type: registry.ResourceType, operation: str) -> None:
    if not resource_type.may_read_type(actor):
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation=operation,
            outcome=AccessLog.Outcome.DENIED,
            reason=f"may not read {resource_type.name}",
        )
        raise FhirError.one(403, "forbidden", _("This account may not read this resource type."))


def _handle(request: HttpRequest, work: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        if request.method not in {"GET", "POST", "HEAD"}:
            raise FhirError.one(405, "not-supported", _("This method is not supported here."))
        return work()
    except FhirError as exc:
        return _error(exc)


# --- endpoints ----------------------------------------------------------------------------------


def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement (public, as FHIR expects: a client reads it before logging in)."""

    def work() -> HttpResponse:
        if request.method != "GET":
            raise FhirError.one(405, "not-supported", _("This method is not supported here."))
        return _response(_validated(capability_statement(_base(request))))

    return _handle(request, work)


@csrf_exempt
def root(request: HttpRequest) -> HttpResponse:
    """POST a transaction Bundle of referrals."""

    def work() -> HttpResponse:
        if request.method != "POST":
            raise FhirError.one(405, "not-supported", _("Send a transaction Bundle with POST."))
        actor = _authenticate(request)
        _require_write(actor)
        data = _body(request)
        if data.get("resourceType") != "Bundle":
            raise FhirError.one(400, "not-supported", _("Send a Bundle here."), "resourceType")
        responses = intake.receive_bundle(actor=actor, data=data)
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "timestamp": timezone.now().isoformat(timespec="seconds"),
            "entry": [{"response": r} for r in responses],
        }
        return _response(_validated(bundle))

    return _handle(request, work)


def _require_write(actor: User) -> None:
    if not can(actor, Action.REGISTER_REFERRAL):
        raise FhirError.one(403, "forbidden", _("This account may not send referrals."))


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise FhirError.one(413, "too-costly", _("The request is too large (at most 5 MB)."))
    return intake.parse_body(request.body)


@csrf_exempt
def type_endpoint(request: HttpRequest, resource_type: str) -> HttpResponse:
    """GET: search. POST: create (ServiceRequest only)."""

    def work() -> HttpResponse:
        rt = _type_or_404(resource_type)
        actor = _authenticate(request)
        if request.method == "POST":
            if rt.name != "ServiceRequest":
                raise FhirError.one(405, "not-supported", _("Only ServiceRequest can be created."))
            _require_write(actor)
            data = _body(request)
            if data.get("resourceType") != "ServiceRequest":
                raise FhirError.one(
                    400, "invalid", _("The body must be a ServiceRequest."), "resourceType"
                )
            outcome = intake.receive_service_request(actor=actor, data=data)
            base = _base(request)
            ctx = registry.Context(actor=actor, base=base)
            referral = rt.queryset().get(pk=outcome.referral.pk)
            location = f"{base}/ServiceRequest/{referral.pk}"
            return _response(
                _validated(rt.to_fhir(referral, ctx)),
                201 if outcome.created else 200,
                Location=location,
            )
        return _search(request, actor, rt, _query_params(request))

    return _handle(request, work)


@csrf_exempt
def search_post(request: HttpRequest, resource_type: str) -> HttpResponse:
    """POST [type]/_search: parameters in a form body, so a CPR number stays out of the URL."""

    def work() -> HttpResponse:
        rt = _type_or_404(resource_type)
        actor = _authenticate(request)
        if request.method != "POST":
            raise FhirError.one(405, "not-supported", _("Use POST for _search."))
        params = dict(request.POST.lists())  # form body: urlencoded or multipart
        for key, values in _query_params(request).items():
            params.setdefault(key, values)
        return _search(request, actor, rt, params, allow_identifier=True)

    return _handle(request, work)


def instance(request: HttpRequest, resource_type: str, pk: str) -> HttpResponse:
    def work() -> HttpResponse:
        rt = _type_or_404(resource_type)
        actor = _authenticate(request)
        if request.method != "GET":
            raise FhirError.one(405, "not-supported", _("This method is not supported here."))
        operation = f"fhir_read_{rt.name}"
        _require_type(actor, rt, operation)
        found = rt.locate(pk)  # (part, primary key) or None for an id we never made
        part, obj = (found[0] if found else rt), None
        if found is not None:
            obj = part.visible(actor).filter(pk=found[1]).first()
        if obj is None:
            audit_record(
                actor=actor,
                kind=AccessLog.Kind.READ,
                operation=operation,
                outcome=AccessLog.Outcome.DENIED,
                reason="not found or not in scope",
            )
            raise FhirError.one(404, "not-found", _("Not found."))
        if part.citizen is not None:
            audit_reads(actor=actor, operation=operation, objects=[obj], citizen_of=part.citizen_id)
        ctx = registry.Context(actor=actor, base=_base(request))
        return _response(_validated(part.to_fhir(obj, ctx)))

    return _handle(request, work)


# --- search -------------------------------------------------------------------------------------


def _query_params(request: HttpRequest) -> dict[str, list[str]]:
    return parse_qs(request.META.get("QUERY_STRING", ""), keep_blank_values=True)


def _search(
    request: HttpRequest,
    actor: User,
    rt: registry.ResourceType,
    params: dict[str, list[str]],
    *,
    allow_identifier: bool = False,
) -> HttpResponse:
    operation = f"fhir_search_{rt.name}"
    _require_type(actor, rt, operation)
    allowed = {p.name for p in rt.params} | {"_id"}
    if rt.patient:
        allowed.add("patient")
    if rt.date:
        allowed.add("date")
    if rt.name == "Patient":
        allowed.add("identifier")
    issues = search.unknown(params, allowed)
    if issues:
        raise FhirError(400, issues)
    count, offset = search.paging(params)
    if "identifier" in params and not allow_identifier:
        raise FhirError.one(
            400, "security",
            _("Search by CPR number with POST Patient/_search (form body), never in the URL."),
            "identifier",
        )  # fmt: skip
    ids = None
    if "_id" in params:
        ids = [rt.locate(v) for value in params["_id"] for v in value.split(",")]
        if None in ids:
            raise FhirError.one(400, "value", _("_id must be resource ids."), "_id")
    found = [
        (part, _filtered(part, part.visible(actor), params, ids).order_by(*part.ordering))
        for part in rt.sources()
    ]
    total, rows = registry.page(found, offset, count)
    for part in rt.sources():
        objects = [obj for p, obj in rows if p is part]
        if part.citizen is not None and objects:
            audit_reads(
                actor=actor, operation=operation, objects=objects, citizen_of=part.citizen_id
            )
    base = _base(request)
    ctx = registry.Context(actor=actor, base=base)
    public = {k: v for k, v in params.items() if k not in {"_offset", "identifier"}}

    def link(relation: str, at: int) -> dict[str, str]:
        query = urlencode({**public, "_offset": [str(at)]}, doseq=True)
        return {"relation": relation, "url": f"{base}/{rt.name}?{query}"}

    links = [link("self", offset)]
    if offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(0, offset - count)))
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{rt.name}/{part.resource_id(obj)}",
                "resource": _validated(part.to_fhir(obj, ctx)),
                "search": {"mode": "match"},
            }
            for part, obj in rows
        ],
    }
    return _response(bundle)


def _filtered(
    part: registry.ResourceType,
    qs: Any,
    params: dict[str, list[str]],
    ids: list[tuple[registry.ResourceType, int] | None] | None,
) -> Any:
    """One part's rows that match the search (a part without a searched field matches none)."""
    if "identifier" in params:
        qs = qs.filter(cpr__in=[_cpr_from_token(v) for v in params["identifier"]])
    if ids is not None:
        qs = qs.filter(pk__in=[found[1] for found in ids if found and found[0] is part])
    if "patient" in params:
        if not part.patient:
            return qs.none()
        qs = qs.filter(**{f"{part.patient}__pk": search.patient_id(params["patient"])})
    if "date" in params:
        if not part.date:
            return qs.none()
        qs = search.date_filter(qs, part.date, params["date"])
    own = {p.name for p in part.params}
    for param in part.params:
        if param.name in params:
            qs = param.apply(qs, params[param.name])
    if any(name not in own and name not in BASIC_PARAMS for name in params):
        return qs.none()  # a parameter of another part of the type
    return qs


BASIC_PARAMS = search.COMMON | {"_id", "patient", "date", "identifier"}


def _cpr_from_token(value: str) -> str:
    system, _sep, code = value.rpartition("|")
    if system and system != codes.CPR:
        raise FhirError.one(
            400, "not-supported", _("Only the CPR identifier system can be searched."), "identifier"
        )
    try:
        return cprlib.parse(code).digits
    except ValidationError:  # the same answer for every bad number; no value echoed
        raise FhirError(
            400, [Issue("value", _("The CPR number is not valid."), "identifier")]
        ) from None
