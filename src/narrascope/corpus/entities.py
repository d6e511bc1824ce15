"""How a corpus frames its entities: per entity (and outlet or language), the documents casting it in each role.

Each document counts once per entity, with the role of most of that entity's framed mentions in it (ties: the
alphabetically first role), so that one long article does not outweigh many short ones; syndicated copies are left
out (their origin counts). The whole table comes from the store's maintained counts (``Store.entity_role_totals``:
a page of entities, whatever the store's size); one entity's (``entity=``, a key or a mention's text) from its
mentions.

    from narrascope.corpus.entities import entity_framing
    rows = entity_framing(store, entity="NATO", by="outlet")
    table = entity_table(store, limit=50, offset=50)   # a page of rows, the number of entities and of articles
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from narrascope.errors import ConfigError
from narrascope.components.entities.framer import MAIN_ROLES
from narrascope.store.base import Store

GROUPS = ("outlet", "language")


@dataclass
class EntityFraming:
    """``documents`` framing ``entity`` (in ``group``: an outlet or language; None for the whole corpus), how many of
    them cast it in each main role (``roles``), the most frequent one (``main_role``) and its ``share``."""

    entity: str
    documents: int
    roles: dict[str, int] = field(default_factory=dict)
    main_role: str = ""
    share: float = 0.0
    mentions: int = 0
    group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EntityTable:
    """One page of ``EntityFraming`` rows, with the number of ``entities`` in the whole table (before ``limit`` and
    ``offset``) and of the ``documents`` analysed for entities in the period (articles with at least one framed
    mention; syndicated copies left out)."""

    rows: list[EntityFraming]
    entities: int
    documents: int
    limit: int
    offset: int = 0


def entity_framing(
    store: Store, entity: str | None = None, by: Literal["outlet", "language"] | None = None,
    since: str | None = None, until: str | None = None, limit: int = 20,
) -> list[EntityFraming]:
    """The ``limit`` entities framed in the most documents (or only ``entity``: its key or one of its mention texts),
    largest first; with ``by``, one row per entity and outlet (or language) instead, the entity's largest groups first."""
    return entity_table(store, entity, by, since, until, limit).rows


def entity_table(
    store: Store, entity: str | None = None, by: Literal["outlet", "language"] | None = None,
    since: str | None = None, until: str | None = None, limit: int = 20, offset: int = 0,
) -> EntityTable:
    """``entity_framing`` from the ``offset``-th entity on, with the totals a page needs (``EntityTable``)."""
    if by is not None and by not in GROUPS:
        raise ConfigError(f"entity framing: unknown grouping {by!r}; use {' or '.join(GROUPS)}")
    if limit < 1:
        raise ConfigError(f"entity framing: limit must be positive, got {limit}")
    if offset < 0:
        raise ConfigError(f"entity framing: offset must not be negative, got {offset}")
    counts: dict[str, dict[str | None, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))  # documents per role
    mentions: Counter[tuple[str, str | None]] = Counter()
    if entity is None:  # the store's maintained counts: a page of entities, whatever the store's size
        totals = store.entity_role_totals(by, since, until, limit, offset)
        for counted in totals.rows:
            counts[counted.entity][counted.group][counted.role] += counted.documents
            mentions[(counted.entity, counted.group)] += counted.mentions
        entities, analysed, offset_in_page = totals.entities, totals.documents, 0
    else:
        per_document: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        groups: dict[tuple[str, str], str | None] = {}
        for row in store.entity_role_counts(entity, since, until):
            key = (row.entity, row.document_id)
            per_document[key][row.main_role] += row.mentions
            groups[key] = getattr(row, by) if by else None
        for (name, doc_id), roles in per_document.items():
            group = groups[(name, doc_id)]
            counts[name][group][min(roles, key=lambda r: (-roles[r], r))] += 1
            mentions[(name, group)] += sum(roles.values())
        # the articles analysed for entities are those of every entity
        entities, analysed, offset_in_page = len(counts), store.entity_role_totals(None, since, until, 0).documents, offset
    total = {name: sum(sum(c.values()) for c in by_group.values()) for name, by_group in counts.items()}
    rows = []
    for name in sorted(counts, key=lambda name: (-total[name], name))[offset_in_page : offset_in_page + limit]:
        for group, roles in sorted(counts[name].items(), key=lambda g: (-sum(g[1].values()), str(g[0]))):
            documents = sum(roles.values())
            main = min(roles, key=lambda r: (-roles[r], r))
            ordered = {r: roles[r] for r in (*MAIN_ROLES, *sorted(set(roles) - set(MAIN_ROLES))) if roles[r]}
            rows.append(EntityFraming(name, documents, ordered, main, round(roles[main] / documents, 4), mentions[(name, group)], group))
    return EntityTable(rows, entities, analysed, limit, offset)
