"""Cache code read with ast: lock-guarded rebuilds, jittered TTLs, and the TTL it writes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.world.cache.samples import HEADER, NAIVE, SEED

from pagerdrill.world.cache.patterns import analyze, cache_ttl


def test_the_naive_cache_has_neither() -> None:
    code = analyze(NAIVE)
    assert (code.problem, code.locked, code.jittered) == ("", False, False)
    assert cache_ttl(code, {"CACHE_TTL_SECONDS": "600"}, lambda n, a: 0.0, 1) == 600
    assert cache_ttl(code, {}, lambda n, a: 0.0, 1) == 300


def test_the_seed_code_has_both() -> None:
    code = analyze(SEED)
    assert (code.problem, code.locked, code.jittered) == ("", True, True)
    rng = random.Random(4)
    ttls = {cache_ttl(code, {}, lambda n, a: rng.randint(int(a[0]), int(a[1])), 1)
            for _ in range(200)}
    assert min(ttls) >= 270 and max(ttls) <= 330 and len(ttls) > 30


@pytest.mark.parametrize("lock", [
    'r.set(lock_key, "1", nx=True, ex=10)',
    'r.set(lock_key, "1", ex=10, nx=True)',
    'r.set(name=lock_key, value="1", nx=True, px=5000)',
    'r.execute_command("SET", lock_key, "1", "NX", "EX", 10)',
])
def test_lock_forms(lock: str) -> None:
    assert analyze(SEED.replace('r.set(lock_key, "1", nx=True, ex=10)', lock)).locked


@pytest.mark.parametrize("lock", [
    'r.set(lock_key, "1", nx=True)',  # no expiry: a crashed holder keeps it forever
    'r.set(lock_key, "1", ex=10)',  # not NX: everybody "gets" it
    'r.setnx(lock_key, "1")',
    'r.get(lock_key) is None',
])
def test_not_a_lock(lock: str) -> None:
    assert not analyze(SEED.replace('r.set(lock_key, "1", nx=True, ex=10)', lock)).locked


def test_a_lock_taken_into_a_name_counts() -> None:
    source = SEED.replace('    if r.set(lock_key, "1", nx=True, ex=10):',
                          '    got = r.set(lock_key, "1", nx=True, ex=10)\n    if got:')
    assert analyze(source).locked


def test_a_fetch_outside_the_lock_is_a_stampede_still() -> None:
    source = SEED.replace("        return r.get(key)", "        return r.get(key) or fetch_fn()")
    assert not analyze(source).locked


def test_jitter_through_names_and_other_functions() -> None:
    for jitter in ("random.uniform(-30, 30)", "int(ttl * random.random() / 10)",
                   "randint(-30, 30)"):
        source = SEED.replace("random.randint(-30, 30)", jitter)
        if jitter.startswith("randint"):
            source = source.replace("import random\n", "from random import randint\n")
        assert analyze(source).jittered, jitter
    assert not analyze(SEED.replace("random.randint(-30, 30)", "30")).jittered
    # Jitter on one write does not cover another write with a fixed TTL.
    two = SEED + "\n\ndef put(key, value):\n    r.setex(key, 300, value)\n"
    assert not analyze(two).jittered


def test_set_with_ex_is_a_write() -> None:
    source = NAIVE.replace("r.setex(key, ttl, json.dumps(value))",
                           "r.set(key, json.dumps(value), ex=ttl + random.randint(0, 60))")
    code = analyze(source)
    assert code.jittered
    assert cache_ttl(code, {}, lambda n, a: a[1], 1) == 360


def test_errors_python_would_raise() -> None:
    broken = analyze(SEED.replace("    value = r.get(key)\n", "    value = r.get(key\n", 1),
                     "app/cache.py")
    assert broken.problem.startswith('  File "app/cache.py", line ')
    assert "SyntaxError: " in broken.problem and not broken.locked
    unimported = analyze(SEED.replace("import random\n", ""))
    assert unimported.problem == "NameError: name 'random' is not defined"


def test_unknown_ttl_falls_back() -> None:
    code = analyze(NAIVE.replace("r.setex(key, ttl,", "r.setex(key, compute_ttl(key),"))
    assert cache_ttl(code, {}, lambda n, a: 0.0, 123) == 123


@settings(deadline=None)  # parsing under a loaded CI box
@given(st.text(max_size=300))
def test_any_text_gives_a_verdict_or_python_s_error(text: str) -> None:
    code = analyze(text, "app/cache.py")
    assert not (code.problem and (code.locked or code.jittered)) or code.problem.startswith(
        "NameError")


@settings(deadline=None)
@given(st.sampled_from(["", "    x = 1\n", "    r.get(key)\n"]),
       st.integers(min_value=1, max_value=600), st.integers(min_value=0, max_value=120))
def test_the_ttl_evaluated_is_the_code_s(prefix: str, base: int, spread: int) -> None:
    source = HEADER + (f"\n\ndef put(key, value, ttl={base}):\n{prefix}"
                       f"    r.setex(key, ttl + random.randint(-{spread}, {spread}), value)\n")
    code = analyze(source)
    assert code.jittered and not code.problem
    seen = cache_ttl(code, {}, lambda name, args: args[0], 1)
    assert seen == max(1, base - spread)


def test_the_parser_s_own_limits() -> None:
    assert analyze("x = " + "-" * 100_000 + "1").problem == "MemoryError"
    assert analyze("a\x00b").problem == "SyntaxError: source code string cannot contain null bytes"
