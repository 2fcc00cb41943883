"""The package imports one way only: no circle among its modules, none among its
first-level parts (expense_tracker.X -> expense_tracker.Y), and every such edge points down
the layers below. Imports inside functions count: they are circles all the same, only
hidden until the function runs. And services hand back data: the request and response
schemas are read by the views and by the few modules SCHEMA_READERS names, no other."""

from __future__ import annotations

import ast
from pathlib import Path

import expense_tracker

PACKAGE = Path(expense_tracker.__file__).parent

# Lowest first. A part may import its own layer's parts and those of the layers below,
# never above: features (auth, groups...) build on the change log and the request
# pipeline; the feed reads what the features write; the factory and the commands put
# everything together.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer.split())
    for layer in (
        "domain",
        "database pool_liveness observability docs_assets",
        "errors fields money_fields schemas extensions",
        "etag pagination openapi models",
        "changelog",
        "http",
        "auth expenses groups currencies notifications receipts recurring health",
        "sync",
        "seeding backup web",
        "cli",
        "factory",
    )
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            # The package itself is the application factory, which every module's import
            # runs first whatever it imports: an edge to it says nothing of the layers.
            graph[name] |= {t for t in targets if t in modules and t != "expense_tracker"}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively: the circles of the graph (components of 2 or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def part_of(module: str) -> str:
    """The first-level part a module belongs to: `groups` for expense_tracker.groups.access."""
    return module.split(".")[1]


def part_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    parts: dict[str, set[str]] = {part_of(name): set() for name in graph if "." in name}
    for name, targets in graph.items():
        if "." in name:
            parts[part_of(name)] |= {part_of(t) for t in targets} - {part_of(name)}
    return parts


def layer_of(part: str) -> int:
    return next(level for level, layer in enumerate(LAYERS) if part in layer)


def test_no_module_is_in_an_import_circle() -> None:
    assert [sorted(circle) for circle in strongly_connected(import_graph())] == []


def test_no_first_level_part_is_in_an_import_circle() -> None:
    parts = part_graph(import_graph())
    assert [sorted(circle) for circle in strongly_connected(parts)] == []


def test_every_part_imports_only_its_own_layer_and_those_below() -> None:
    parts = part_graph(import_graph())
    unplaced = sorted(part for part in parts if not any(part in layer for layer in LAYERS))
    assert unplaced == [], "place each new part in LAYERS"
    upward = sorted(
        f"{part} -> {target}"
        for part, targets in parts.items()
        for target in targets
        if layer_of(target) > layer_of(part)
    )
    assert upward == []


# The modules besides views, schemas and the blueprints that may read a feature's request
# and response schemas, and why.
SCHEMA_READERS = {
    "expense_tracker.cli": "create-user checks its arguments as sign-up does",
    "expense_tracker.expenses.csv_io": "a CSV row is refused for exactly what a POST is",
    "expense_tracker.recurring.templates": "a stored template is a POSTed expense, kept",
    "expense_tracker.groups.activity.snapshots": "an entry keeps what GET answered then",
    "expense_tracker.sync.documents": "the feed sends what GET answers now",
}
VIEW_MODULES = ("views", "member_views", "routes", "blueprint", "schemas")


def test_services_return_data_and_only_views_dump_schemas() -> None:
    readers = sorted(
        name
        for name, targets in import_graph().items()
        if name.rsplit(".", 1)[-1] not in VIEW_MODULES
        and any(
            t.rsplit(".", 1)[-1] == "schemas" and t != "expense_tracker.schemas" for t in targets
        )
    )
    assert readers == sorted(SCHEMA_READERS)


def test_a_circle_is_found_between_parts_and_within_them() -> None:
    # The checks above would pass on any graph if the search missed circles.
    graph = {"a.x": {"b.y"}, "b.y": {"c.z"}, "c.z": {"a.x"}, "d.w": {"a.x"}}
    assert [sorted(circle) for circle in strongly_connected(graph)] == [["a.x", "b.y", "c.z"]]
    modules = {
        "expense_tracker.groups.access": {"expense_tracker.auth.service"},
        "expense_tracker.auth.service": {"expense_tracker.groups.membership"},
        "expense_tracker.groups.membership": set(),
    }
    assert strongly_connected(modules) == []
    assert [sorted(c) for c in strongly_connected(part_graph(modules))] == [["auth", "groups"]]


def test_the_old_pipeline_modules_are_gone() -> None:
    for old in (
        "api.py",
        "hooks.py",
        "idempotency.py",
        "ratelimit.py",
        "auth/jwt_manager.py",
        "auth/authentication.py",
    ):
        assert not (PACKAGE / old).exists(), old
