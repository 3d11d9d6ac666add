"""Fixtures for the JSON API: tokens, and clients that send them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from forlob.core.models import User
from forlob.core.tokens import api_token_create

API = "/api/v1"


@pytest.fixture
def token_for(db: None) -> Callable[..., str]:
    """``token_for(user, days=30)``: a fresh personal API token's secret."""

    def make(user: User, days: int = 30, name: str = "test") -> str:
        return api_token_create(user=user, name=name, days=days).secret

    return make


class ApiClient:
    """A test client that speaks JSON to /api/v1 with a Bearer token (or nothing)."""

    def __init__(self, secret: str | None) -> None:
        headers = {"authorization": f"Bearer {secret}"} if secret else {}
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, params or {})

    def post(self, path: str, body: object = None) -> Any:
        data = json.dumps({} if body is None else body)
        return self.client.post(API + path, data, content_type="application/json")

    def call(self, method: str, path: str, body: object = None) -> Any:
        if method == "get":
            return self.get(path)
        if method == "post":
            return self.post(path, body)
        return getattr(self.client, method)(API + path)


@pytest.fixture
def api_for(token_for: Callable[..., str]) -> Callable[[User | None], ApiClient]:
    """``api_for(user)``: a JSON client authenticated with a new token of ``user``."""

    def make(user: User | None) -> ApiClient:
        return ApiClient(token_for(user) if user is not None else None)

    return make
