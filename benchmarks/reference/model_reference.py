"""torchvision's Mask R-CNN timed stage by stage, beside cellmask's in `npm run bench`.

Usage: python3 model_reference.py [--write-only | --load] OUT_DIR HEIGHT WIDTH MIN_SIZE MAX_SIZE SCORE_THRESH DETECTIONS REPS [WARMUPS]

Builds maskrcnn_resnet50_fpn with the seeded random weights of scripts/fixtures/model_parity.py
(calibrated on a synthetic HEIGHT x WIDTH cell image resized to MIN_SIZE / MAX_SIZE), writes
OUT_DIR/weights.safetensors and OUT_DIR/image.bin (uint8 RGB) for cellmask, times each stage on
the CPU (2 threads) after WARMUPS untimed predictions (default 1) and prints one JSON line:
median milliseconds per stage (`ms`) and per prediction (`totalMs`), the first prediction's
milliseconds (`firstMs`), the number of detections, and the process's peak resident memory
(`peakRssKiB`; `loadPeakRssKiB` before the first prediction).

--write-only: build and write the weights and the image, time nothing (prints `{}`).
--load: time the model read from OUT_DIR/weights.safetensors and OUT_DIR/image.bin (written by
an earlier run at the same HEIGHT, WIDTH and MIN_SIZE) instead of building one, so that the peak
memory is inference's, without the calibration's, and one set of weights serves several runs.
"""
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torchvision.models.detection import maskrcnn_resnet50_fpn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "fixtures"))
from model_parity import NUM_CLASSES, build_model, save_weights, test_image  # noqa: E402
from torchvision.models.detection.roi_heads import maskrcnn_inference  # noqa: E402

STAGES = ["preprocess", "backbone", "rpn", "boxHead", "maskHead", "paste"]


def peak_rss_kib():
    """The process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def read_safetensors(path):
    """The float32 tensors of a safetensors file (as model_parity.write_safetensors writes it), sharing one buffer."""
    raw = np.fromfile(path, np.uint8)
    length = int(raw[:8].view("<u8")[0])
    header = json.loads(raw[8:8 + length].tobytes())
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, expected F32")
        start, end = (8 + length + o for o in info["data_offsets"])
        tensors[name] = torch.from_numpy(raw[start:end].view(np.float32).reshape(info["shape"]))
    return tensors


def load_model(out, height, width, **settings):
    """The model and picture an earlier run wrote to `out`."""
    model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=NUM_CLASSES, **settings)
    missing, unexpected = model.load_state_dict(read_safetensors(out / "weights.safetensors"), strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]  # save_weights leaves them out
    if missing or unexpected:
        raise ValueError(f"{out / 'weights.safetensors'} does not fit maskrcnn_resnet50_fpn: missing {missing[:3]}, unexpected {unexpected[:3]}")
    model.eval()
    image = np.frombuffer((out / "image.bin").read_bytes(), np.uint8).reshape(height, width, 3)
    x = torch.from_numpy(image.copy()).permute(2, 0, 1).float() / 255
    return model, x


def time_stages(model, x, height, width, reps, warmups=1):
    """Median milliseconds per stage and of the whole over `reps` predictions after `warmups`, the first prediction's milliseconds, and the detections."""
    heads = model.roi_heads
    times = {k: [] for k in STAGES}
    totals = []
    first = None
    count = 0
    with torch.no_grad():
        for rep in range(reps + warmups):
            t = [time.perf_counter()]
            images, _ = model.transform([x])
            t.append(time.perf_counter())
            features = model.backbone(images.tensors)
            t.append(time.perf_counter())
            proposals, _ = model.rpn(images, features)
            t.append(time.perf_counter())
            pooled = heads.box_head(heads.box_roi_pool(features, proposals, images.image_sizes))
            logits, deltas = heads.box_predictor(pooled)
            boxes, scores, labels = heads.postprocess_detections(logits, deltas, proposals, images.image_sizes)
            t.append(time.perf_counter())
            mask_logits = heads.mask_predictor(heads.mask_head(heads.mask_roi_pool(features, boxes, images.image_sizes)))
            probs = maskrcnn_inference(mask_logits, labels)
            t.append(time.perf_counter())
            result = [{"boxes": boxes[0], "scores": scores[0], "labels": labels[0], "masks": probs[0]}]
            final = model.transform.postprocess(result, images.image_sizes, [(height, width)])[0]
            (final["masks"] > 0.5)
            t.append(time.perf_counter())
            count = int(final["boxes"].shape[0])
            if first is None:
                first = (t[-1] - t[0]) * 1000
            if rep < warmups:
                continue
            for k, name in enumerate(STAGES):
                times[name].append((t[k + 1] - t[k]) * 1000)
            totals.append((t[-1] - t[0]) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}, statistics.median(totals), first, count


def main():
    args = sys.argv[1:]
    mode = args.pop(0) if args and args[0].startswith("--") else None
    if mode not in (None, "--write-only", "--load") or len(args) not in (8, 9):
        sys.exit(__doc__)
    warmups = int(args[8]) if len(args) == 9 else 1
    out = Path(args[0])
    height, width, min_size, max_size = (int(v) for v in args[1:5])
    score_thresh, detections, reps = float(args[5]), int(args[6]), int(args[7])
    torch.set_num_threads(2)
    settings = dict(min_size=min_size, max_size=max_size, box_score_thresh=score_thresh, box_detections_per_img=detections)
    if mode == "--load":
        model, x = load_model(out, height, width, **settings)
    else:
        out.mkdir(parents=True, exist_ok=True)
        image = test_image(height, width)
        model, x = build_model(image, **settings)
        save_weights(model, out / "weights.safetensors")
        (out / "image.bin").write_bytes(image.tobytes())
        if mode == "--write-only":
            print("{}")
            return
    load_peak = peak_rss_kib()
    ms, total_ms, first_ms, count = time_stages(model, x, height, width, reps, warmups)
    print(json.dumps({
        "impl": f"torchvision {__import__('torchvision').__version__} (CPU, 2 threads)",
        "ms": ms,
        "totalMs": total_ms,
        "firstMs": first_ms,
        "detections": count,
        "loadPeakRssKiB": load_peak,
        "peakRssKiB": peak_rss_kib(),
    }))


if __name__ == "__main__":
    main()
