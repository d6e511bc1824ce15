"""Read and write taxonomy files; every error names the file and the line (from the YAML node marks).

Keys (unknown keys are errors, so a typo never silently drops a definition):

* top level: ``name``, ``description``, then either ``narratives`` (no domains) or ``domains`` (each with ``name``,
  optional ``title``/``description``/``source`` and ``narratives``), and optional ``roles``. The older shorthand
  ``domain: URW`` + ``narratives`` is one domain.
* narrative: ``name`` (required), ``definition``, ``examples``, ``instruction``, ``subnarratives``;
* subnarrative: ``name`` (required), ``definition``, ``examples``, ``instruction``, ``scored`` (false: left out of
  the official SemEval scores);
* role: ``name``, ``definition``, ``fine_roles`` (each ``name``, ``definition``, ``examples``).

``example``/``instructions`` are accepted for ``examples``/``instruction``; examples may be a list of texts.

The file is untrusted input (a model directory carries one): it may be at most ``MAX_BYTES`` long and nest at most
``MAX_DEPTH`` levels; aliases (``*name``) and tags other than YAML's plain ones (``!!python/...``, ``!!binary``) are
refused, so nothing is expanded or constructed; a ``name`` must be text (``12:30`` is a number in YAML: quote it),
and other texts keep their characters as written. Every error names the file and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from narrascope.errors import ConfigError
from narrascope.taxonomy import OTHER, Narrative, Role, Subnarrative, Taxonomy, narrative_label

MAX_BYTES = 5 * 1024 * 1024  # the SemEval taxonomy takes 45 kB
MAX_DEPTH = 20  # the format needs 7 levels (domains, narratives, subnarratives, examples)
STR, NULL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null"
PLAIN_TAGS = {STR, NULL, "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
              "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
TOP_KEYS = {"name", "description", "title", "source", "domain", "domains", "narratives", "roles"}
DOMAIN_KEYS = {"name", "title", "description", "source", "narratives"}
NARRATIVE_KEYS = {"name", "definition", "examples", "example", "instruction", "instructions", "subnarratives"}
SUB_KEYS = {"name", "definition", "examples", "example", "instruction", "instructions", "scored"}
ROLE_KEYS = {"name", "definition", "fine_roles"}
FINE_ROLE_KEYS = {"name", "definition", "examples", "example"}


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe composer with limits: no aliases, at most ``MAX_DEPTH`` levels, plain tags only (the nodes are
    never constructed into Python objects except plain scalars)."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.depth = 0

    def refuse(self, mark: Any, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{mark.line + 1}: {message}")

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise self.refuse(event.start_mark, f"YAML aliases (*{event.anchor}) are not allowed in a taxonomy file; "
                                                "write the text out where it is used")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self.refuse(event.start_mark, f"nested deeper than {MAX_DEPTH} levels; a taxonomy needs 7")
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None and node.tag not in PLAIN_TAGS:
            raise self.refuse(node.start_mark, f"the YAML tag {node.tag!r} is not allowed in a taxonomy file; "
                                               "use plain text, lists and mappings")
        return node


def _compose(path: Path, text: str) -> Node | None:
    """The YAML node tree of ``text`` (read from ``path``), within the limits of ``_BoundedLoader``."""
    loader = _BoundedLoader(text, path)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({exc.problem or exc.context})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None
    finally:
        loader.dispose()


class _Reader:
    """Walks the composed YAML nodes of one file, converting scalars and raising ``ConfigError`` with line numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.constructor = SafeConstructor()

    def error(self, node: Node | None, message: str) -> ConfigError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return ConfigError(f"{self.path}{line}: {message}")

    def mapping(self, node: Node, what: str, allowed: set[str]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.error(node, f"{what} must be a mapping (key: value lines)")
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                raise self.error(key_node, f"{what}: keys must be plain words")
            if key in out:
                raise self.error(key_node, f"{what}: '{key}' appears twice")
            if key not in allowed:
                raise self.error(key_node, f"{what}: unknown key '{key}'; allowed: {', '.join(sorted(allowed))}")
            out[key] = value_node
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, SequenceNode):
            raise self.error(node, f"{what} must be a list (lines starting with '- ')")
        return list(node.value)

    def text(self, entry: dict[str, Node], *keys: str, what: str) -> str:
        """The text under the first of ``keys`` present ('' when absent); a list of texts is joined by spaces."""
        for key in keys:
            if key in entry:
                node = entry[key]
                if isinstance(node, SequenceNode):
                    return " ".join(self.text({"item": n}, "item", what=f"{what}: {key}") for n in node.value)
                if not isinstance(node, ScalarNode):
                    raise self.error(node, f"{what}: '{key}' must be text")
                # the characters as written: `12:30` stays 12:30 (YAML 1.1 would read the number 750), `yes` stays yes
                return "" if node.tag == NULL else str(node.value).strip()
        return ""

    def name(self, entry: dict[str, Node], node: Node, what: str) -> str:
        if "name" in entry and entry["name"].tag not in (STR, NULL):
            kind = entry["name"].tag.rsplit(":", 1)[-1]
            if not isinstance(entry["name"], ScalarNode):  # a list or mapping: quoting would not help
                raise self.error(entry["name"], f"{what}: 'name' must be text, not a YAML {kind}")
            raise self.error(entry["name"], f"{what}: name {entry['name'].value!r} is read as a YAML {kind}, not text; "
                                            "put it in quotes")
        value = self.text(entry, "name", what=what)
        if not value:
            raise self.error(node, f"{what}: missing or empty 'name'")
        if ":" in value:
            raise self.error(entry["name"], f"{what}: name {value!r} must not contain ':' (it separates label levels)")
        return value

    def flag(self, entry: dict[str, Node], key: str, default: bool, what: str) -> bool:
        if key not in entry:
            return default
        value = self.constructor.construct_object(entry[key]) if entry[key].tag == "tag:yaml.org,2002:bool" else None
        if not isinstance(value, bool):
            raise self.error(entry[key], f"{what}: '{key}' must be true or false")
        return value


