"""The package's shape: layers import downwards only and no two modules import each other (directly or in a loop).

Every ``import`` counts, also those inside functions: a lazy import still ties a lower layer to a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "narrascope"

# Bottom to top; a module may import its own layer's modules and those of lower layers only.
LAYERS: list[set[str]] = [
    {"errors", "shipped", "documents", "dates", "sentences", "registry", "taxonomy", "annotations"},
    {"io", "embeddings", "llm"},
    {"components"},
    {"pipeline"},
    {"semeval"},
    {"training"},
    {"corpus", "store", "engines"},
    {"web", "cli", "__init__"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The narrascope modules ``path`` imports (``from narrascope.x import y`` counts ``narrascope.x.y`` when that is
    a module, else ``narrascope.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("narrascope"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("narrascope") and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(p) for p in FILES}


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for level, names in enumerate(LAYERS):
        if top in names:
            return level
    raise AssertionError(f"{module} is in no layer; add its folder to LAYERS (and docs/architecture.md)")


def test_every_module_is_in_a_layer():
    for module in MODULES:
        _layer(module)


def test_imports_point_to_lower_layers_only():
    upward = []
    for path in FILES:
        module = _module_name(path)
        for target in _imports(path):
            if target in MODULES and _layer(target) > _layer(module):
                upward.append(f"{module} -> {target}")
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(sorted(upward))


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in FILES:
        module = _module_name(path)
        # a package's __init__ re-exporting its submodules is not a cycle with them
        graph[module] = {t for t in _imports(path) if t in MODULES and t != module and not t.startswith(module + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_taxonomy_and_the_semeval_adapter_load_the_default_taxonomy() -> None:
    # everything else gets its taxonomy passed in: from the model, the training data or the user's file
    allowed = ("narrascope.taxonomy", "narrascope.semeval")
    users = sorted(_module_name(path) for path in FILES if "load_default_taxonomy" in path.read_text(encoding="utf-8"))
    assert users and all(u.startswith(allowed) for u in users), [u for u in users if not u.startswith(allowed)]
