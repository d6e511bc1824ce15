"""Narrative taxonomies: narratives with optional subnarratives, optional domains and entity roles, from YAML files.

One file format serves the shipped SemEval-2025 Task 10 taxonomy (``data/semeval2025-task10.yaml``) and a user's
own narratives (``docs/custom-narratives.md`` documents it)::

    name: analyst-demo                     # optional; default: the file name
    narratives:
      - name: Climate change downplayed    # required, unique, no ':'
        definition: The article denies or minimises climate change.
        examples: ...                      # optional (text or a list of texts); also instruction
        subnarratives:                     # optional
          - name: Climate cycles are natural
            definition: Warming is presented as a natural cycle.

or, with domains (SemEval: URW and CC), ``domains: [{name: URW, title: ..., narratives: [...]}, ...]``; plus optional
``roles: [{name: Protagonist, definition: ..., fine_roles: [{name: Guardian, definition: ...}]}]``.

Label strings: ``<Narrative>``, ``<Narrative>: <Subnarrative>`` and ``<Narrative>: Other`` (the narrative applies,
no listed subnarrative fits); with domains each label starts with ``<DOMAIN>: `` (``URW: Discrediting Ukraine``);
the bare ``Other`` means no narrative applies. Errors name the file and line (``taxonomy.files``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

OTHER = "Other"
DEFAULT_FILE = "semeval2025-task10.yaml"
TAXONOMY_FILE = "taxonomy.yaml"  # the taxonomy a trained model carries, inside its directory


@dataclass(frozen=True)
class Subnarrative:
    name: str
    label: str
    definition: str = ""
    examples: str = ""
    instruction: str = ""
    scored: bool = True


@dataclass(frozen=True)
class Narrative:
    domain: str  # "" in a taxonomy without domains
    name: str
    label: str
    definition: str = ""
    example: str = ""
    instruction: str = ""
    subnarratives: tuple[Subnarrative, ...] = ()

    @property
    def other_label(self) -> str:
        """The fine label used when this narrative applies but none of its subnarratives fits."""
        return f"{self.label}: {OTHER}"


@dataclass(frozen=True)
class Role:
    name: str
    main_role: str
    definition: str = ""
    examples: str = ""


def narrative_label(domain: str, name: str) -> str:
    """The label of narrative ``name`` in ``domain`` (``""``: a taxonomy without domains)."""
    return f"{domain}: {name}" if domain else name


@dataclass
class Taxonomy:
    """Narratives (of one implicit or several named domains) plus the entity roles, with label look-ups."""

    narratives: list[Narrative]
    main_roles: dict[str, str] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)
    name: str = "semeval2025-task10"
    description: str = ""
    domain_titles: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_label: dict[str, Narrative] = {n.label: n for n in self.narratives}
        self._subs: dict[str, tuple[Narrative, Subnarrative | None]] = {}
        for narrative in self.narratives:
            for sub in narrative.subnarratives:
                self._subs[sub.label] = (narrative, sub)
            self._subs[narrative.other_label] = (narrative, None)

    @property
    def domains(self) -> list[str]:
        """The named domains (empty for a taxonomy without domains: one implicit domain)."""
        return sorted({n.domain for n in self.narratives if n.domain})

    @property
    def coarse_labels(self) -> list[str]:
        """All narrative labels and the bare ``Other``."""
        return [n.label for n in self.narratives] + [OTHER]

    @property
    def fine_labels(self) -> list[str]:
        """All subnarrative labels including each ``<Narrative>: Other``, and the bare ``Other``."""
        labels: list[str] = []
        for narrative in self.narratives:
            labels.extend(s.label for s in narrative.subnarratives)
            labels.append(narrative.other_label)
        return labels + [OTHER]

    @property
    def labels(self) -> set[str]:
        """Every label this taxonomy can output."""
        return set(self.coarse_labels) | set(self.fine_labels)

    @property
    def fine_roles(self) -> list[str]:
        return [r.name for r in self.roles]

    def narrative(self, label: str) -> Narrative:
        """The narrative of a coarse or fine label; ``KeyError`` if unknown."""
        if label in self._by_label:
            return self._by_label[label]
        return self._subs[label][0]

    def subnarrative(self, label: str) -> Subnarrative | None:
        """The subnarrative of a fine label (``None`` for ``<Narrative>: Other``); ``KeyError`` if unknown."""
        return self._subs[label][1]

    def parent(self, fine_label: str) -> str:
        """The coarse label implied by a fine label (``Other`` for ``Other``)."""
        if fine_label == OTHER:
            return OTHER
        return self.narrative(fine_label).label

    def domain_of(self, label: str) -> str | None:
        """The domain of a taxonomy label (``URW``/``CC``; ``""`` without domains), ``None`` for ``Other``."""
        if label == OTHER:
            return None
        return self.narrative(label).domain

    def is_known(self, label: str) -> bool:
        return label == OTHER or label in self._by_label or label in self._subs

    def is_fine(self, label: str) -> bool:
        """Whether ``label`` is a subnarrative label (incl. ``<Narrative>: Other``) of this taxonomy."""
        return label in self._subs

    def describe(self, label: str) -> str:
        """A natural-language description of a label: its name, definition and examples."""
        if label == OTHER:
            return "No narrative of the taxonomy applies."
        narrative = self.narrative(label)
        if label == narrative.label:
            return f"{narrative.name}. {narrative.definition} {narrative.example}".strip()
        sub = self.subnarrative(label)
        if sub is None:
            return f"{narrative.name}. {narrative.definition}".strip()
        return f"{narrative.name}: {sub.name}. {sub.definition} {sub.examples}".strip()

    def role_main(self, fine_role: str) -> str:
        """The main role (Protagonist/Antagonist/Innocent) a fine role belongs to."""
        for role in self.roles:
            if role.name == fine_role:
                return role.main_role
        raise KeyError(fine_role)

    # ---- files ----------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The taxonomy in the file format (what ``save`` writes and ``load_taxonomy`` reads back)."""
        from narrascope.taxonomy.files import taxonomy_to_dict

        return taxonomy_to_dict(self)

    def save(self, path: Path | str) -> None:
        """Write the taxonomy as a YAML file in the documented format."""
        import yaml

        Path(path).write_text(yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=120),
                              encoding="utf-8")

    @classmethod
    def from_file(cls, path: Path | str) -> Taxonomy:
        """Load one taxonomy file; a ``ConfigError`` names the file and line of a problem."""
        from narrascope.taxonomy.files import read_taxonomy_file

        return read_taxonomy_file(Path(path))

    @classmethod
    def from_files(cls, narrative_files: list[Path | str], roles_file: Path | str | None = None) -> Taxonomy:
        """Several taxonomy files merged into one (narratives in file order; roles from ``roles_file`` or the files)."""
        parts = [cls.from_file(p) for p in narrative_files]
        if roles_file is not None:
            parts.append(cls.from_file(roles_file))
        roles_from = next((p for p in reversed(parts) if p.roles), None)
        merged = cls(narratives=[n for p in parts for n in p.narratives],
                     main_roles=dict(roles_from.main_roles) if roles_from else {},
                     roles=list(roles_from.roles) if roles_from else [],
                     name=parts[0].name if len(parts) == 1 else "+".join(p.name for p in parts),
                     domain_titles={k: v for p in parts for k, v in p.domain_titles.items()})
        return merged


def load_taxonomy(path: Path | str) -> Taxonomy:
    """A taxonomy file, or the taxonomy a trained model carries (a model directory with ``taxonomy.yaml``)."""
    path = Path(path)
    if path.is_dir():
        own = path / TAXONOMY_FILE
        if own.exists():
            return Taxonomy.from_file(own)
        if (path / "config.json").exists():  # a model saved before models carried their taxonomy: SemEval's
            return load_default_taxonomy()
        from narrascope.errors import ConfigError

        raise ConfigError(f"{path}: neither a taxonomy file nor a model directory with {TAXONOMY_FILE}")
    return Taxonomy.from_file(path)


@lru_cache(maxsize=1)
def load_default_taxonomy() -> Taxonomy:
    """The SemEval-2025 Task 10 taxonomy shipped with narrascope."""
    data = resources.files("narrascope.taxonomy") / "data" / DEFAULT_FILE
    with resources.as_file(data) as path:
        return Taxonomy.from_file(path)
