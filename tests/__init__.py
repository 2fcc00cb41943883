"""The test suite; its folders mirror the package (README.md, Layout).

The helper modules that tests import (not test modules, so pytest would not rewrite their
asserts on its own) get pytest's detailed assertion messages too.
"""

import pytest

pytest.register_assert_rewrite(
    "tests.factories", "tests.groups.random_writes", "tests.databases", "tests.servers"
)
