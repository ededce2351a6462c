"""Build hook: the war room's front-end packages come from npm, never from the repository.

Before the Python package is built (``pip install .`` or ``pip install -e .``), ``npm ci``
installs web/package-lock.json's exact versions and the files the pages load are copied
into src/pagerdrill/web/static/vendor/ (git-ignored), so they ship as package data.
``python setup.py vendor`` does only that step.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
WEB = ROOT / "web"
VENDOR = ROOT / "src" / "pagerdrill" / "web" / "static" / "vendor"
# file in web/node_modules -> name the pages load from /static/vendor/
ASSETS = {
    "@xterm/xterm/lib/xterm.js": "xterm.js",
    "@xterm/xterm/css/xterm.css": "xterm.css",
    "@xterm/addon-fit/lib/addon-fit.js": "addon-fit.js",
    "uplot/dist/uPlot.iife.min.js": "uPlot.iife.min.js",
    "uplot/dist/uPlot.min.css": "uPlot.min.css",
}


def vendor_assets() -> None:
    modules = WEB / "node_modules"
    lock = WEB / "package-lock.json"
    stamp = modules / ".package-lock.json"  # npm's record of what it installed
    if not stamp.is_file() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("pagerdrill: npm is needed to install the war room's front-end "
                             "packages (Debian: apt-get install npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=WEB, check=True)
    VENDOR.mkdir(parents=True, exist_ok=True)
    for source, name in ASSETS.items():
        shutil.copyfile(modules / source, VENDOR / name)


class VendorCommand(Command):
    description = "install the front-end packages from npm and copy them into the package"
    user_options: list[tuple[str, str | None, str]] = []

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        vendor_assets()


class BuildWithAssets(build_py):
    def run(self) -> None:
        vendor_assets()
        super().run()


setup(cmdclass={"build_py": BuildWithAssets, "vendor": VendorCommand})
