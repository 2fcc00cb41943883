"""The request pipeline's modules import each other in one direction only: no circle
through http/, extensions.py or models/idempotency.py (imports inside functions count)."""

from __future__ import annotations

import ast
from pathlib import Path

import expense_tracker

PACKAGE = Path(expense_tracker.__file__).parent
WATCHED = (
    "expense_tracker.http",
    "expense_tracker.extensions",
    "expense_tracker.models.idempotency",
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


def test_the_pipeline_modules_are_in_no_import_circle() -> None:
    circles = [
        sorted(circle)
        for circle in strongly_connected(import_graph())
        if any(name.startswith(WATCHED) for name in circle)
    ]
    assert circles == []


def test_the_old_pipeline_modules_are_gone() -> None:
    for old in ("api.py", "hooks.py", "idempotency.py", "ratelimit.py", "auth/jwt_manager.py"):
        assert not (PACKAGE / old).exists(), old