def read_taxonomy_file(path: Path) -> Taxonomy:
    """The taxonomy in ``path`` (format in the module docstring)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # pragma: no mutate -- one byte past the limit tells; more is the same
        if len(data) > MAX_BYTES:
            raise ConfigError(f"{path}: over {MAX_BYTES // 1_048_576} MB; a taxonomy file is far smaller (the SemEval "
                              "one takes 45 kB)")
        text = data.decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read taxonomy file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 at byte {exc.start}; save the file as UTF-8") from exc
    root = _compose(path, text)
    reader = _Reader(path)
    if root is None:
        raise ConfigError(f"{path}: empty taxonomy file; it needs at least 'narratives'")
    top = reader.mapping(root, "the top level", TOP_KEYS)
    if "domains" in top and ("narratives" in top or "domain" in top):
        raise reader.error(top["domains"], "use either 'domains' (each with its narratives) or top-level "
                                           "'narratives', not both")
    narratives: list[Narrative] = []
    titles: dict[str, str] = {}
    if "domains" in top:
        domain_nodes = reader.sequence(top["domains"], "'domains'")
        if not domain_nodes:
            raise reader.error(top["domains"], "'domains' is empty")
        for i, node in enumerate(domain_nodes, 1):
            entry = reader.mapping(node, f"domain #{i}", DOMAIN_KEYS)
            domain = reader.name(entry, node, f"domain #{i}")
            if domain in titles:
                raise reader.error(node, f"domain #{i} ({domain!r}): duplicate domain name")
            titles[domain] = reader.text(entry, "title", what=f"domain {domain!r}")
            if "narratives" not in entry:
                raise reader.error(node, f"domain {domain!r}: missing 'narratives'")
            narratives.extend(_narratives(reader, entry["narratives"], domain, f"domain {domain!r}, "))
    else:
        if "narratives" not in top:
            raise reader.error(root, "missing 'narratives' (a list of narratives, each with a 'name' and a 'definition')")
        domain = ""
        if "domain" in top:
            domain = reader.text(top, "domain", what="the top level")
            if not domain or ":" in domain:
                raise reader.error(top["domain"], "'domain' must be a short name such as URW or CC")
            titles[domain] = reader.text(top, "title", what="the top level")
        narratives = _narratives(reader, top["narratives"], domain, "")
    main_roles, roles = _roles(reader, top["roles"]) if "roles" in top else ({}, [])
    return Taxonomy(narratives=narratives, main_roles=main_roles, roles=roles,
                    name=reader.text(top, "name", what="the top level") or path.stem,
                    description=reader.text(top, "description", what="the top level"), domain_titles=titles)


def _narratives(reader: _Reader, node: Node, domain: str, where: str) -> list[Narrative]:
    nodes = reader.sequence(node, f"{where}'narratives'")
    if not nodes:
        raise reader.error(node, f"{where}'narratives' is empty; list at least one narrative")
    narratives: list[Narrative] = []
    seen: set[str] = set()
    for i, item in enumerate(nodes, 1):
        what = f"{where}narrative #{i}"
        entry = reader.mapping(item, what, NARRATIVE_KEYS)
        name = reader.name(entry, item, what)
        what = f"{where}narrative #{i} ({name!r})"
        if name in seen:
            raise reader.error(entry["name"], f"{what}: duplicate narrative name")
        if name == OTHER:
            raise reader.error(entry["name"], f"{what}: 'Other' is reserved for documents with no narrative")
        seen.add(name)
        label = narrative_label(domain, name)
        subs: list[Subnarrative] = []
        sub_names: set[str] = set()
        for j, sub_node in enumerate(reader.sequence(entry.get("subnarratives", _NULL), f"{what}: 'subnarratives'"), 1):
            sub_what = f"{what}, subnarrative #{j}"
            sub = reader.mapping(sub_node, sub_what, SUB_KEYS)
            sub_name = reader.name(sub, sub_node, sub_what)
            if sub_name == OTHER:
                raise reader.error(sub["name"], f"{sub_what}: 'Other' is implicit for every narrative; remove it")
            if sub_name in sub_names:
                raise reader.error(sub["name"], f"{sub_what}: duplicate subnarrative name {sub_name!r}")
            sub_names.add(sub_name)
            subs.append(Subnarrative(
                name=sub_name, label=f"{label}: {sub_name}",
                definition=reader.text(sub, "definition", what=sub_what),
                examples=reader.text(sub, "examples", "example", what=sub_what),
                instruction=reader.text(sub, "instruction", "instructions", what=sub_what),
                scored=reader.flag(sub, "scored", True, sub_what),
            ))
        narratives.append(Narrative(
            domain=domain, name=name, label=label,
            definition=reader.text(entry, "definition", what=what),
            example=reader.text(entry, "examples", "example", what=what),
            instruction=reader.text(entry, "instruction", "instructions", what=what),
            subnarratives=tuple(subs),
        ))
    return narratives


_NULL = ScalarNode("tag:yaml.org,2002:null", "")


def _roles(reader: _Reader, node: Node) -> tuple[dict[str, str], list[Role]]:
    main_roles: dict[str, str] = {}
    roles: list[Role] = []
    for i, item in enumerate(reader.sequence(node, "'roles'"), 1):
        entry = reader.mapping(item, f"role #{i}", ROLE_KEYS)
        name = reader.name(entry, item, f"role #{i}")
        main_roles[name] = reader.text(entry, "definition", what=f"role {name!r}")
        for j, fine_node in enumerate(reader.sequence(entry.get("fine_roles", _NULL), f"role {name!r}: 'fine_roles'"), 1):
            what = f"role {name!r}, fine role #{j}"
            fine = reader.mapping(fine_node, what, FINE_ROLE_KEYS)
            roles.append(Role(reader.name(fine, fine_node, what), name, reader.text(fine, "definition", what=what),
                              reader.text(fine, "examples", "example", what=what)))
    return main_roles, roles


def taxonomy_to_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    """``taxonomy`` in the file format, empty fields left out."""

    def narrative(n: Narrative) -> dict[str, Any]:
        out: dict[str, Any] = {"name": n.name, "definition": n.definition, "examples": n.example,
                               "instruction": n.instruction}
        out = {k: v for k, v in out.items() if v}
        if n.subnarratives:
            out["subnarratives"] = [
                {k: v for k, v in {"name": s.name, "definition": s.definition, "examples": s.examples,
                                   "instruction": s.instruction}.items() if v} | ({} if s.scored else {"scored": False})
                for s in n.subnarratives
            ]
        return out

    data: dict[str, Any] = {"name": taxonomy.name}
    if taxonomy.description:
        data["description"] = taxonomy.description
    if taxonomy.domains:
        order = list(dict.fromkeys(n.domain for n in taxonomy.narratives))
        data["domains"] = [
            {k: v for k, v in {"name": d, "title": taxonomy.domain_titles.get(d, "")}.items() if v}
            | {"narratives": [narrative(n) for n in taxonomy.narratives if n.domain == d]}
            for d in order
        ]
    else:
        data["narratives"] = [narrative(n) for n in taxonomy.narratives]
    if taxonomy.main_roles:
        data["roles"] = [
            {"name": main, **({"definition": d} if d else {}),
             "fine_roles": [{k: v for k, v in {"name": r.name, "definition": r.definition, "examples": r.examples}.items() if v}
                            for r in taxonomy.roles if r.main_role == main]}
            for main, d in taxonomy.main_roles.items()
        ]
    return data
