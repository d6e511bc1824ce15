"""On-disk cache of embeddings: one SQLite file, keyed by ``sha256(embedder name + kind + text)``.

SQLite in WAL mode lets many processes read while one writes; each process (and each thread) opens its own
connection lazily, so the cache can be handed to a process pool.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

from narrascope.errors import ConfigError

DEFAULT_DIR = Path("~/.cache/narrascope/embeddings")


def default_cache_dir() -> Path:
    """``$NARRASCOPE_CACHE_DIR`` if set, else ``~/.cache/narrascope/embeddings``."""
    env = os.environ.get("NARRASCOPE_CACHE_DIR")
    return Path(env).expanduser() if env else DEFAULT_DIR.expanduser()


def cache_key(embedder: str, kind: str, text: str) -> str:
    """Hex sha256 of the embedder name, the kind and the text (NUL-separated)."""
    return hashlib.sha256(f"{embedder}\0{kind}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """A persistent ``key -> float32 vector`` table in ``<directory>/embeddings.sqlite``."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.path = self.directory / "embeddings.sqlite"
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30.0)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
                conn.commit()
            except (OSError, sqlite3.Error) as exc:
                raise ConfigError(
                    f"{self.path}: cannot open the embedding cache ({exc}); set NARRASCOPE_CACHE_DIR to a "
                    "writable folder or pass cache=False"
                ) from exc
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys`` (missing keys are simply absent)."""
        found: dict[str, np.ndarray] = {}
        conn = self._conn()
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store ``items`` (existing keys are overwritten)."""
        if not items:
            return
        conn = self._conn()
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with conn:
            conn.executemany("INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def __getstate__(self) -> dict:
        return {"directory": self.directory, "path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.directory, self.path = state["directory"], state["path"]
        self._local = threading.local()
