"""``pagerdrill serve``: the war room on uvicorn, with SQLite under the user's data dir."""

from __future__ import annotations

import os
from pathlib import Path

from pagerdrill.web.socket import MAX_EDITOR_BYTES

__all__ = ["ServeError", "data_dir", "run_server"]


class ServeError(Exception):
    """Why the server cannot start, in one line."""


def data_dir() -> Path:
    """``$XDG_DATA_HOME/pagerdrill`` (default ``~/.local/share/pagerdrill``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"),
                                                           ".local", "share")
    return Path(base) / "pagerdrill"


def run_server(host: str, port: int, db_url: str | None) -> None:
    import uvicorn

    from pagerdrill.web.app import ServeSettings, create_app, missing_vendor_files
    from pagerdrill.web.store import StoreError, default_db_url

    missing = missing_vendor_files()
    if missing:
        raise ServeError("the web assets from npm are missing (" + ", ".join(missing) +
                         "): reinstall with `pip install .` from a checkout (it runs "
                         "`npm ci` in web/), or run `python setup.py vendor`")
    if not 0 < port < 65536:
        raise ServeError(f"--port must be 1-65535, not {port}")
    url = db_url or default_db_url(data_dir())
    try:
        app = create_app(ServeSettings(db_url=url))
    except StoreError as exc:
        raise ServeError(str(exc)) from None
    print(f"pagerdrill war room on http://{host}:{port}/  (store: "
          f"{app.state.room.store.engine.url.render_as_string()})", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning",
                    ws_max_size=MAX_EDITOR_BYTES + 4096, proxy_headers=False)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
