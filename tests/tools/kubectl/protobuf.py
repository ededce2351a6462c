"""Decode the Kubernetes protobuf encoding of a Secret (tests only): kubectl 1.37 sends the
body of ``create secret`` as ``application/vnd.kubernetes.protobuf``, a ``k8s\\0`` magic
prefix and a runtime.Unknown envelope around the object's own message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["MAGIC", "secret_from_protobuf"]

MAGIC = b"k8s\x00"
Field = tuple[int, int | bytes]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> Iterator[Field]:
    """(field number, value) pairs: ints for varints, bytes for length-delimited fields."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == 2:
            size, pos = _varint(data, pos)
            yield number, data[pos:pos + size]
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _bytes(fields: list[Field], number: int) -> list[bytes]:
    return [v for n, v in fields if n == number and isinstance(v, bytes)]


def _map(fields: list[Field], number: int) -> dict[str, bytes]:
    """A map<string, string|bytes> field: repeated entries of key = 1, value = 2."""
    out = {}
    for entry in _bytes(fields, number):
        kv = list(_fields(entry))
        out[b"".join(_bytes(kv, 1)).decode()] = b"".join(_bytes(kv, 2))
    return out


def _text(fields: list[Field], number: int) -> str | None:
    found = _bytes(fields, number)
    return found[-1].decode() if found else None


def secret_from_protobuf(body: bytes) -> dict[str, Any]:
    """The Secret in ``body`` as the JSON-shaped dict the API would have received."""
    if not body.startswith(MAGIC):
        raise ValueError("not a Kubernetes protobuf message")
    envelope = list(_fields(body[len(MAGIC):]))
    raw = _bytes(envelope, 2)
    secret = list(_fields(raw[-1] if raw else b""))
    meta = list(_fields(b"".join(_bytes(secret, 1))))
    return {
        # ObjectMeta: name 1, namespace 3, labels 11, annotations 12.
        "metadata": {"name": _text(meta, 1), "namespace": _text(meta, 3),
                     "labels": {k: v.decode() for k, v in _map(meta, 11).items()},
                     "annotations": {k: v.decode() for k, v in _map(meta, 12).items()}},
        # Secret: data 2 (raw bytes, not base64 as in JSON), type 3, stringData 4.
        "data_bytes": _map(secret, 2),
        "stringData": {k: v.decode() for k, v in _map(secret, 4).items()},
        "type": _text(secret, 3),
    }
