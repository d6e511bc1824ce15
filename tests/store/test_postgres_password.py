"""Issue 27, item 13: a PostgreSQL password never appears in an error message, in any of the ways a DSN gives it."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.errors import ConfigError
from narrascope.store import open_store
from narrascope.store.postgres import redact_password

pytest.importorskip("psycopg")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.mark.parametrize("template", [
    "postgresql://app:S3cretPW@127.0.0.1:{port}/corpus",
    "postgresql://app:S3cret%2FPW@127.0.0.1:{port}/corpus",
    "postgresql://127.0.0.1:{port}/corpus?user=app&password=S3cretPW",
])
def test_connection_errors_never_show_the_password(template: str) -> None:
    dsn = template.format(port=_closed_port())
    with pytest.raises(ConfigError) as caught:
        open_store(dsn)
    message = str(caught.value)
    assert "cannot connect to PostgreSQL at" in message and "127.0.0.1" in message and "***" in message
    assert "S3cret" not in message
    result = CliRunner().invoke(app, ["trends", "--db", dsn])
    assert result.exit_code == 2 and "S3cret" not in result.output and "***" in result.output


def test_redaction_keeps_the_rest_of_the_message() -> None:
    dsn = "postgresql://app:S3cretPW@db.example:5432/corpus"
    assert (redact_password(f"cannot connect to PostgreSQL at {dsn}: password authentication failed", dsn)
            == "cannot connect to PostgreSQL at postgresql://app:***@db.example:5432/corpus: password authentication failed")
    assert redact_password("no password here", "postgresql://app@db.example/corpus") == "no password here"
    for dsn in ("host=db user=app password=S3cretPW dbname=corpus", "host=db password='S3cret \\'PW' user=app"):
        shown = redact_password(f"cannot connect to PostgreSQL at {dsn}: failed", dsn)
        assert "S3cret" not in shown and "password=***" in shown and "host=db" in shown
