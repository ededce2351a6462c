"""The value languages and typed models of scenario.yaml."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from pagerdrill.game.format import FileSpec, HostSpec, ProgramSpec, ServiceSpec, SourceSpec
from pagerdrill.game.linetemplate import compile_template
from pagerdrill.game.predicates import Predicate, ProbeSpec
from pagerdrill.game.units import (
    REST,
    When,
    format_size,
    parse_duration,
    parse_fill_size,
    parse_mode,
    parse_offset,
    parse_rate,
    parse_size,
    parse_when,
)
from pagerdrill.world.builder import parse_instant
from pagerdrill.world.rng import Rng


@pytest.mark.parametrize(("text", "expected"), [
    ("512", 512), (512, 512), ("4K", 4096), ("1.5M", 1572864), ("64G", 64 << 30),
    ("2T", 2 << 40), ("64GiB", 64 << 30), ("10KB", 10240), ("0", 0), ("4k", 4096),
])
def test_sizes(text: object, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["64Q", "", "G", "-1", "1.2.3G", True, -5])
def test_bad_sizes(bad: object) -> None:
    with pytest.raises(ValueError, match="invalid size"):
        parse_size(bad)


def test_size_message_names_examples() -> None:
    with pytest.raises(ValueError) as info:
        parse_size("64Q")
    assert str(info.value) == "invalid size '64Q' (expected e.g. 512, 4K, 1.5M, 64G)"


def test_fill_size_rest() -> None:
    assert parse_fill_size("rest") == REST
    assert parse_fill_size("1K") == 1024


@settings(deadline=None)  # cheap, but the suite may share a busy machine
@given(st.integers(min_value=0, max_value=1 << 50))
def test_format_size_round_trips(n: int) -> None:
    assert parse_size(format_size(n)) == n


@pytest.mark.parametrize(("text", "ms"), [
    ("30s", 30_000), ("2m", 120_000), ("1h30m", 5_400_000), ("9d", 777_600_000),
    ("250ms", 250), (90, 90_000), ("1.5s", 1500),
])
def test_durations(text: object, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("bad", ["2 minutes", "m", "", "5x", "-3m", True])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(bad)


def test_offsets_and_instants() -> None:
    assert parse_offset("+3m") == 180_000
    assert parse_offset("-9d") == -9 * 86_400_000
    assert parse_when("-9d") == When(offset_ms=-9 * 86_400_000)
    assert parse_when("now") == When()
    absolute = parse_when("2026-03-17T03:07:00Z")
    assert absolute.absolute_ms == parse_instant("2026-03-17T03:07:00Z")
    assert parse_when("-1h").resolve(10_000_000) == 10_000_000 - 3_600_000
    with pytest.raises(ValueError, match="invalid time"):
        parse_when("yesterday")


def test_rates_and_modes() -> None:
    assert parse_rate("37K/s") == 37 * 1024
    assert parse_rate("3G/h") == pytest.approx(3 * (1 << 30) / 3600)
    assert parse_rate(100) == 100.0
    with pytest.raises(ValueError, match="invalid rate"):
        parse_rate("fast")
    assert parse_mode("0644") == 0o644
    assert parse_mode(644) == 0o644
    assert parse_mode("1777") == 0o1777
    with pytest.raises(ValueError, match="invalid mode"):
        parse_mode("0689")


def _errors(model: Any, data: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data) if hasattr(model, "model_validate") else model.validate_python(
            data)
    return [(e["loc"], e["type"]) for e in info.value.errors()]


def test_unknown_keys_rejected_at_every_level() -> None:
    errors = _errors(HostSpec, {"name": "h", "ip": "1.2.3.4", "disk": {"size": "1G", "x": 1},
                                "colour": "red"})
    assert (("disk", "x"), "extra_forbidden") in errors
    assert (("colour",), "extra_forbidden") in errors


def test_file_content_kinds_are_exclusive() -> None:
    assert FileSpec.model_validate({"path": "/a", "content": "x"}).content == "x"
    with pytest.raises(ValidationError, match="give only one of"):
        FileSpec.model_validate({"path": "/a", "content": "x", "size": "1K"})
    with pytest.raises(ValidationError):
        FileSpec.model_validate({"path": "relative", "content": "x"})


def test_program_short_form_and_exclusive_kinds() -> None:
    assert ProgramSpec.model_validate("hooks:App").hook == "hooks:App"
    with pytest.raises(ValidationError, match="exactly one"):
        ProgramSpec.model_validate({"hook": "hooks:A", "builtin": "log_writer"})
    service = ServiceSpec.model_validate({"name": "x", "description": "d", "exec": "/bin/x",
                                          "program": "hooks:X", "restart_sec": "5s"})
    assert service.restart_sec == 5000 and service.program is not None


def test_source_needs_template_or_hook() -> None:
    with pytest.raises(ValidationError, match="exactly one of 'template' or 'hook'"):
        SourceSpec.model_validate({"rate": "1K/s"})


def test_predicate_union() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Predicate)
    spec = adapter.validate_python({"all": [{"disk_used_below": {"percent": 80}},
                                            {"not": {"file_exists": {"path": "/x"}}}]})
    assert type(spec).__name__ == "All"
    with pytest.raises(ValidationError) as info:
        adapter.validate_python({"disk_used_blow": {"percent": 80}})
    assert info.value.errors()[0]["type"] == "union_tag_invalid"
    with pytest.raises(ValidationError) as info:
        adapter.validate_python({"a": 1, "b": 2})
    assert info.value.errors()[0]["type"] == "union_tag_not_found"


def test_probe_union() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(ProbeSpec)
    assert type(adapter.validate_python({"http_ok": {"port": 80}})).__name__ == "HttpOk"
    with pytest.raises(ValidationError):
        adapter.validate_python({"http_ok": {"port": 80, "status": 200}})


def test_line_templates() -> None:
    make = compile_template('${time} ${pick:GET|POST} {"n":${int:1-3}} $$ ${hex:4} ${uuid}')
    line = make(Rng(1), parse_instant("2026-03-17T03:07:00.250Z"))
    assert line.startswith("2026-03-17T03:07:00.250Z ")
    assert '{"n":' in line and " $ " in line
    assert compile_template("${time:%d/%b/%Y:%H:%M:%S.%3f}")(Rng(0), 1_000_123) == \
        "01/Jan/1970:00:16:40.123"
    for bad in ("${nope}", "${int:9-1}", "${hex:x}", "${time"):
        with pytest.raises(ValueError):
            compile_template(bad)
