"""torchvision's Mask R-CNN on the GPU, beside cellmask on WebGPU in `npm run bench:gpu` (gpu).

Usage: python3 gpu_reference.py OUT_DIR SETTINGS_JSON

SETTINGS_JSON (benchmarks/gpu.bench.ts): {"height", "width", "minSize", "maxSize",
"detections" (e.g. [100, 1000]), "warmups", "reps", "train": the settings of train_step_reference.py
(its "height", "width", "cells", "reps", ...)}.

Inference: maskrcnn_resnet50_fpn with the seeded random weights of scripts/fixtures/model_parity.py
(calibrated on the synthetic HEIGHT x WIDTH picture), SCORE_THRESH 0 (box_score_thresh=0) and
each DETECTIONS_PER_IMAGE in turn, resized to MIN_SIZE / MAX_SIZE (928 x 1256 for 520 x 704 at
928); one image per call, the time from the picture on the host to the pasted masks on the host
(torch.cuda.synchronize), median of `reps` after `warmups` calls.
Training: the solution's iteration of train_step_reference.py (forward + losses + backward + SGD,
one image, on the device), likewise.
Runs on CUDA when there is one, else on the CPU (then the numbers are no GPU's: `device` says).

Writes OUT_DIR/weights.safetensors + image.bin (inference) and OUT_DIR/train-weights.safetensors +
train-data.safetensors (training) for cellmask, and prints one JSON line.
"""
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from model_parity import build_model, save_weights, test_image  # noqa: E402
from train_step_reference import build_model as build_training_model, cells  # noqa: E402
from model_parity import write_safetensors  # noqa: E402


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, reps, device, warmups):
    """Median seconds of `reps` calls of fn after `warmups`, and its last result."""
    out = None
    for _ in range(warmups):
        out = fn()
    synchronize(device)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        synchronize(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def inference(out, s, device):
    image = test_image(s["height"], s["width"])
    model, x = build_model(image, min_size=s["minSize"], max_size=s["maxSize"], box_score_thresh=0.0, box_detections_per_img=max(s["detections"]))
    save_weights(model, out / "weights.safetensors")
    (out / "image.bin").write_bytes(image.tobytes())
    model.to(device).eval()
    results = {}
    for detections in s["detections"]:
        model.roi_heads.detections_per_img = detections

        def predict():
            with torch.no_grad():
                result = model([x.to(device)])[0]
                masks = (result["masks"] > 0.5).cpu()
                return int(result["boxes"].shape[0]), masks

        seconds, (count, _) = timed(predict, s["reps"], device, s["warmups"])
        results[str(detections)] = {"secondsPerImage": seconds, "detections": count}
    return results


def training(out, s, device):
    masks, boxes, labels, image = cells(np.random.default_rng(1), s["height"], s["width"], s["cells"], s["numClasses"])
    model = build_training_model(image, s)
    write_safetensors(out / "train-weights.safetensors", {k: v.numpy() for k, v in model.state_dict().items()})
    write_safetensors(out / "train-data.safetensors", {"image": image, "gt_boxes": boxes, "gt_labels": labels, "gt_masks": masks})
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=s["lr"], momentum=s["momentum"], weight_decay=s["weightDecay"])
    torch.manual_seed(1)
    x = (torch.from_numpy(image).permute(2, 0, 1).float() / 255).to(device)
    target = {"boxes": torch.from_numpy(boxes).to(device), "labels": torch.from_numpy(labels).to(device), "masks": torch.from_numpy(np.ascontiguousarray(masks)).to(device)}
    first = {}

    def iteration():
        optimizer.zero_grad(set_to_none=True)
        losses = model([x], [dict(target)])
        sum(losses.values()).backward()
        optimizer.step()
        if not first:
            first.update({k: float(v) for k, v in losses.items()})

    seconds, _ = timed(iteration, s["reps"], device, s["warmups"])
    return {"secondsPerIteration": seconds, "firstLosses": first, "trainable": len(params)}


def main():
    out, s = Path(sys.argv[1]), json.loads(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(2)
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU (2 threads)"
    result = {
        "impl": f"torchvision {__import__('torchvision').__version__} / torch {torch.__version__}",
        "device": name,
        "inference": inference(out, s, device),
        "training": training(out, s["train"], device),
    }
    if device.type == "cuda":
        result["peakMemoryMiB"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(result))


if __name__ == "__main__":
    main()
