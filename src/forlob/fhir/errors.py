"""FHIR errors: an ``OperationOutcome`` with one issue per problem, each naming where it is.

``expression`` holds a FHIRPath-like location (``Bundle.entry[2].resource.subject``) so a sending
system can point at the field. ``diagnostics`` is Danish text for the people reading the sending
system's error log; it never contains a value from the request (a CPR number sent in the wrong
field must not come back in an error, and so end up in a log).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Issue:
    code: str  # http://hl7.org/fhir/issue-type: invalid, required, value, code-invalid, ...
    diagnostics: str
    expression: str | None = None
    severity: str = "error"

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


@dataclass
class FhirError(Exception):
    """Raised anywhere in the FHIR layer; the view turns it into an OperationOutcome."""

    status: int
    issues: list[Issue] = field(default_factory=list)
    retry_after: int | None = None  # seconds, for 429

    @classmethod
    def one(cls, status: int, code: str, diagnostics: str, expression: str | None = None):
        return cls(status, [Issue(code, diagnostics, expression)])


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in issues]}


def information(text: str) -> dict[str, Any]:
    return operation_outcome([Issue("informational", text, severity="information")])


def pydantic_issues(exc: Any, prefix: str) -> list[Issue]:
    """fhir.resources (pydantic) validation errors as issues, located without echoing values.

    All have the code ``structure``: the resource is not valid R4, which answers 400 (the rules
    we check beyond the structure answer 422)."""
    issues = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "__root__"]
        path = prefix
        for part in loc:
            path += f"[{part}]" if part.isdigit() else f".{part}"
        kind = err.get("type", "")
        if kind == "missing":
            issues.append(Issue("structure", _("A required element is missing."), path))
        elif kind in {"extra_forbidden", "value_error.extra"}:
            issues.append(Issue("structure", _("This element is not allowed here."), path))
        else:
            issues.append(Issue("structure", _("The value has the wrong form or type."), path))
    return issues or [Issue("structure", _("The resource is not valid FHIR R4."), prefix)]
