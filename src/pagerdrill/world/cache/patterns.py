"""How application code uses the cache, read from its Python source with ``ast``.

Two properties decide whether a cold or mass-expired cache turns into a stampede:

- **lock**: the recomputation on a miss runs only under a lock taken with
  ``SET lock value NX EX n`` (redis-py ``r.set(k, v, nx=True, ex=10)``, or
  ``r.execute_command("SET", k, v, "NX", "EX", 10)``): every call of the fetch
  function (a parameter called as a function) sits in the body of an ``if``
  (or ``while``) whose test takes such a lock, directly or through a name
  assigned from it. A lock without an expiry is not one: a crashed holder
  would keep it forever.
- **jitter**: every TTL the code writes (``setex(key, ttl, v)``,
  ``set(key, v, ex=ttl)``, ``expire(key, ttl)``) involves a random call
  (``random.randint``...), directly or through names assigned from one.

:func:`cache_ttl` evaluates a write's TTL expression the way Python would
(constants, arithmetic, names, parameter defaults, ``os.environ.get``,
``int()``, ``random.*`` on the world's RNG), so a model writes the TTLs the
code really produces. A module that does not parse gives the interpreter's
``SyntaxError``; a random call through a module that is never imported gives
its ``NameError``.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["CacheCode", "analyze", "cache_ttl"]

_RANDOM_MODULES = ("random", "secrets")
_RANDOM_FUNCS = ("randint", "uniform", "randrange", "random", "choice", "gauss",
                 "triangular", "randbelow")
_WRITES = ("setex", "psetex", "set", "expire", "pexpire")


@dataclass
class CacheCode:
    """What a module's cache code does; ``problem`` is the error Python raises instead."""

    problem: str = ""
    locked: bool = False
    jittered: bool = False
    writes: list[tuple[ast.expr, ast.FunctionDef | ast.AsyncFunctionDef | None]] = field(
        default_factory=list)
    module: ast.Module | None = None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _truthy(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def _method(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def _is_lock_call(call: ast.Call) -> bool:
    """``x.set(k, v, nx=True, ex=n)`` or the raw ``SET k v NX EX n``, with an expiry."""
    if _method(call) == "set":
        has_expiry = _kw(call, "ex") is not None or _kw(call, "px") is not None
        return _truthy(_kw(call, "nx")) and has_expiry
    if _method(call) == "execute_command":
        words = [a.value.upper() for a in call.args
                 if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        return bool(words) and words[0] == "SET" and "NX" in words and (
            "EX" in words or "PX" in words)
    return False


def _write_ttl(call: ast.Call) -> ast.expr | None:
    """The TTL expression of a cache write, or None when the call is not one."""
    method = _method(call)
    if method in ("setex", "psetex", "expire", "pexpire") and len(call.args) >= 2:
        return call.args[1]
    if method == "set" and not _truthy(_kw(call, "nx")):
        return _kw(call, "ex") or _kw(call, "px")
    return None


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _assigned(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """Names bound by plain assignments in ``scope`` (not in nested functions)."""
    found: dict[str, list[ast.expr]] = {}
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and \
                isinstance(node.target, ast.Name) and node.value is not None:
            found.setdefault(node.target.id, []).append(node.value)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _imports(module: ast.Module) -> dict[str, str]:
    """Local name -> what it names: a module (``random``) or ``random.randint``."""
    names: dict[str, str] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _random_call(call: ast.Call, imports: Mapping[str, str]) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        root = imports.get(func.value.id, func.value.id)
        return root in _RANDOM_MODULES and func.attr in _RANDOM_FUNCS
    if isinstance(func, ast.Name):
        target = imports.get(func.id, "")
        return target.split(".")[0] in _RANDOM_MODULES
    return False


class _Scope:
    """Names visible from one function: its assignments, then the module's."""

    def __init__(self, module: ast.Module,
                 function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        self.module_names = _assigned(module)
        self.local = _assigned(function) if function is not None else {}
        self.defaults: dict[str, ast.expr] = {}
        if function is not None:
            args = function.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                    args.defaults, strict=True):
                self.defaults[arg.arg] = default
            for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if kw_default is not None:
                    self.defaults[arg.arg] = kw_default

    def bindings(self, name: str) -> list[ast.expr]:
        found = self.local.get(name) or []
        if name in self.defaults:
            found = [*found, self.defaults[name]]
        return found or self.module_names.get(name, [])


def _tainted(expr: ast.expr, scope: _Scope, imports: Mapping[str, str],
             seen: frozenset[str] = frozenset()) -> bool:
    """Does the value of ``expr`` depend on a random call?"""
    if any(_random_call(c, imports) for c in _calls(expr)):
        return True
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id not in seen and any(
                _tainted(v, scope, imports, seen | {node.id}) for v in scope.bindings(node.id)):
            return True
    return False


def _guarded(function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> bool:
    """Is ``call`` inside an if/while whose test takes an expiring lock?"""
    local = _assigned(function)
    lock_names = {name for name, values in local.items()
                  if any(_is_lock_call(c) for v in values for c in _calls(v))}
    for node in ast.walk(function):
        if not isinstance(node, ast.If | ast.While):
            continue
        test = node.test
        takes_lock = any(_is_lock_call(c) for c in _calls(test)) or any(
            isinstance(n, ast.Name) and n.id in lock_names for n in ast.walk(test))
        if takes_lock and any(inner is call for stmt in node.body for inner in ast.walk(stmt)):
            return True
    return False


def _fetch_calls(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Call]:
    params = {a.arg for a in [*function.args.posonlyargs, *function.args.args,
                              *function.args.kwonlyargs]}
    return [c for c in _calls(function) if isinstance(c.func, ast.Name) and c.func.id in params]


def _unbound_random(module: ast.Module, imports: Mapping[str, str]) -> str:
    for call in _calls(module):
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                func.value.id in _RANDOM_MODULES and func.value.id not in imports:
            return f"NameError: name '{func.value.id}' is not defined"
    return ""


@functools.lru_cache(maxsize=64)
def analyze(source: str, filename: str = "<string>") -> CacheCode:
    """Parse ``source`` and report whether its cache fills are locked and its TTLs jittered.

    Cached by source: every session of a scenario deploys the same few versions of the
    code, so they share one analysis (and its syntax tree). Callers must not change it.
    """
    try:
        module = ast.parse(source, filename)
    except SyntaxError as error:
        where = f'  File "{filename}", line {error.lineno}\n' if error.lineno else ""
        return CacheCode(problem=f"{where}SyntaxError: {error.msg}")
    except (MemoryError, RecursionError) as error:  # the parser's own limits on nesting
        return CacheCode(problem=type(error).__name__)
    try:
        return _analyze(module)
    except RecursionError:  # absurdly deep expressions: give up as the interpreter would
        return CacheCode(problem="RecursionError: maximum recursion depth exceeded")


def _analyze(module: ast.Module) -> CacheCode:
    imports = _imports(module)
    result = CacheCode(module=module)
    functions = [n for n in ast.walk(module)
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    owner: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for function in functions:
        for call in _calls(function):
            owner.setdefault(id(call), function)
    for call in _calls(module):
        ttl = _write_ttl(call)
        if ttl is not None:
            result.writes.append((ttl, owner.get(id(call))))
    result.jittered = bool(result.writes) and all(
        _tainted(ttl, _Scope(module, fn), imports) for ttl, fn in result.writes)
    fillers = [f for f in functions if _fetch_calls(f) and any(
        _write_ttl(c) is not None for c in _calls(f))]
    result.locked = bool(fillers) and all(
        _guarded(f, call) for f in fillers for call in _fetch_calls(f))
    result.problem = _unbound_random(module, imports) if result.jittered else ""
    return result


# -- evaluating a TTL ---------------------------------------------------------------

_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a / b,
}


class _Eval:
    def __init__(self, code: CacheCode, function: ast.FunctionDef | ast.AsyncFunctionDef | None,
                 env: Mapping[str, str], rand: Callable[[str, list[float]], float]) -> None:
        assert code.module is not None
        self.scope = _Scope(code.module, function)
        self.imports = _imports(code.module)
        self.env = env
        self.rand = rand

    def value(self, node: ast.expr, depth: int = 0) -> float | str:
        if depth > 20:
            raise ValueError("too deep")
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str) and \
                not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name):
            bound = self.scope.bindings(node.id)
            if not bound:
                raise ValueError(node.id)
            return self.value(bound[-1], depth + 1)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.number(node.operand, depth)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](self.number(node.left, depth),
                                          self.number(node.right, depth))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise ValueError(ast.dump(node))

    def number(self, node: ast.expr, depth: int) -> float:
        value = self.value(node, depth + 1)
        return float(value) if isinstance(value, str) else value

    def call(self, node: ast.Call, depth: int) -> float | str:
        args = [self.value(a, depth + 1) for a in node.args]
        func = node.func
        name = ""
        if isinstance(func, ast.Name):
            name = self.imports.get(func.id, func.id)
        elif isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):
                name = f"{self.imports.get(base.value.id, base.value.id)}.{base.attr}.{func.attr}"
            elif isinstance(base, ast.Name):
                name = f"{self.imports.get(base.id, base.id)}.{func.attr}"
        if name in ("os.environ.get", "os.getenv"):
            key = str(args[0]) if args else ""
            return self.env.get(key, str(args[1]) if len(args) > 1 else "")
        if name in ("int", "round"):
            return int(float(args[0]))
        if name in ("float",):
            return float(args[0])
        if name in ("max", "min"):
            numbers = [float(a) for a in args]
            return max(numbers) if name == "max" else min(numbers)
        if _random_call(node, self.imports):
            return self.rand(name.rsplit(".", 1)[-1], [float(a) for a in args])
        raise ValueError(name)


def cache_ttl(code: CacheCode, env: Mapping[str, str],
              rand: Callable[[str, list[float]], float], default: int) -> int:
    """The TTL in seconds the code's first cache write gives a key (``default`` when unknown)."""
    for ttl, function in code.writes:
        try:
            value = _Eval(code, function, env, rand).value(ttl)
            seconds = int(float(value))
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            continue
        return max(1, seconds)
    return default
