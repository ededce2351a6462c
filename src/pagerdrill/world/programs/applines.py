"""What a chatty web application writes to its log, level by level.

Each factory returns one line for a simulated instant; the TextSource turns a
factory and a byte rate into an arbitrarily large, lazily generated log.
"""

from __future__ import annotations

from pagerdrill.world.content import LineFactory, PadFactory
from pagerdrill.world.rng import Rng

from .stamps import iso_ms

__all__ = ["LINE_SIZE_HINT", "app_lines", "app_pad", "db_disk_full_error"]

LINE_SIZE_HINT = 180

_PATHS = ("/api/cart/{n}", "/api/products/{n}", "/api/checkout", "/api/orders/{n}",
          "/api/users/{n}/addresses", "/api/search?q=shoes&page={m}", "/health")
_TABLES = ("cart_items", "products", "orders", "order_lines", "customers", "inventory")


def db_disk_full_error(relfile: str = "base/16384/2619") -> str:
    return f'psycopg2.errors.DiskFull: could not extend file "{relfile}": No space left on device'


def _path(rng: Rng) -> str:
    return rng.choice(_PATHS).format(n=rng.randint(1000, 99999), m=rng.randint(1, 9))


def _debug(app: str, rng: Rng, t_ms: int) -> str:
    stamp = iso_ms(t_ms)
    rid = f"{rng.getrandbits(32):08x}"
    kind = rng.randrange(6)
    if kind == 0:
        return (f'{stamp} DEBUG [{app}.http] --> GET {_path(rng)} request_id={rid} '
                f'headers={{"host": "{app}.internal", "accept": "application/json", '
                f'"x-forwarded-for": "10.0.{rng.randint(1, 9)}.{rng.randint(2, 250)}"}}')
    if kind == 1:
        table = rng.choice(_TABLES)
        return (f"{stamp} DEBUG [{app}.db] SQL: SELECT * FROM {table} WHERE id = %(id)s "
                f"params={{'id': {rng.randint(1, 999999)}}} ({rng.randint(1, 40) / 10:.1f} ms)")
    if kind == 2:
        cents = rng.randint(500, 50000)
        return (f"{stamp} DEBUG [{app}.checkout] compute_total(cart_id={rng.randint(1000, 99999)}) "
                f"items={rng.randint(1, 7)} subtotal={cents / 100:.2f} "
                f"tax={cents * 8 / 10000:.2f} request_id={rid}")
    if kind == 3:
        return (f"{stamp} DEBUG [{app}.cache] cache {rng.choice(('hit', 'miss'))} "
                f"key=product:SKU-{rng.randrange(100000):05d} ttl=300")
    if kind == 4:
        return (f"{stamp} DEBUG [{app}.http] <-- 200 {_path(rng)} "
                f"({rng.randint(20, 900) / 10:.1f} ms) request_id={rid}")
    return (f"{stamp} DEBUG [{app}.pool] checkout connection id={rng.randint(1, 20)} "
            f"in_use={rng.randint(1, 20)}/20 idle={rng.randint(0, 5)}")


def _info(app: str, rng: Rng, t_ms: int) -> str:
    stamp = iso_ms(t_ms)
    if rng.randrange(20) == 0:
        count = rng.randint(900, 4000)
        return f"{stamp} INFO  [{app}.jobs] refreshed product cache ({count} items)"
    return (f"{stamp} INFO  [{app}.http] 200 {rng.choice(('GET', 'GET', 'POST'))} {_path(rng)} "
            f"{rng.randint(20, 900) / 10:.1f}ms")


def _failing(app: str, rng: Rng, t_ms: int, *, debug: bool) -> str:
    stamp = iso_ms(t_ms)
    kind = rng.randrange(4 if debug else 2)
    if kind == 0:
        return f"{stamp} ERROR [{app}.db] INSERT INTO orders failed: {db_disk_full_error()}"
    if kind == 1:
        return (f"{stamp} ERROR [{app}.http] 500 POST /api/checkout "
                f"({rng.randint(5, 90) / 10:.1f} ms) request_id={rng.getrandbits(32):08x}")
    if kind == 2:
        return (f'{stamp} DEBUG [{app}.db] rollback after error in transaction '
                f'(connection id={rng.randint(1, 20)})')
    return _debug(app, rng, t_ms)


def app_lines(app: str, level: int, failing: bool) -> LineFactory:
    """The line factory for an app logging at ``level`` (10 DEBUG ... 40 ERROR)."""
    debug = level <= 10

    def line(rng: Rng, t_ms: int) -> str:
        if failing:
            return _failing(app, rng, t_ms, debug=debug)
        if level >= 30:
            return (f"{iso_ms(t_ms)} WARN  [{app}.http] slow request "
                    f"{_path(rng)} {rng.randint(1000, 3000)}ms")
        return _debug(app, rng, t_ms) if debug else _info(app, rng, t_ms)

    return line


def app_pad(app: str, level: int) -> PadFactory:
    """A chunk's filler line of an exact size: a dump of a request body."""
    tag = "DEBUG" if level <= 10 else "INFO "

    def pad(rng: Rng, t_ms: int, size: int) -> str:
        head = f'{iso_ms(t_ms)} {tag} [{app}.http] request body: {{"items":['
        items: list[str] = []
        length = len(head) + 2
        while length < size:
            item = f'{{"sku":"SKU-{rng.randrange(100000):05d}","qty":{rng.randint(1, 9)}}}'
            items.append(item)
            length += len(item) + 1
        text = head + ",".join(items)
        return (text[: size - 2] + "]}") if len(text) + 2 > size else (text + "]}").ljust(size)

    return pad
