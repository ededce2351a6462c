"""The built-in scenarios' tests."""

import pytest

# The shared checks in kit.py assert; rewritten, their failures show the values compared.
pytest.register_assert_rewrite("tests.scenarios.kit")
