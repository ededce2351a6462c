"""Log line templates: ``${time} DEBUG [${pick:http|db}] took ${int:1-250}ms``.

A template compiles to a :data:`LineFactory` ``(rng, t_ms) -> str`` for a
:class:`TextSource`. Only ``${...}`` is special (``$$`` is a literal ``$``), so
JSON braces and ``{{ variables }}`` (already substituted) need no escaping.

Placeholders:
``${time}``           2026-03-17T03:07:00.123Z
``${time:FORMAT}``    strftime of the line's instant; ``%3f`` is milliseconds
``${epoch}``          seconds since the epoch; ``${epoch_ms}`` milliseconds
``${int:A-B}``        a uniform integer in [A, B]
``${float:A-B}``      a uniform number in [A, B], two decimals
``${pick:a|b|c}``     one of the alternatives
``${hex:N}``          N lowercase hex digits
``${uuid}``           a random UUID (version 4 layout)
``${ip}``             a private IPv4 address
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable

from pagerdrill.world.content import LineFactory
from pagerdrill.world.rng import Rng

__all__ = ["compile_template"]

_PART = re.compile(r"\$\$|\$\{([^}:]*)(?::([^}]*))?\}")
Piece = Callable[[Rng, int], str]


def _time(fmt: str) -> Piece:
    def render(rng: Rng, t_ms: int) -> str:
        moment = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)
        if not fmt:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"
        return moment.strftime(fmt.replace("%3f", f"{t_ms % 1000:03d}"))

    return render


def _bounds(arg: str, kind: type[int] | type[float]) -> tuple[float, float]:
    match = re.fullmatch(r"\s*(-?[\d.]+)\s*-\s*(-?[\d.]+)\s*", arg)
    if match is None:
        raise ValueError(f"expected ${{{kind.__name__}:LOW-HIGH}}, got '{arg}'")
    low, high = kind(match.group(1)), kind(match.group(2))
    if low > high:
        raise ValueError(f"empty range '{arg}'")
    return low, high


def _piece(name: str, arg: str | None) -> Piece:
    if name == "time":
        return _time(arg or "")
    if name == "epoch":
        return lambda rng, t: str(t // 1000)
    if name == "epoch_ms":
        return lambda rng, t: str(t)
    if name == "int":
        low, high = _bounds(arg or "", int)
        return lambda rng, t: str(rng.randint(int(low), int(high)))
    if name == "float":
        flow, fhigh = _bounds(arg or "", float)
        return lambda rng, t: f"{rng.uniform(flow, fhigh):.2f}"
    if name == "pick":
        options = (arg or "").split("|")
        return lambda rng, t: rng.choice(options)
    if name == "hex":
        if not (arg or "").isdigit():
            raise ValueError(f"expected ${{hex:N}}, got '{arg}'")
        digits = int(arg or "0")
        return lambda rng, t: f"{rng.getrandbits(4 * digits):0{digits}x}"
    if name == "uuid":
        def uuid(rng: Rng, t: int) -> str:
            h = f"{rng.getrandbits(128):032x}"
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

        return uuid
    if name == "ip":
        return lambda rng, t: ".".join(
            ("10", str(rng.randint(0, 255)), str(rng.randint(0, 255)), str(rng.randint(1, 254))))
    raise ValueError(f"unknown placeholder '${{{name}}}' (expected time, epoch, epoch_ms, int, "
                     f"float, pick, hex, uuid or ip)")


def _literal(text: str) -> str:
    if "${" in text:
        raise ValueError(f"unterminated placeholder in template: '{text}'")
    return text


def compile_template(template: str) -> LineFactory:
    """Compile once; raises ValueError naming the first bad placeholder."""
    pieces: list[str | Piece] = []
    pos = 0
    for match in _PART.finditer(template):
        pieces.append(_literal(template[pos:match.start()]))
        if match.group(0) == "$$":
            pieces.append("$")
        else:
            pieces.append(_piece(match.group(1), match.group(2)))
        pos = match.end()
    pieces.append(_literal(template[pos:]))
    if "\n" in template:
        raise ValueError("a line template must be one line (no newline)")

    def make_line(rng: Rng, t_ms: int) -> str:
        return "".join(p if isinstance(p, str) else p(rng, t_ms) for p in pieces)

    return make_line
