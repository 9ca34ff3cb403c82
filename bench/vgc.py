"""Minimal writer/reader of vegard's open `.vgc` force-curve format (docs/formats.md).

Layout (little-endian): b"VEGARDC1", u64 H, H bytes JSON header; per curve u32 J, J bytes
JSON curve header, then for each segment, for each header channel, len x f64; index of u64
curve offsets; trailer u64 index offset, u64 n, b"VGCEND01".
"""
import json
import struct

import numpy as np


def write_vgc(path, curves, channels, grid=None, metadata=None):
    """curves: list of dicts {index, grid: (x, y) | None, k, segments: [(kind, name, {kind: array})]}
    channels: list of (kind_key, name, unit)."""
    with open(path, "wb") as f:
        header = {"format": "vegard-curves", "version": 1,
                  "channels": [{"kind": k, "name": n, "unit": u} for k, n, u in channels],
                  "grid": grid, "metadata": metadata or {}, "source_format": "python"}
        hb = json.dumps(header).encode()
        f.write(b"VEGARDC1" + struct.pack("<Q", len(hb)) + hb)
        offsets = []
        for c in curves:
            offsets.append(f.tell())
            ch = {"index": c["index"],
                  "grid": None if c.get("grid") is None else {"x": c["grid"][0], "y": c["grid"][1]},
                  "position_m": None,
                  "calibration": {"spring_constant_n_per_m": c["k"], "sensitivity_m_per_v": None},
                  "segments": [{"kind": kind, "name": name, "len": len(next(iter(data.values()))),
                                "duration_s": None} for kind, name, data in c["segments"]],
                  "metadata": {}}
            cb = json.dumps(ch).encode()
            f.write(struct.pack("<I", len(cb)) + cb)
            for kind, name, data in c["segments"]:
                for key, _, _ in channels:
                    f.write(np.asarray(data[key], dtype="<f8").tobytes())
        index_offset = f.tell()
        f.write(np.asarray(offsets, dtype="<u8").tobytes())
        f.write(struct.pack("<QQ", index_offset, len(offsets)) + b"VGCEND01")
