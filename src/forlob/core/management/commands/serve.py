"""``forlob serve``: serve the app with waitress (a production-grade pure-Python WSGI server)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Forløb over HTTP with waitress."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        from waitress import serve

        from forlob.wsgi import application

        self.stdout.write(f"Forløb: http://{host}:{port}/  (Ctrl+C stops)")
        serve(application, host=host, port=port, threads=threads, ident="forlob")
