"""The openssl tests' site: the certificate a day after it expired."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tlsfixture import EXPIRED, TlsSite, make_site


@pytest.fixture
def site(tmp_path: Path) -> TlsSite:
    return make_site(tmp_path, EXPIRED)
