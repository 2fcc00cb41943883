"""Every kind of problem the API defines is asserted somewhere in the suite.

tests/problems.py writes the kinds out on its own (a test's expectation does not come from
the code under test); here the two lists must agree, and each kind must be the literal
`kind` of at least one `assert_problem(response, status, "kind")` call in tests/.
"""

import ast
from pathlib import Path

from expense_tracker.errors import PROBLEM_TYPES, SPECIFIC_PROBLEM_TYPES
from tests.problems import GENERIC_KIND, PROBLEM_KINDS

TESTS = Path(__file__).resolve().parents[1]


def defined_by_the_api() -> dict[str, tuple[int, str]]:
    kinds = {path: (status, title) for status, (path, title) in PROBLEM_TYPES.items()}
    kinds.update(SPECIFIC_PROBLEM_TYPES)
    return {path.removeprefix("/problems/"): value for path, value in kinds.items()}


def asserted_kinds() -> dict[str, list[str]]:
    """Each literal kind of an assert_problem call in tests/, with where it is."""
    seen: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "assert_problem"
                and len(node.args) == 3
                and isinstance(node.args[2], ast.Constant)
            ):
                where = f"{path.relative_to(TESTS.parent)}:{node.lineno}"
                seen.setdefault(node.args[2].value, []).append(where)
    return seen


def test_the_helper_knows_exactly_the_kinds_the_api_defines():
    assert defined_by_the_api() == PROBLEM_KINDS
    for status, kind in GENERIC_KIND.items():
        assert PROBLEM_KINDS[kind][0] == status
        assert PROBLEM_TYPES[status][0] == f"/problems/{kind}"


def test_every_kind_of_problem_is_asserted_by_some_test():
    asserted = asserted_kinds()
    never = sorted(set(PROBLEM_KINDS) - set(asserted))
    assert not never, f"no test provokes and asserts these problems: {never}"
    unknown = sorted(set(asserted) - set(PROBLEM_KINDS))
    assert not unknown, {kind: asserted[kind] for kind in unknown}
