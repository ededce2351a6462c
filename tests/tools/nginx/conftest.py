"""The web host fixture (see stack.py)."""

from __future__ import annotations

import pytest
from tests.tools.nginx.stack import web_host

from pagerdrill.world.host import Host


@pytest.fixture
def web() -> Host:
    return web_host()
