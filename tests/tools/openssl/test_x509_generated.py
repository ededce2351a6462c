"""Generated certificates: openssl x509's reading of them, ours against the real binary."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.toolkit import run_tool

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.tls import issue_leaf, leaf_key
from pagerdrill.world.tls.certs import self_signed

OPENSSL = shutil.which("openssl")
OPTIONS = ["-noout", "-text", "-serial", "-subject", "-issuer", "-dates", "-fingerprint",
           "-sha256", "-ext", "subjectAltName,basicConstraints"]
labels = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
names = st.lists(st.builds(lambda parts: ".".join(parts), st.lists(labels, min_size=2,
                                                                    max_size=4)),
                 min_size=1, max_size=4, unique=True)
instants = st.integers(1_704_067_200_000, 1_830_000_000_000)  # 2024 to 2027


@pytest.mark.skipif(OPENSSL is None, reason="no openssl binary to compare with")
@settings(max_examples=25, deadline=None)
@given(names=names, serial=st.integers(1, 2**159 - 1), start=instants,
       seed=st.integers(0, 2**32), self_sign=st.booleans())
def test_x509_reads_generated_certificates_like_openssl(names: list[str], serial: int,
                                                        start: int, seed: int,
                                                        self_sign: bool) -> None:
    cert = (self_signed(names[0], seed, start, 365).cert if self_sign else
            issue_leaf(names, leaf_key(seed), start, serial).cert)
    host = add_linux_host(new_world(0), "web-01")
    host.fs.put("/root/cert.pem", cert)
    ours = run_tool(host, ["openssl", "x509", "-in", "/root/cert.pem", *OPTIONS])
    assert OPENSSL is not None
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "cert.pem").write_bytes(cert)
        real = subprocess.run([OPENSSL, "x509", "-in", "cert.pem", *OPTIONS], cwd=tmp,
                              capture_output=True)
    assert (ours.out, ours.err, ours.status) == (real.stdout.decode(), real.stderr.decode(),
                                                 real.returncode)
