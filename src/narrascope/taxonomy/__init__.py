"""The two-level narrative taxonomy (URW, CC) and the entity-role taxonomy, loaded from data files.

Label strings follow SemEval-2025 Task 10: ``<DOM>: <Narrative>`` (coarse), ``<DOM>: <Narrative>: <Sub>`` (fine),
``<DOM>: <Narrative>: Other`` when the narrative applies but no listed subnarrative fits, and the bare ``Other`` when
no narrative applies. Users can load their own files in the same format with ``Taxonomy.from_files``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from narrascope.errors import ConfigError

OTHER = "Other"
DATA_FILES = ("urw.yaml", "cc.yaml")
ROLES_FILE = "roles.yaml"


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
    domain: str
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


@dataclass
class Taxonomy:
    """Narratives of one or more domains plus the entity roles, with label look-ups."""

    narratives: list[Narrative]
    main_roles: dict[str, str] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)
    name: str = "semeval2025-task10"

    def __post_init__(self) -> None:
        self._by_label: dict[str, Narrative] = {n.label: n for n in self.narratives}
        self._subs: dict[str, tuple[Narrative, Subnarrative | None]] = {}
        for narrative in self.narratives:
            for sub in narrative.subnarratives:
                self._subs[sub.label] = (narrative, sub)
            self._subs[narrative.other_label] = (narrative, None)

    @property
    def domains(self) -> list[str]:
        return sorted({n.domain for n in self.narratives})

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
        """``URW``/``CC`` for a taxonomy label, ``None`` for ``Other``."""
        if label == OTHER:
            return None
        return self.narrative(label).domain

    def is_known(self, label: str) -> bool:
        return label == OTHER or label in self._by_label or label in self._subs

    def describe(self, label: str) -> str:
        """A natural-language description of a label: its name, definition and examples."""
        if label == OTHER:
            return "No propaganda narrative of the taxonomy applies."
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

    @classmethod
    def from_files(cls, narrative_files: list[Path | str], roles_file: Path | str | None = None) -> Taxonomy:
        """Load a taxonomy from YAML files in the shipped format; errors name the file and the entry."""
        narratives: list[Narrative] = []
        for path in narrative_files:
            narratives.extend(_load_narratives(Path(path)))
        main_roles: dict[str, str] = {}
        roles: list[Role] = []
        if roles_file is not None:
            main_roles, roles = _load_roles(Path(roles_file))
        return cls(narratives=narratives, main_roles=main_roles, roles=roles)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read taxonomy file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a taxonomy file must be a mapping at the top level")
    return data


def _require_str(entry: dict, key: str, path: Path, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: {where}: missing or empty '{key}'")
    if ":" in value and key == "name":
        raise ConfigError(f"{path}: {where}: name {value!r} must not contain ':' (it separates label levels)")
    return value.strip()


def _load_narratives(path: Path) -> list[Narrative]:
    data = _read_yaml(path)
    domain = data.get("domain")
    if not isinstance(domain, str) or not domain.strip() or ":" in domain:
        raise ConfigError(f"{path}: top-level 'domain' must be a short name such as URW or CC")
    entries = data.get("narratives")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: 'narratives' must be a non-empty list")
    narratives = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        where = f"narrative #{i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: {where}: must be a mapping with 'name' and 'subnarratives'")
        name = _require_str(entry, "name", path, where)
        where = f"narrative #{i} ({name!r})"
        if name in seen:
            raise ConfigError(f"{path}: {where}: duplicate narrative name")
        seen.add(name)
        label = f"{domain}: {name}"
        subs_raw = entry.get("subnarratives", [])
        if not isinstance(subs_raw, list):
            raise ConfigError(f"{path}: {where}: 'subnarratives' must be a list")
        subs = []
        for j, sub in enumerate(subs_raw, 1):
            sub_where = f"{where}, subnarrative #{j}"
            if not isinstance(sub, dict):
                raise ConfigError(f"{path}: {sub_where}: must be a mapping with 'name' and 'definition'")
            sub_name = _require_str(sub, "name", path, sub_where)
            if sub_name == OTHER:
                raise ConfigError(f"{path}: {sub_where}: 'Other' is implicit for every narrative; remove it")
            subs.append(
                Subnarrative(
                    name=sub_name,
                    label=f"{label}: {sub_name}",
                    definition=str(sub.get("definition", "") or ""),
                    examples=str(sub.get("examples", "") or ""),
                    instruction=str(sub.get("instruction", "") or ""),
                    scored=bool(sub.get("scored", True)),
                )
            )
        narratives.append(
            Narrative(
                domain=domain.strip(),
                name=name,
                label=label,
                definition=str(entry.get("definition", "") or ""),
                example=str(entry.get("example", "") or ""),
                instruction=str(entry.get("instruction", "") or ""),
                subnarratives=tuple(subs),
            )
        )
    return narratives


def _load_roles(path: Path) -> tuple[dict[str, str], list[Role]]:
    data = _read_yaml(path)
    entries = data.get("main_roles")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: 'main_roles' must be a non-empty list")
    main_roles: dict[str, str] = {}
    roles: list[Role] = []
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: main role #{i}: must be a mapping with 'name' and 'fine_roles'")
        name = _require_str(entry, "name", path, f"main role #{i}")
        main_roles[name] = str(entry.get("definition", "") or "")
        for j, fine in enumerate(entry.get("fine_roles") or [], 1):
            if not isinstance(fine, dict):
                raise ConfigError(f"{path}: main role {name!r}, fine role #{j}: must be a mapping with 'name'")
            fine_name = _require_str(fine, "name", path, f"main role {name!r}, fine role #{j}")
            roles.append(Role(fine_name, name, str(fine.get("definition", "") or ""), str(fine.get("examples", "") or "")))
    return main_roles, roles


@lru_cache(maxsize=1)
def load_default_taxonomy() -> Taxonomy:
    """The SemEval-2025 Task 10 taxonomy shipped with narrascope."""
    data = resources.files("narrascope.taxonomy") / "data"
    with resources.as_file(data) as folder:
        return Taxonomy.from_files([folder / f for f in DATA_FILES], folder / ROLES_FILE)
