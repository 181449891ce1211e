"""Reference implementations timed beside cellmask's in `npm run bench`.

Usage: python3 reference.py CASE INPUT_DIR REPS -> one JSON line {"ms": median, "impl": ..., "result": ...}

Each case reads the inputs that benchmarks/run.ts wrote to INPUT_DIR and times the usual
numpy (or torchvision) way of doing the same work, starting from the same representation as
the TypeScript side. `result` lets run.ts check both sides computed the same thing.
"""
import json
import sys
import time

import numpy as np


def median_ms(fn, reps):
    times = []
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times)), out


# --- Kaggle RLE: the notebooks' encoder, and a vectorized decoder (no loop over runs) ---

def rle_encode(mask):
    pixels = np.concatenate([[0], mask.flatten(), [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return ' '.join(str(x) for x in runs)


def rle_indices(text):
    """Flat pixel indices of a Kaggle RLE, vectorized (no Python loop over runs)."""
    s = np.array(text.split(), dtype=np.int64)
    starts, lengths = s[0::2] - 1, s[1::2]
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(lengths.sum())


def rle_decode(text, shape):
    img = np.zeros(shape[0] * shape[1], dtype=np.uint8)
    img[rle_indices(text)] = 1
    return img.reshape(shape)


def case_rle_encode(d, reps):
    meta = json.load(open(f'{d}/meta.json'))
    mask = np.fromfile(f'{d}/mask.bin', dtype=np.uint8).reshape(meta['height'], meta['width'])
    ms, text = median_ms(lambda: rle_encode(mask), reps)
    return ms, 'numpy', {'length': len(text), 'pairs': len(text.split()) // 2}


def case_rle_decode(d, reps):
    meta = json.load(open(f'{d}/meta.json'))
    text = open(f'{d}/mask.rle').read()
    ms, mask = median_ms(lambda: rle_decode(text, (meta['height'], meta['width'])), reps)
    return ms, 'numpy', {'area': int(mask.sum())}


# --- Sartorius MAP-IoU ----------------------------------------------------------------------

def iou_matrix(truth, pred_label, num_pred):
    """[T, P] IoU of (possibly overlapping) truth masks, as flat pixel indices, against a flat
    label image of (non-overlapping) predictions."""
    pred_area = np.bincount(pred_label, minlength=num_pred + 1)[1:]
    inter = np.zeros((len(truth), num_pred))
    truth_area = np.zeros(len(truth))
    for i, idx in enumerate(truth):
        truth_area[i] = idx.size
        inter[i] = np.bincount(pred_label[idx], minlength=num_pred + 1)[1:]
    union = truth_area[:, None] + pred_area[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def image_score(iou):
    if iou.shape[0] == 0 and iou.shape[1] == 0:
        return 1.0
    if iou.shape[0] == 0 or iou.shape[1] == 0:
        return 0.0
    scores = []
    for t in (50 + 5 * np.arange(10)) / 100:  # exact thresholds, no arange drift
        matches = iou > t
        tp = np.sum(matches.sum(axis=1) == 1)
        fp = np.sum(matches.sum(axis=0) == 0)
        fn = np.sum(matches.sum(axis=1) == 0)
        scores.append(tp / (tp + fp + fn))
    return float(np.mean(scores))


def case_map_iou(d, reps):
    data = json.load(open(f'{d}/images.json'))
    h, w = data['height'], data['width']

    def run():
        total = 0.0
        for image in data['images']:
            truth = [rle_indices(t) for t in image['truth']]
            pred_label = np.zeros(h * w, dtype=np.int32)
            for k, p in enumerate(image['pred']):
                pred_label[rle_indices(p)] = k + 1
            total += image_score(iou_matrix(truth, pred_label, len(image['pred'])))
        return total / len(data['images'])

    ms, score = median_ms(run, reps)
    return ms, 'numpy', {'map_iou': score}


# --- NMS: torchvision's C++ kernel ----------------------------------------------------------

def case_nms(d, reps):
    import torch
    import torchvision

    torch.set_num_threads(2)
    meta = json.load(open(f'{d}/meta.json'))
    boxes = torch.from_numpy(np.fromfile(f'{d}/boxes.f32', dtype=np.float32).reshape(-1, 4))
    scores = torch.from_numpy(np.fromfile(f'{d}/scores.f32', dtype=np.float32))
    ms, keep = median_ms(lambda: torchvision.ops.nms(boxes, scores, meta['iou']), reps)
    return ms, f'torchvision {torchvision.__version__}', {'kept': int(keep.numel()), 'first': keep[:20].tolist()}


# --- Overlap removal ------------------------------------------------------------------------

def case_overlap(d, reps):
    data = json.load(open(f'{d}/masks.json'))
    h, w = data['height'], data['width']
    masks = np.stack([rle_decode(t, (h, w)).astype(bool) for t in data['masks']])
    scores = np.asarray(data['scores'])
    classes = np.asarray(data['classes'])
    min_pixels = np.asarray(data['min_pixels'])

    def run():
        claimed = np.zeros((h, w), dtype=bool)
        kept = []
        for i in np.argsort(-scores, kind='stable'):
            m = masks[i] & ~claimed
            if m.sum() >= min_pixels[classes[i]]:
                claimed |= m
                kept.append(int(i))
        return kept

    ms, kept = median_ms(run, reps)
    return ms, 'numpy', {'kept': len(kept)}


CASES = {
    'rle-encode': case_rle_encode,
    'rle-decode': case_rle_decode,
    'map-iou': case_map_iou,
    'nms': case_nms,
    'overlap-removal': case_overlap,
}

if __name__ == '__main__':
    name, directory, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ms, impl, result = CASES[name](directory, reps)
    print(json.dumps({'ms': ms, 'impl': impl, 'result': result}))
