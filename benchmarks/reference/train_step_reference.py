"""torchvision's Mask R-CNN training iteration timed, beside cellmask's in `npm run bench` (train-step).

Usage: python3 train_step_reference.py OUT_DIR SETTINGS_JSON

SETTINGS_JSON (benchmarks/train-step.bench.ts takes the values from the `sartorius_finetune`
preset): {"height", "width", "cells", "reps", "baseMinSize" (0: the picture as it is), "minSizes"
([] for none), "maxSize", "anchorSizes"
(per level, e.g. [[4], [8], [16], [64], [256]]), "aspectRatios" (one list for every level),
"rpnBatch", "preNmsTopK", "postNmsTopK", "roiBatch", "numClasses" (Detectron2's count, without the
background), "lr", "momentum", "weightDecay", "threads"}.

One iteration = forward + losses + backward + SGD step, one image per batch, in the solution's
settings as torchvision spells them: R50-FPN with FrozenBatchNorm2d and trainable_backbone_layers=3
(Detectron2's FREEZE_AT 2), an AnchorGenerator with the sizes per level and the aspect ratios on
every level, rpn_batch_size_per_image, rpn_pre_nms_top_n_train (per level, as Detectron2's
PRE_NMS_TOPK_TRAIN), rpn_post_nms_top_n_train, box_batch_size_per_image, num_classes = numClasses + 1;
torch.optim.SGD at a constant learning rate with momentum and weight decay.

The picture is synthetic: height x width with `cells` elliptical cells (as scripts/fixtures/
train_step.py's `cells()`), drawn dark with a bright rim on grey, 3 classes. The weights are
seeded random with the BatchNorm statistics calibrated on that picture, then frozen (as
train_step.py's `build_model`).

Sizes: the picture as it is, or resized to the short side `baseMinSize` (`reps` timed iterations
after one warm-up) and, when `minSizes` is given
(INPUT.MIN_SIZE_TRAIN, with MAX_SIZE_TRAIN `maxSize`), each multi-scale size once after one warm-up iteration at
the largest. Each is resized beforehand as Detectron2's loader does it (ResizeShortestEdge: the
output size of `get_output_shape`, the picture with PIL BILINEAR, the masks with PIL NEAREST, the
boxes scaled and clipped), so the model's transform has nothing to resize: its min_size/max_size
are set to the picture's sides (scale 1) and its `resize` is replaced by the identity, because at
scale 1 torchvision would still run an identity interpolation of the picture and of every
full-image ground-truth mask (as float), work cellmask does in its loader, not in the step.

Writes to OUT_DIR for cellmask:
  weights.safetensors  the model's state_dict, torchvision names and layouts (float32)
  data.safetensors     image [H, W, 3] uint8 RGB; gt_boxes [G, 4] float32 (mask bounds, x2 y2 one
                       past the last pixel); gt_labels [G] int64 in 1..3; gt_masks [G, H, W] uint8
and prints one JSON line: per size the sizes, checksums of the resized picture and masks, and per
timed iteration the seconds of forward + losses, backward, optimizer and their total, the first
iteration's losses (the warm-up at the base size, from the initial weights), the trainable tensor
count, the peak resident memory.
"""
import json
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision.models.detection.anchor_utils import AnchorGenerator

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "fixtures"))
from model_parity import write_safetensors  # noqa: E402
from train_step import frozen_maskrcnn  # noqa: E402


def cells(rng, height, width, count, classes):
    """`count` elliptical cells and the picture they make: masks [G, H, W] uint8, boxes [G, 4], labels 1..3, image [H, W, 3] uint8."""
    yy, xx = np.mgrid[0:height, 0:width]
    grey = np.full((height, width), 128.0)
    masks = []
    for _ in range(count):
        cy, cx = rng.uniform(20, height - 20), rng.uniform(20, width - 20)
        ry, rx, t = rng.uniform(5, 18), rng.uniform(5, 18), rng.uniform(0, np.pi)
        u = (xx - cx) * np.cos(t) + (yy - cy) * np.sin(t)
        v = -(xx - cx) * np.sin(t) + (yy - cy) * np.cos(t)
        r = np.sqrt((u / rx) ** 2 + (v / ry) ** 2)
        masks.append((r <= 1).astype(np.uint8))
        grey -= 40 * np.exp(-(r ** 4))  # dark body
        grey += 25 * np.exp(-(((r - 1) * min(rx, ry) / 2) ** 2))  # bright rim
    grey += rng.normal(0, 4, grey.shape)
    masks = np.stack(masks)
    boxes = []
    for m in masks:
        ys, xs = np.nonzero(m)
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    labels = rng.integers(1, classes + 1, count).astype(np.int64)
    rgb = np.stack([grey, grey * 0.9 + 10, 255 - grey * 0.5], -1)
    return masks, np.array(boxes, np.float32), labels, np.clip(rgb, 0, 255).astype(np.uint8)


