"""Writes the TorchScript test fixtures of vision-engine: a small CNN for 1x28x28 digits, traced and scripted,
its import manifest, and PyTorch's own logits for a fixed batch, which Kiln's must equal: expected.json holds a
batch as the network takes it (normalised), pixels.json 8-bit images (what a client sends) and the logits of the
same images normalised as the manifest says. memory-format.pt answers how its input lies in memory (for
MemoryFormatTest: DJL has no call that tells).

Usage: /usr/bin/python3 torchscript_fixtures.py OUTDIR   (Debian's python3-torch; ./kiln test installs it)
       /usr/bin/python3 torchscript_fixtures.py --check MODEL.pt OUTDIR
           loads a TorchScript file (one Kiln exported) with torch.jit.load and exits 0 when it answers the
           fixtures' batch with their logits (to 1e-5), printing the largest difference either way
"""
import json
import sys
from pathlib import Path

import torch
from torch import nn


class DigitNet(nn.Module):
    """Two convolution blocks with BatchNorm and a two-layer classifier: what a PyTorch user brings."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Dropout(0.2),
                                        nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class MemoryFormatProbe(nn.Module):
    """[contiguous (NCHW), channels last]: 1 or 0 each, as PyTorch sees its input's strides."""

    def forward(self, x):
        return torch.tensor([int(x.is_contiguous()), int(x.is_contiguous(memory_format=torch.channels_last))])


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261201)
    net = DigitNet()
    with torch.no_grad():
        # Statistics as training would leave them, so that evaluation mode differs from training mode.
        for module in net.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
    net.eval()
    batch = torch.rand(4, 1, 28, 28)
    torch.jit.trace(net, batch).save(str(out / "traced.pt"))
    torch.jit.script(net).save(str(out / "scripted.pt"))
    torch.jit.script(MemoryFormatProbe()).save(str(out / "memory-format.pt"))
    with torch.no_grad():
        logits = net(batch)
    (out / "expected.json").write_text(json.dumps({
        "shape": list(batch.shape), "input": batch.flatten().tolist(), "logits": logits.flatten().tolist()}))
    mean, std = 0.1307, 0.3081
    (out / "manifest.json").write_text(json.dumps({
        "channels": 1, "height": 28, "width": 28, "mean": [mean], "std": [std],
        "classes": [str(digit) for digit in range(10)]}))
    pixels = torch.randint(0, 256, (4, 1, 28, 28))
    with torch.no_grad():
        pixel_logits = net((pixels.float() / 255 - mean) / std)
    (out / "pixels.json").write_text(json.dumps({
        "shape": list(pixels.shape), "pixels": pixels.flatten().tolist(), "logits": pixel_logits.flatten().tolist()}))


def check(model, out):
    expected = json.loads((out / "expected.json").read_text())
    loaded = torch.jit.load(str(model)).eval()
    with torch.no_grad():
        logits = loaded(torch.tensor(expected["input"]).reshape(expected["shape"]))
    difference = (logits.flatten() - torch.tensor(expected["logits"])).abs().max().item()
    print(f"largest logit difference {difference:.3g}")
    return 0 if difference < 1e-5 else 1


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        sys.exit(check(Path(sys.argv[2]), Path(sys.argv[3])))
    main(Path(sys.argv[1]))
