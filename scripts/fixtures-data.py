"""Makes the data fixtures.

test/fixtures/data/stardist_train.csv: StarDist's 256 x 256 uint16 label image
(shared/realdata/stardist/tests_data/mask2d.tif) as rows of the competition's train.csv, one
row per instance, each mask Kaggle-RLE-encoded with numpy (row-major, 1-indexed start/length).

It is an oracle independent of cellmask: the TIFF is parsed here with struct (baseline,
uncompressed, little-endian, one or more strips) and the RLE is numpy's, so the test that
decodes these rows and compares them with cellmask's TIFF reader checks both code paths.

test/fixtures/data/tiff_stats.json: shape, sample count, sum, sum of squares, distinct values
and the first pixels of each real TIFF in shared/realdata, decoded here with this file's own
LZW and PackBits decoders (TIFF 6.0, sections 13 and 9): the oracle for cellmask's readTiff.

Run: python3 scripts/fixtures-data.py [path/to/realdata]
"""
import csv
import json
import struct
import sys
from pathlib import Path

import numpy as np

REALDATA = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/realdata")
FIXTURES = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "data"
OUT = FIXTURES / "stardist_train.csv"
TIFFS = [
    "dethub/A172_Phase_A7_1_00d00h00m_1.tif",
    "omnipose/ecoli.tif",
    "omnipose/ecoli_labels.tif",
    "omnipose/ecoli_phase.tif",
    "omnipose/ecoli_phase_labels.tif",
    "stardist/tests_data/img2d.tif",
    "stardist/tests_data/mask2d.tif",
    "stardist/data_images/img2d.tif",
    "stardist/data_images/mask2d.tif",
]


def lzw_decode(data: bytes) -> bytes:
    """TIFF LZW: MSB-first codes of 9 to 12 bits, 256 = clear, 257 = end, early code-width change."""
    out = bytearray()
    table: list[bytes] = []
    width, pos, old = 9, 0, None
    while pos + width <= 8 * len(data):
        code = int.from_bytes(data[pos // 8 : pos // 8 + 3].ljust(3, b"\0"), "big") >> (24 - width - pos % 8) & ((1 << width) - 1)
        pos += width
        if code == 257:
            break
        if code == 256:
            table = [bytes([i]) for i in range(256)] + [b"", b""]
            width, old = 9, None
            continue
        if old is None:
            entry = table[code]
        else:
            entry = table[code] if code < len(table) else table[old] + table[old][:1]
            table.append(table[old] + entry[:1])
        out += entry
        old = code
        if len(table) + 1 >= 1 << width and width < 12:
            width += 1
    return bytes(out)


def packbits_decode(data: bytes, length: int) -> bytes:
    out, i = bytearray(), 0
    while len(out) < length:
        n = struct.unpack_from("b", data, i)[0]
        i += 1
        if n >= 0:
            out += data[i : i + n + 1]
            i += n + 1
        elif n != -128:
            out += data[i : i + 1] * (1 - n)
            i += 1
    return bytes(out[:length])


def read_tiff(path: Path) -> np.ndarray:
    """First page of a little-endian grey TIFF: uncompressed, LZW (with or without the
    horizontal-differencing predictor, 8-bit) or PackBits."""
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
    predictor = tags.get(317, 1)
    assert tags.get(277, 1) == 1, "one sample per pixel"
    assert predictor == 1 or (predictor == 2 and bits == 8), predictor
    rows_per_strip = min(tags.get(278, height), height)
    offsets = tags[273] if isinstance(tags[273], list) else [tags[273]]
    counts = tags[279] if isinstance(tags[279], list) else [tags[279]]
    row_bytes = width * bits // 8
    strips = []
    for k, (o, c) in enumerate(zip(offsets, counts)):
        strip = data[o : o + c]
        size = min(rows_per_strip, height - k * rows_per_strip) * row_bytes
        if compression == 5:
            strip = lzw_decode(strip)[:size]
        elif compression == 32773:
            strip = packbits_decode(strip, size)
        else:
            assert compression == 1, compression
        strips.append(strip)
    dtype = {8: "u1", 16: "<u2"}[bits]
    image = np.frombuffer(b"".join(strips), dtype=dtype)[: width * height].reshape(height, width)
    if predictor == 2:  # each sample stored as the difference from its left neighbour, mod 256
        image = np.cumsum(image, axis=1, dtype=np.uint8)
    return image


def kaggle_rle(mask: np.ndarray) -> str:
    pixels = np.concatenate([[0], mask.flatten(), [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return " ".join(str(x) for x in runs)


def main() -> None:
    labels = read_tiff(REALDATA / "stardist" / "tests_data" / "mask2d.tif")
    height, width = labels.shape
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["id", "annotation", "width", "height", "cell_type", "plate_time", "sample_date", "sample_id", "elapsed_timedelta"])
        for label in sorted(int(v) for v in np.unique(labels) if v != 0):
            rle = kaggle_rle((labels == label).astype(np.uint8))
            out.writerow(["stardist_mask2d", rle, width, height, "cort", "13h30m", "2020-09-14", "cort[dsb]_A1_1", "0 days 13:30:00"])
    print(f"wrote {OUT} ({len(np.unique(labels)) - 1} instances, {height} x {width})")
    stats = {}
    for name in TIFFS:
        image = read_tiff(REALDATA / name).astype(np.int64)
        stats[name] = {
            "shape": list(image.shape),
            "bits": 8 * read_tiff(REALDATA / name).dtype.itemsize,
            "sum": int(image.sum()),
            "sumOfSquares": int((image * image).sum()),
            "distinct": int(len(np.unique(image))),
            "firstPixels": [int(v) for v in image.flatten()[:8]],
        }
    (FIXTURES / "tiff_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(f"wrote {FIXTURES / 'tiff_stats.json'}")


if __name__ == "__main__":
    main()
