"""Cache code the analysis and the fleet model are tested on."""

from __future__ import annotations

__all__ = ["HEADER", "NAIVE", "SEED"]

HEADER = '''import json
import os
import random
import time

import redis

r = redis.Redis()
CACHE_TTL = int(os.environ.get("CACHE_TTL_SECONDS", "300"))
'''
NAIVE = HEADER + '''

def get_cached(key, fetch_fn, ttl=CACHE_TTL):
    value = r.get(key)
    if value is not None:
        return json.loads(value)
    value = fetch_fn()
    r.setex(key, ttl, json.dumps(value))
    return value
'''
# The seed's get_with_lock, with the seed's jitter.
SEED = HEADER + '''

def get_with_lock(key, fetch_fn, ttl=300):
    value = r.get(key)
    if value:
        return value
    lock_key = f"lock:{key}"
    if r.set(lock_key, "1", nx=True, ex=10):
        try:
            value = fetch_fn()
            base_ttl = ttl
            jitter = random.randint(-30, 30)
            r.setex(key, base_ttl + jitter, value)
            return value
        finally:
            r.delete(lock_key)
    else:
        time.sleep(0.1)
        return r.get(key)
'''
