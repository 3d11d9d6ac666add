"""Backing up and restoring the whole database: ``forlob backup`` and ``forlob restore``.

A backup is one file plus a JSON manifest beside it (``<file>.json``): when it was made, from
which database vendor, the migration state (latest applied migration per app), the row count of
every table and the SHA-256 of the file. The manifest is written last, so a backup without one is
incomplete and is never restored.

* SQLite: SQLite's online backup API (``sqlite3.Connection.backup``), not a file copy. It copies
  the pages in one step under a read transaction, so the copy is one consistent moment of the
  database even while the app writes to it (WAL: readers never block the writer, nor it them).
  Restore copies the verified backup into a temporary file, checks it (``PRAGMA
  integrity_check``, migrations and row counts against the manifest) and only then copies it
  into the live database, again with the backup API: that runs as one write transaction of the
  target, so connections of a running app see either the old database or the restored one, and a
  failure half-way leaves the old one.
* PostgreSQL: ``pg_dump --format=custom`` inside an exported snapshot, so the dump, the row
  counts and the migration state in the manifest describe the same moment; ``pg_restore --clean
  --if-exists --no-owner --single-transaction``, so a failed restore changes nothing. The
  password goes to the tools in ``PGPASSWORD``, never on their command line (where ``ps`` would
  show it). Debian keeps the client tools in ``/usr/lib/postgresql/VERSION/bin``; we take the
  server's own version when installed, else the newest newer one (``pg_dump`` cannot dump a
  server newer than itself).

Restore refuses a file whose checksum does not match its manifest, a manifest that does not
describe the file, a backup whose migration state is newer than the code (it holds data this
code does not understand), a backup from the other vendor, and - without ``overwrite`` - a
target database that holds data.

A backup holds every citizen's data: files are created readable by their owner only (0600) and
a new backup directory 0700. No message here contains citizen data: errors from SQLite or the
PostgreSQL tools are passed through ``redact`` (a ``COPY`` failure quotes the row it choked on).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

MANIFEST_FORMAT = 1
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
EXTENSIONS = {SQLITE: "sqlite3", POSTGRESQL: "dump"}
PG_LIB_DIR = Path("/usr/lib/postgresql")
# How long a restore waits for another process's write transaction on the SQLite target.
SQLITE_LOCK_WAIT_SECONDS = 60.0
_CHUNK = 1 << 20

# libpq reads these from the environment; Django's OPTIONS keys map onto them.
_PG_ENV = {"NAME": "PGDATABASE", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
_PG_ENV_HOST = {"HOST": "PGHOST", "PORT": "PGPORT"}
_PG_ENV_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
}
# A CPR number as digits, with or without the dash: what a tool's error may quote from a row.
_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})-?\d{4}(?!\d)")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, written beside it as JSON."""

    created_at: str
    vendor: str
    file: str
    size: int
    sha256: str
    migrations: dict[str, str]
    row_counts: dict[str, int]
    server_version: str = ""
    tool: str = ""
    forlob_version: str = ""
    format: int = MANIFEST_FORMAT

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ValueError("unknown manifest format")
        return cls(
            created_at=str(data["created_at"]),
            vendor=str(data["vendor"]),
            file=str(data["file"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
            migrations={str(k): str(v) for k, v in data["migrations"].items()},
            row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
            server_version=str(data.get("server_version", "")),
            tool=str(data.get("tool", "")),
            forlob_version=str(data.get("forlob_version", "")),
        )


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    target: str
    # Migrations this code has that the backup had not applied yet: run ``forlob migrate``.
    pending_migrations: list[str] = field(default_factory=list)


# --- public API -----------------------------------------------------------------------------------


def manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def default_backup_path(*, vendor: str, now: datetime | None = None) -> Path:
    """``var/backups/forlob-YYYYMMDD-HHMMSS.<sqlite3|dump>`` on the local (Copenhagen) clock."""
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"forlob-{stamp}.{EXTENSIONS[vendor]}"


def backup_create(*, path: Path | None = None, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a consistent backup of database ``using`` to ``path`` and its manifest beside it.

    Never overwrites: an existing file at ``path`` (or its manifest) is refused, so an old backup
    cannot be lost to a typo. The file appears under its name only when complete.
    """
    vendor = _vendor(using)
    path = Path(path) if path is not None else default_backup_path(vendor=vendor)
    manifest_path = manifest_path_for(path)
    for existing in (path, manifest_path):
        if existing.exists():
            raise BackupError(f"{existing} already exists; choose another file name.")
    _make_private_dir(path.parent)
    started = timezone.now()  # the snapshot is taken moments after this
    partial = path.with_name(f".{path.name}.partial")
    _create_private_file(partial)
    try:
        if vendor == SQLITE:
            state = _sqlite_backup(_sqlite_path(using), partial)
        else:
            state = _pg_backup(using, partial)
        _fsync(partial)
        digest, size = file_sha256(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    manifest = Manifest(
        created_at=started.astimezone(UTC).isoformat(timespec="seconds"),
        vendor=vendor,
        file=path.name,
        size=size,
        sha256=digest,
        migrations=state.migrations,
        row_counts=state.row_counts,
        server_version=state.server_version,
        tool=state.tool,
        forlob_version=_forlob_version(),
    )
    _write_private_atomically(manifest_path, manifest.to_json())
    _fsync_dir(path.parent)
    return BackupResult(path=path, manifest=manifest)


def backup_verify(path: Path, *, vendor: str) -> Manifest:
    """Check that ``path`` is a complete, unchanged backup this code can restore.

    Reads the manifest, compares the file's SHA-256 and the migration state recorded *in the
    file itself* with it, and refuses a backup from the other vendor or from newer code.
    """
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.vendor != vendor:
        raise BackupError(
            f"{path.name} is a {manifest.vendor} backup; this database is {vendor}. "
            "Restore it into a database of the same kind."
        )
    digest, size = file_sha256(path)
    if digest != manifest.sha256 or size != manifest.size:
        raise BackupError(
            f"{path.name} does not match its manifest (SHA-256 {digest[:12]}..., expected "
            f"{manifest.sha256[:12]}...): the file is damaged or was changed. Not restored."
        )
    if vendor == SQLITE:
        in_file = _sqlite_migrations_in_file(path)
    else:
        in_file = _pg_migrations_in_archive(path)
    if in_file != manifest.migrations:
        raise BackupError(
            f"The migration state inside {path.name} differs from its manifest. Not restored."
        )
    newer = migrations_unknown_to_code(manifest.migrations)
    if newer:
        raise BackupError(
            f"{path.name} was made by a newer version of Forløb (migrations this code does not "
            f"have: {', '.join(newer)}). Restore it with that version, or a newer one."
        )
    return manifest


def backup_restore(
    *, path: Path, using: str = DEFAULT_DB_ALIAS, overwrite: bool = False
) -> RestoreResult:
    """Replace database ``using`` with the backup at ``path``, all or nothing.

    Without ``overwrite`` a target that holds any rows is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    vendor = _vendor(using)
    manifest = backup_verify(path, vendor=vendor)
    if vendor == SQLITE:
        target = _sqlite_path(using)
        _sqlite_restore(path, target, manifest=manifest, overwrite=overwrite)
    else:
        target = connections[using].settings_dict["NAME"]
        _pg_restore(path, using, manifest=manifest, overwrite=overwrite)
    return RestoreResult(
        manifest=manifest,
        target=str(target),
        pending_migrations=migrations_pending(manifest.migrations),
    )


def read_manifest(path: Path) -> Manifest:
    manifest_path = manifest_path_for(Path(path))
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupError(
            f"No manifest {manifest_path.name} beside {Path(path).name}: the backup is "
            "incomplete or the manifest was lost. Not restored."
        ) from None
    try:
        manifest = Manifest.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(f"{manifest_path.name} is not a Forløb backup manifest.") from None
    # ``manifest.file`` is informational: a renamed pair restores (the checksum is the guard).
    return manifest


def file_sha256(path: Path) -> tuple[str, int]:
    """The file's SHA-256 (hex) and size in bytes."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def migrations_unknown_to_code(state: dict[str, str]) -> list[str]:
    """``app.migration`` names in ``state`` that this code does not have (made by newer code)."""
    known = set(_loader().disk_migrations)
    return sorted(f"{app}.{name}" for app, name in state.items() if (app, name) not in known)


def migrations_pending(state: dict[str, str]) -> list[str]:
    """This code's latest migrations not applied in ``state``: the backup is older than the code.

    (A backup newer than the code never gets this far: ``backup_verify`` refuses it.)
    """
    return sorted(
        f"{app}.{name}" for app, name in _loader().graph.leaf_nodes() if state.get(app) != name
    )


def redact(text: str) -> str:
    """Mask anything shaped like a CPR number (``010190-****``) in a tool's error output."""
    return _CPR_LIKE.sub(r"\1-****", text)


# --- shared helpers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    migrations: dict[str, str]
    row_counts: dict[str, int]
    server_version: str
    tool: str


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in EXTENSIONS:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    return vendor


def _loader() -> MigrationLoader:
    return MigrationLoader(None, ignore_no_migrations=True)


def _latest_per_app(rows: Sequence[tuple[int, str, str]]) -> dict[str, str]:
    """The latest applied migration per app from ``django_migrations`` rows (id, app, name).

    Latest in the order they were applied (the row id): a migration applies after its parents.
    """
    latest: dict[str, str] = {}
    for _id, app, name in sorted(rows):
        latest[app] = name
    return dict(sorted(latest.items()))


def _forlob_version() -> str:
    try:
        return metadata.version("forlob")
    except metadata.PackageNotFoundError:
        return ""


def _make_private_dir(directory: Path) -> None:
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)


def _create_private_file(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _write_private_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    _create_private_file(tmp)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        _fsync(directory)


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path(using: str) -> Path:
    name = str(connections[using].settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(name)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sqlite_state(conn: sqlite3.Connection) -> tuple[dict[str, str], dict[str, int]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {}
    for table in tables:
        # A name from sqlite_master, quoted: no user input reaches this SQL.
        query = f"SELECT count(*) FROM {_quote(table)}"  # noqa: S608
        counts[table] = conn.execute(query).fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        migrations = _latest_per_app(
            conn.execute("SELECT id, app, name FROM django_migrations").fetchall()
        )
    return migrations, counts


@contextlib.contextmanager
def _sqlite_connect(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    # mode=rw (or ro): never create an empty database by opening a path that is not there.
    mode = "ro" if readonly else "rw"
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}",
            uri=True,
            timeout=20,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise BackupError(f"Cannot open the SQLite database {path}: {redact(str(exc))}") from None
    try:
        yield conn
    finally:
        conn.close()


def _sqlite_backup(source: Path, dest: Path) -> _State:
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    with _sqlite_connect(source) as src, _sqlite_connect(dest) as dst:
        try:
            # pages=-1: all pages in one step, under one read transaction: one moment.
            src.backup(dst, pages=-1)
            # A backup is a single self-contained file: no -wal/-shm beside it when opened.
            dst.execute("PRAGMA journal_mode=DELETE")
            migrations, counts = _sqlite_state(dst)
            check = dst.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite backup failed: {redact(str(exc))}") from None
    if check != [("ok",)]:
        raise BackupError("The backup copy failed SQLite's integrity check; nothing was written.")
    return _State(
        migrations=migrations,
        row_counts=counts,
        server_version=sqlite3.sqlite_version,
        tool=f"sqlite3 backup API {sqlite3.sqlite_version}",
    )


def _sqlite_migrations_in_file(path: Path) -> dict[str, str]:
    try:
        # immutable=1: read a static file without locking it or creating a journal beside it.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = conn.execute("SELECT id, app, name FROM django_migrations").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        raise BackupError(f"{path.name} is not a readable SQLite backup. Not restored.") from None
    return _latest_per_app(rows)


def _sqlite_has_rows(path: Path) -> int:
    """Rows in the SQLite database at ``path`` (0 when it does not exist or has no tables)."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with _sqlite_connect(path) as conn:
        try:
            _migrations, counts = _sqlite_state(conn)
        except sqlite3.Error as exc:
            raise BackupError(f"Cannot read the database {path}: {redact(str(exc))}") from None
    return sum(counts.values())


def _sqlite_restore(source: Path, target: Path, *, manifest: Manifest, overwrite: bool) -> None:
    rows = _sqlite_has_rows(target)
    if rows and not overwrite:
        raise BackupError(
            f"The database {target} holds data ({rows:,} rows). Restoring replaces all of it; "
            "run again with --yes to go ahead."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # 1. Copy into a temporary file beside the target and check it there, away from the app.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.restore-", dir=target.parent)
    os.close(fd)
    staged = Path(tmp_name)
    created: Path | None = None
    try:
        shutil.copyfile(source, staged)
        with _sqlite_connect(staged) as conn:
            try:
                check = conn.execute("PRAGMA integrity_check").fetchall()
                migrations, counts = _sqlite_state(conn)
            except sqlite3.Error as exc:
                raise BackupError(f"The backup cannot be read: {redact(str(exc))}") from None
        if check != [("ok",)]:
            raise BackupError("The backup failed SQLite's integrity check. Not restored.")
        if migrations != manifest.migrations or counts != manifest.row_counts:
            raise BackupError("The backup's contents differ from its manifest. Not restored.")
        # 2. Replace the target's contents in one write transaction (the backup API again).
        if not target.exists():
            _create_private_file(target)
            created = target
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS

        def give_up_when_locked(status: int, remaining: int, total: int) -> None:
            locked = status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if locked and time.monotonic() > deadline:
                raise BackupError(
                    f"The database {target} stayed locked by another process for "
                    f"{SQLITE_LOCK_WAIT_SECONDS:.0f} s; stop the app and try again. "
                    "Nothing was changed."
                )

        with _sqlite_connect(staged, readonly=True) as src, _sqlite_connect(target) as dst:
            try:
                src.backup(dst, pages=-1, progress=give_up_when_locked)
                after = dst.execute("PRAGMA quick_check").fetchall()
                _migrations, restored_counts = _sqlite_state(dst)
            except sqlite3.Error as exc:
                raise BackupError(f"Restore failed: {redact(str(exc))}") from None
        if after != [("ok",)] or restored_counts != manifest.row_counts:
            raise BackupError(
                f"The restored database {target} does not check out against the manifest; "
                "restore again and do not start the app until it succeeds."
            )
    except BaseException:
        if created is not None:  # leave no empty database behind where there was none
            created.unlink(missing_ok=True)
        raise
    finally:
        staged.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{staged}{suffix}").unlink(missing_ok=True)


# --- PostgreSQL ---------------------------------------------------------------------------------


def _major(version: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version)
    if not match:
        raise ValueError(version)
    return int(match.group(1))


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        # "pg_dump (PostgreSQL) 15.13 (Debian 15.13-0+deb12u1)"
        return _major(out.split(")", 1)[-1])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def pg_tool(
    name: str,
    *,
    server_major: int,
    lib_dir: Path = PG_LIB_DIR,
    search_path: str | None = None,
) -> Path:
    """The ``pg_dump``/``pg_restore``/... to use against a server of major ``server_major``.

    Looks in Debian's ``lib_dir/VERSION/bin`` and on ``PATH``. The server's own version wins;
    failing that the newest newer one (older tools refuse newer servers and archives).
    """
    found: dict[int, Path] = {}
    if lib_dir.is_dir():
        for binary in lib_dir.glob(f"*/bin/{name}"):
            version = binary.parent.parent.name
            if version.isdigit() and os.access(binary, os.X_OK):
                found[int(version)] = binary
    on_path = shutil.which(name, path=search_path)
    if on_path:
        major = _tool_major(Path(on_path))
        if major is not None:
            found.setdefault(major, Path(on_path))
    if server_major in found:
        return found[server_major]
    newer = [v for v in found if v > server_major]
    if newer:
        return found[max(newer)]
    have = ", ".join(str(v) for v in sorted(found)) or "none"
    raise BackupError(
        f"{name} for PostgreSQL {server_major} not found (installed: {have}); "
        f"install it, e.g. apt-get install postgresql-client-{server_major}."
    )


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The connection for libpq tools, as environment variables (the password never in argv)."""
    env = dict(os.environ)
    for key, var in (_PG_ENV | _PG_ENV_HOST).items():
        value = settings_dict.get(key)
        if value not in (None, ""):
            env[var] = str(value)
    for key, var in _PG_ENV_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(key)
        if value not in (None, ""):
            env[var] = str(value)
    return env


def _run_tool(args: list[str], *, env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            args, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{what} could not start: {exc}") from None
    if done.returncode != 0:
        tail = "\n".join(redact(done.stderr).strip().splitlines()[-12:])
        raise BackupError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


@contextlib.contextmanager
def _pg_raw(using: str) -> Iterator[Any]:
    """A fresh connection of our own (psycopg, autocommit), whatever ``using`` is doing."""
    wrapper = connections[using].copy()
    wrapper.ensure_connection()
    try:
        yield wrapper
    finally:
        wrapper.close()


def _pg_tables(cursor: Any) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid) "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY c.relname"
    )
    return [(schema, name) for schema, name in cursor.fetchall()]


def _pg_state(cursor: Any) -> tuple[dict[str, str], dict[str, int]]:
    from psycopg import sql

    tables = _pg_tables(cursor)
    counts: dict[str, int] = {}
    for schema, name in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name)))
        counts[name] = cursor.fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT id, app, name FROM django_migrations")
        migrations = _latest_per_app(cursor.fetchall())
    return migrations, counts


def _pg_server_major(wrapper: Any) -> tuple[int, str]:
    version = int(wrapper.pg_version)  # e.g. 150013
    return version // 10000, f"{version // 10000}.{version % 10000}"


def _pg_backup(using: str, dest: Path) -> _State:
    with _pg_raw(using) as wrapper:
        major, server_version = _pg_server_major(wrapper)
        pg_dump = pg_tool("pg_dump", server_major=major)
        tool = f"pg_dump {pg_tool_version(pg_dump)}"
        raw = wrapper.connection
        with raw.cursor() as cursor:
            # The counts, the migration state and pg_dump all read this one snapshot; the
            # transaction stays open until pg_dump has taken it over.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                migrations, counts = _pg_state(cursor)
                _run_tool(
                    [
                        str(pg_dump),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--no-password",
                        f"--file={dest}",
                    ],
                    env=_pg_env(wrapper.settings_dict),
                    what="pg_dump",
                )
            finally:
                cursor.execute("ROLLBACK")
    return _State(
        migrations=migrations,
        row_counts=counts,
        server_version=server_version,
        tool=tool,
    )


def pg_tool_version(path: Path) -> str:
    major = _tool_major(path)
    return str(major) if major is not None else "?"


def _pg_restore_tool(using: str, path: Path) -> Path:
    """pg_restore for the target server, and at least as new as the pg_dump that wrote ``path``."""
    with _pg_raw(using) as wrapper:
        major, _version = _pg_server_major(wrapper)
    return pg_tool("pg_restore", server_major=max(major, _archive_major(path)))


def _pg_archive_tables(pg_restore: Path, path: Path) -> set[str]:
    listing = _run_tool(
        [str(pg_restore), "--list", str(path)], env=dict(os.environ), what="pg_restore --list"
    )
    # Lines like "215; 1259 16390 TABLE public citizens_citizen forlob"
    tables = set()
    for line in listing.splitlines():
        if line.startswith(";"):
            continue
        parts = line.split()
        if len(parts) >= 6 and parts[3] == "TABLE" and parts[4] != "DATA":
            tables.add(parts[5])
    return tables


def _pg_migrations_in_archive(path: Path) -> dict[str, str]:
    """The ``django_migrations`` rows inside a custom-format archive, without restoring it."""
    pg_restore = pg_tool("pg_restore", server_major=_archive_major(path))
    script = _run_tool(
        [str(pg_restore), "--data-only", "--table=django_migrations", "--file=-", str(path)],
        env=dict(os.environ),
        what="pg_restore",
    )
    rows: list[tuple[int, str, str]] = []
    in_copy = False
    for line in script.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            in_copy = True
            continue
        if in_copy:
            if line == "\\.":
                break
            row_id, app, name, *_rest = line.split("\t")
            rows.append((int(row_id), app, name))
    return _latest_per_app(rows)


def _archive_major(path: Path) -> int:
    """The major version of the pg_dump that wrote ``path`` (from the manifest), for pg_restore."""
    manifest = read_manifest(path)
    try:
        return _major(manifest.tool.removeprefix("pg_dump "))
    except ValueError:
        return _major(manifest.server_version or "0")


def _pg_restore(path: Path, using: str, *, manifest: Manifest, overwrite: bool) -> None:
    settings_dict = connections[using].settings_dict
    name = settings_dict["NAME"]
    pg_restore = _pg_restore_tool(using, path)
    in_archive = _pg_archive_tables(pg_restore, path)
    with _pg_raw(using) as wrapper, wrapper.connection.cursor() as cursor:
        _migrations, counts = _pg_state(cursor)
    rows = sum(counts.values())
    if rows and not overwrite:
        raise BackupError(
            f"The database {name} holds data ({rows:,} rows). "
            "Restoring replaces all of it; run again with --yes to go ahead."
        )
    extra = sorted(set(counts) - in_archive)
    if extra:
        # --clean drops only what the archive has; these would survive next to the restored
        # tables and break ``forlob migrate``. Dropping them first would not be atomic.
        raise BackupError(
            f"The database has tables the backup does not ({', '.join(extra)}), probably from "
            "a newer version. Restore into an empty database (createdb), then run forlob migrate."
        )
    dbname = name or f"service={settings_dict['OPTIONS']['service']}"
    _run_tool(
        [
            str(pg_restore),
            "--clean",
            "--if-exists",
            "--no-owner",
            # One transaction: a restore that fails half-way leaves the database as it was.
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={dbname}",
            str(path),
        ],
        env=_pg_env(settings_dict),
        what="pg_restore",
    )
    with _pg_raw(using) as wrapper, wrapper.connection.cursor() as cursor:
        _migrations, restored = _pg_state(cursor)
    if {t: restored.get(t) for t in manifest.row_counts} != manifest.row_counts:
        raise BackupError(
            "The restored database's row counts differ from the manifest; check the database "
            "before starting the app."
        )
