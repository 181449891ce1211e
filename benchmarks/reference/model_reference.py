"""torchvision's Mask R-CNN timed stage by stage, beside cellmask's in `npm run bench`.

Usage: python3 model_reference.py OUT_DIR HEIGHT WIDTH MIN_SIZE MAX_SIZE SCORE_THRESH DETECTIONS REPS

Builds maskrcnn_resnet50_fpn with the seeded random weights of scripts/fixtures/model_parity.py
(calibrated on a synthetic HEIGHT x WIDTH cell image), writes OUT_DIR/weights.safetensors and
OUT_DIR/image.bin (uint8 RGB) for cellmask, times each stage on the CPU (2 threads) and prints
one JSON line: median milliseconds per stage and the number of detections.
"""
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "fixtures"))
from model_parity import build_model, save_weights, test_image  # noqa: E402
from torchvision.models.detection.roi_heads import maskrcnn_inference  # noqa: E402


def main():
    out = Path(sys.argv[1])
    height, width, min_size, max_size = (int(v) for v in sys.argv[2:6])
    score_thresh, detections, reps = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    image = test_image(height, width)
    model, x = build_model(image, min_size=min_size, max_size=max_size, box_score_thresh=score_thresh, box_detections_per_img=detections)
    save_weights(model, out / "weights.safetensors")
    (out / "image.bin").write_bytes(image.tobytes())

    heads = model.roi_heads
    times = {k: [] for k in ["preprocess", "backbone", "rpn", "boxHead", "maskHead", "paste"]}
    count = 0
    with torch.no_grad():
        for rep in range(reps + 1):
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
            if rep == 0:
                continue  # warm-up
            for k, name in enumerate(times):
                times[name].append((t[k + 1] - t[k]) * 1000)
    print(json.dumps({"impl": f"torchvision {__import__('torchvision').__version__} (CPU, 2 threads)", "ms": {k: statistics.median(v) for k, v in times.items()}, "detections": count}))


if __name__ == "__main__":
    main()
