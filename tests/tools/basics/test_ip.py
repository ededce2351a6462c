"""ip addr / ip route."""

from __future__ import annotations

from .helpers import Session


def test_ip_addr_shows_the_host_address() -> None:
    s = Session()
    out = s("ip a")
    assert "    inet 10.0.1.10/24 brd 10.0.1.255 scope global eth0\n" in out
    assert out.startswith("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state "
                          "UNKNOWN group default qlen 1000\n")
    assert s("ip -br -4 a") == ("lo               UNKNOWN        127.0.0.1/8 \n"
                                "eth0             UP             10.0.1.10/24 \n")


def test_ip_route_and_errors() -> None:
    s = Session()
    assert s("ip route") == ("default via 10.0.1.1 dev eth0 \n"
                             "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10 \n")
    assert s("ip foo") == 'Object "foo" is unknown, try "ip help".\n'
    assert s.status == 255
