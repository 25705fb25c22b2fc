"""CRC-64/ECMA-182 as OSS reports it in ``x-oss-hash-crc64ecma`` (reflected, init and xor-out all
ones, the "CRC-64/XZ" variant), incrementally and combinable: the CRC of a multipart object or of
an appended object is derived from the CRCs of its pieces without reading the data again."""

from __future__ import annotations

import functools

import crcmod

_POLY = 0x142F0E1EBA9EA3693          # crcmod notation: with the x^64 term
_POLY_REFLECTED = 0xC96C5795D7870F42  # the same polynomial, bit-reversed, without x^64
_MASK = (1 << 64) - 1

_crc_fun = crcmod.mkCrcFun(_POLY, initCrc=0, rev=True, xorOut=_MASK)


def update(crc: int, data: bytes | memoryview) -> int:
    """The CRC of ``previous data + data``, given ``crc`` of the previous data (0 for none)."""
    return _crc_fun(data, crc)


def _apply(matrix: tuple[int, ...], vector: int) -> int:
    """Multiply a GF(2) 64x64 matrix (one column per bit) by a 64-bit vector."""
    result, bit = 0, 0
    while vector:
        if vector & 1:
            result ^= matrix[bit]
        vector >>= 1
        bit += 1
    return result


@functools.cache
def _zeros_operator(power: int) -> tuple[int, ...]:
    """The linear operator that feeds ``2**power`` zero bytes through the raw CRC register."""
    if power == -3:  # one zero bit: shift right, fold the polynomial in when the low bit was set
        return (_POLY_REFLECTED,) + tuple(1 << n for n in range(63))
    half = _zeros_operator(power - 1)
    return tuple(_apply(half, column) for column in half)


def combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC of ``A + B`` from ``crc1`` = CRC(A), ``crc2`` = CRC(B) and ``length2`` = len(B).

    With init and xor-out all ones, CRC(A + B) = Z(CRC(A)) ^ CRC(B) where Z feeds len(B) zero bytes
    through the register; Z is built from cached operators for power-of-two byte counts.
    """
    power = 0
    while length2:
        if length2 & 1:
            crc1 = _apply(_zeros_operator(power), crc1)
        length2 >>= 1
        power += 1
    return crc1 ^ crc2