def output_shape(height, width, short, max_size):
    """Detectron2's ResizeShortestEdge.get_output_shape."""
    scale = short / min(height, width)
    newh, neww = (short, scale * width) if height < width else (scale * height, short)
    if max(newh, neww) > max_size:
        scale = max_size / max(newh, neww)
        newh, neww = newh * scale, neww * scale
    return int(newh + 0.5), int(neww + 0.5)


def resize(image, masks, boxes, height, width):
    """Detectron2's ResizeTransform on a uint8 picture (PIL BILINEAR), bitmasks (PIL NEAREST) and boxes."""
    h0, w0 = image.shape[:2]
    if (height, width) == (h0, w0):
        return image, masks, boxes
    image = np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR))
    masks = np.stack([np.asarray(Image.fromarray(m).resize((width, height), Image.NEAREST)) for m in masks])
    scaled = boxes.astype(np.float64) * [width / w0, height / h0, width / w0, height / h0]
    scaled = np.clip(scaled, 0, [width, height, width, height]).astype(np.float32)
    assert all(m.any() for m in masks), "an instance vanished in the resize"
    return image, masks, scaled


def build_model(image, s):
    """The solution's Mask R-CNN in torchvision: random weights (seed 0), BatchNorm calibrated on `image`, then frozen."""
    h, w = image.shape[:2]
    sizes = tuple(tuple(level) for level in s["anchorSizes"])
    settings = dict(
        num_classes=s["numClasses"] + 1,
        min_size=min(h, w),
        max_size=max(h, w),
        rpn_anchor_generator=AnchorGenerator(sizes, (tuple(s["aspectRatios"]),) * len(sizes)),
        rpn_pre_nms_top_n_train=s["preNmsTopK"],
        rpn_post_nms_top_n_train=s["postNmsTopK"],
        rpn_batch_size_per_image=s["rpnBatch"],
        box_batch_size_per_image=s["roiBatch"],
    )
    model, _ = frozen_maskrcnn(image, **settings)
    model.transform.resize = lambda image, target=None: (image, target)  # see the module comment
    return model


def checksums(image, masks):
    return {"imageSum": int(image.sum(dtype=np.int64)), "maskPixels": int(masks.sum(dtype=np.int64))}


def main():
    out, s = Path(sys.argv[1]), json.loads(sys.argv[2])
    height, width, reps, max_size, min_sizes = s["height"], s["width"], s["reps"], s["maxSize"], s["minSizes"]
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(s["threads"])
    masks, boxes, labels, image = cells(np.random.default_rng(1), height, width, s["cells"], s["numClasses"])
    model = build_model(image, s)
    write_safetensors(out / "weights.safetensors", {k: v.numpy() for k, v in model.state_dict().items()})
    write_safetensors(out / "data.safetensors", {"image": image, "gt_boxes": boxes, "gt_labels": labels, "gt_masks": masks})

    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=s["lr"], momentum=s["momentum"], weight_decay=s["weightDecay"])
    torch.manual_seed(1)

    def inputs(short):
        h, w = (height, width) if short == 0 else output_shape(height, width, short, max_size)
        im, ms, bx = resize(image, masks, boxes, h, w)
        x = torch.from_numpy(im).permute(2, 0, 1).float() / 255
        target = {"boxes": torch.from_numpy(bx), "labels": torch.from_numpy(labels), "masks": torch.from_numpy(np.ascontiguousarray(ms))}
        return {"minSize": short or min(height, width), "height": h, "width": w, **checksums(im, ms)}, x, target

    def iteration(x, target):
        h, w = x.shape[-2:]
        model.transform.min_size, model.transform.max_size = (min(h, w),), max(h, w)
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        losses = model([x], [dict(target)])
        total = sum(losses.values())
        t1 = time.perf_counter()
        total.backward()
        t2 = time.perf_counter()
        optimizer.step()
        t3 = time.perf_counter()
        values = {k: float(v) for k, v in losses.items()}
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            raise SystemExit(f"non-finite torchvision loss at {h} x {w}: {', '.join(bad)} {values}")
        return {"forward": t1 - t0, "backward": t2 - t1, "optimizer": t3 - t2, "total": t3 - t0}, values

    runs = []
    info, x, target = inputs(s["baseMinSize"])
    _, first_losses = iteration(x, target)  # warm-up
    runs.append({**info, "iterations": [iteration(x, target)[0] for _ in range(reps)]})
    if min_sizes:
        prepared = [inputs(s) for s in min_sizes]
        largest = max(prepared, key=lambda p: p[0]["height"] * p[0]["width"])
        iteration(largest[1], largest[2])  # warm-up at the largest size: allocators at their steady size
        for info, x, target in prepared:
            runs.append({**info, "iterations": [iteration(x, target)[0]]})

    print(json.dumps({
        "impl": f"torchvision {torchvision.__version__} / torch {torch.__version__} (CPU, {torch.get_num_threads()} threads)",
        "trainable": len(params),
        "instances": int(len(labels)),
        "firstLosses": first_losses,
        "runs": runs,
        "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
