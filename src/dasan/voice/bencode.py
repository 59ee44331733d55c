"""Bencode, the encoding of rtpengine's ng control protocol.

Written here rather than taken from PyPI: the packages measured (fastbencode) reject dictionaries
whose keys are not sorted, and rtpengine's replies are not sorted. Encoding sorts keys, as the
format asks; decoding accepts any order and gives dictionary keys as `str`, values as `bytes`.
"""

from __future__ import annotations

from typing import Any


class BencodeError(ValueError):
    """The bytes are not bencode."""


def encode(value: Any) -> bytes:
    """Encode ints, bools, str/bytes, lists/tuples and dicts (keys sorted)."""
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def _encode(v: Any, out: list[bytes]) -> None:
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        out.append(b"i%de" % v)
    elif isinstance(v, str):
        b = v.encode()
        out.append(b"%d:%s" % (len(b), b))
    elif isinstance(v, (bytes, bytearray)):
        out.append(b"%d:%s" % (len(v), bytes(v)))
    elif isinstance(v, (list, tuple)):
        out.append(b"l")
        for x in v:
            _encode(x, out)
        out.append(b"e")
    elif isinstance(v, dict):
        out.append(b"d")
        for k, x in sorted(((k.encode() if isinstance(k, str) else bytes(k)), x) for k, x in v.items()):
            _encode(k, out)
            _encode(x, out)
        out.append(b"e")
    else:
        raise TypeError(f"cannot bencode {type(v).__name__}")


def decode(data: bytes) -> Any:
    """Decode one bencoded value that fills `data` exactly."""
    try:
        value, end = _decode(data, 0, 0)
    except (IndexError, ValueError) as exc:
        raise BencodeError(f"not bencode: {exc}") from None
    if end != len(data):
        raise BencodeError("trailing bytes after the value")
    return value


def _decode(b: bytes, i: int, depth: int) -> tuple[Any, int]:
    if depth > 64:
        raise ValueError("nested too deeply")
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        items: list[Any] = []
        i += 1
        while b[i:i + 1] != b"e":
            if i >= len(b):
                raise ValueError("unterminated list")
            x, i = _decode(b, i, depth + 1)
            items.append(x)
        return items, i + 1
    if c == b"d":
        d: dict[str, Any] = {}
        i += 1
        while b[i:i + 1] != b"e":
            if i >= len(b):
                raise ValueError("unterminated dictionary")
            k, i = _decode(b, i, depth + 1)
            if not isinstance(k, bytes):
                raise ValueError("dictionary key is not a string")
            d[k.decode(errors="replace")], i = _decode(b, i, depth + 1)
        return d, i + 1
    if c.isdigit():
        j = b.index(b":", i)
        n = int(b[i:j])
        if j + 1 + n > len(b):
            raise ValueError("string runs past the end")
        return b[j + 1:j + 1 + n], j + 1 + n
    raise ValueError(f"unexpected byte {c!r} at {i}")
