"""Makes test/fixtures/data/stardist_train.csv: StarDist's 256 x 256 uint16 label image
(shared/realdata/stardist/tests_data/mask2d.tif) as rows of the competition's train.csv, one
row per instance, each mask Kaggle-RLE-encoded with numpy (row-major, 1-indexed start/length).

It is an oracle independent of cellmask: the TIFF is parsed here with struct (baseline,
uncompressed, little-endian, one or more strips) and the RLE is numpy's, so the test that
decodes these rows and compares them with cellmask's TIFF reader checks both code paths.

Run: python3 scripts/fixtures-data.py [path/to/realdata]
"""
import csv
import struct
import sys
from pathlib import Path

import numpy as np

REALDATA = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/realdata")
OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "data" / "stardist_train.csv"


def read_uncompressed_tiff(path: Path) -> np.ndarray:
    data = path.read_bytes()
    assert data[:4] == b"II*\x00", "little-endian TIFF expected"
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    tags = {}
    for k in range(count):
        tag, typ, n, value = struct.unpack_from("<HHII", data, ifd + 2 + 12 * k)
        if typ == 3 and n == 1:
            value &= 0xFFFF
        if n > 1:  # the value field holds an offset to n LONGs (type 4) or SHORTs (type 3)
            fmt = "<%d%s" % (n, "I" if typ == 4 else "H")
            value = list(struct.unpack_from(fmt, data, value))
        tags[tag] = value
    width, height, bits, compression = tags[256], tags[257], tags[258], tags.get(259, 1)
    assert compression == 1 and bits == 16, (compression, bits)
    offsets = tags[273] if isinstance(tags[273], list) else [tags[273]]
    counts = tags[279] if isinstance(tags[279], list) else [tags[279]]
    raw = b"".join(data[o : o + c] for o, c in zip(offsets, counts))
    return np.frombuffer(raw, dtype="<u2")[: width * height].reshape(height, width)


def kaggle_rle(mask: np.ndarray) -> str:
    pixels = np.concatenate([[0], mask.flatten(), [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return " ".join(str(x) for x in runs)


def main() -> None:
    labels = read_uncompressed_tiff(REALDATA / "stardist" / "tests_data" / "mask2d.tif")
    height, width = labels.shape
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["id", "annotation", "width", "height", "cell_type", "plate_time", "sample_date", "sample_id", "elapsed_timedelta"])
        for label in sorted(int(v) for v in np.unique(labels) if v != 0):
            rle = kaggle_rle((labels == label).astype(np.uint8))
            out.writerow(["stardist_mask2d", rle, width, height, "cort", "13h30m", "2020-09-14", "cort[dsb]_A1_1", "0 days 13:30:00"])
    print(f"wrote {OUT} ({len(np.unique(labels)) - 1} instances, {height} x {width})")


if __name__ == "__main__":
    main()
