"""Store fixtures: every store test runs against SQLite and against a throw-away PostgreSQL server.

The PostgreSQL server is initialised in a temporary folder with ``initdb`` and started with ``pg_ctl`` (as the
``postgres`` user when the tests run as root, since PostgreSQL refuses to run as root). The tests skip with the
reason when no server can be started, except under ``CI=true``, where that fails them: CI installs PostgreSQL.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_counter = itertools.count()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _start_postgres() -> tuple[str | None, str, Path | None]:
    """``(dsn, reason, data_dir)``: a running server's admin DSN, or ``None`` and why not."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = bins[-1] if bins else shutil.which("initdb")
    if not initdb:
        return None, "PostgreSQL is not installed (no initdb; apt-get install postgresql)", None
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install 'psycopg[binary]')", None
    root = Path(tempfile.mkdtemp(prefix="narrascope-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        try:
            shutil.chown(root, "postgres")
        except (LookupError, OSError) as exc:
            return None, f"cannot hand {root} to the postgres user: {exc}", None
    port = _free_port()
    try:
        subprocess.run(_as_server_user([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60", "-o",
                                        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log = (root / "log").read_text(errors="replace")[-300:] if (root / "log").exists() else ""
        return None, f"could not start PostgreSQL: {exc} {detail.decode(errors='replace')[-300:]} {log}", None
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", "", data


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Admin DSN of a temporary PostgreSQL server (skips the test when none can be started; fails under CI=true)."""
    dsn, reason, data = _start_postgres()
    if dsn is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and no PostgreSQL for the store tests: {reason}", pytrace=False)
        pytest.skip(reason)
    yield dsn
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl") or "pg_ctl"]
    subprocess.run(_as_server_user([bins[-1], "-D", str(data), "-m", "immediate", "stop"]), capture_output=True, timeout=60)
    shutil.rmtree(Path(str(data)).parent, ignore_errors=True)


def new_postgres_database(admin_dsn: str) -> str:
    """DSN of a fresh, empty database on the server at ``admin_dsn``."""
    import psycopg

    name = f"narrascope_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_dsn.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Location of an empty store: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "corpus.db")
    return new_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def store(store_location: str):  # type: ignore[no-untyped-def]
    """An empty, open store of each kind."""
    from narrascope.store import open_store

    opened = open_store(store_location)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_and_postgres(tmp_path: Path, postgres_server: str):  # type: ignore[no-untyped-def]
    """An empty SQLite store and an empty PostgreSQL store, to compare their answers."""
    from narrascope.store import open_store

    opened = [open_store(tmp_path / "corpus.db"), open_store(new_postgres_database(postgres_server))]
    yield opened
    for store in opened:
        store.close()
