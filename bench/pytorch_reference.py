#!/usr/bin/env python3
"""The plain-PyTorch reference of `./kiln bench train`: the same CNN, data, batch size, optimizer and thread
count as the Kiln side. Once warm, it trains one timed pass over the same images for each line it reads on
stdin and prints one JSON object per pass, so the benchmark pairs each Kiln round with a pass a moment
later, without a process start between them (`echo | python3 bench/pytorch_reference.py ...` runs one).

It mirrors Kiln's pipeline choice (the data set held in memory as bytes, one shuffle per epoch, each batch
scaled and normalised as a tensor), so the comparison is of the training step, not of a DataLoader.
--memory-format channels_last trains as PyTorch's CPU performance guide says (the network and every batch in
channels-last order), where the tutorials' code, the default, leaves both contiguous (NCHW).
"""
import argparse
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def model(name, channels, size):
    """Kiln's registry architectures, layer for layer (dev.kiln.vision.models.ModelRegistry)."""
    if name == "cifar-cnn":
        convs = []
        c = channels
        for filters in (16, 32, 64):
            convs += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c = filters
        features = nn.Sequential(*convs, nn.Flatten())
        flat = features(torch.zeros(1, channels, size, size)).shape[1]
        return nn.Sequential(features, nn.Dropout(0.2), nn.Linear(flat, 200), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(200, 10))
    if name == "mnist-cnn":
        n = 6
        features = nn.Sequential(nn.Conv2d(channels, n, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(n, n, 5), nn.ReLU(),
                                 nn.MaxPool2d(2), nn.Flatten())
        flat = features(torch.zeros(1, channels, size, size)).shape[1]
        return nn.Sequential(features, nn.Linear(flat, 50), nn.ReLU(), nn.Linear(50, 10))
    if name == "lenet":
        features = nn.Sequential(nn.Conv2d(channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                                 nn.MaxPool2d(2), nn.Flatten())
        flat = features(torch.zeros(1, channels, size, size)).shape[1]
        return nn.Sequential(features, nn.Linear(flat, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, 256), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(256, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
    if name == "fc2layer":
        n = 8
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, n), nn.ReLU(), nn.Linear(n, n), nn.ReLU(),
                             nn.Linear(n, 10))
    if name == "confignet":
        c1, c2, l1 = 48, 96, 256
        features = nn.Sequential(nn.Conv2d(channels, c1, 3), nn.ReLU(), nn.Conv2d(c1, c1, 3), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.Conv2d(c2, c2, 3, stride=2), nn.ReLU(),
                                 nn.Dropout(0.5), nn.Flatten())
        flat = features(torch.zeros(1, channels, size, size)).shape[1]
        return nn.Sequential(features, nn.BatchNorm1d(flat), nn.ReLU(), nn.Linear(flat, l1), nn.ReLU(), nn.Linear(l1, 10))
    if name in VGG:
        layers = []
        c = channels
        for filters in VGG[name]:
            if filters == 0:
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c, filters, 3, padding=1), nn.BatchNorm2d(filters), nn.ReLU()]
                c = filters
        features = nn.Sequential(*layers, nn.Flatten())
        flat = features(torch.zeros(1, channels, size, size)).shape[1]
        return nn.Sequential(features, nn.Linear(flat, 10))
    if name == "resnet18":
        return ResNet18(channels)
    raise SystemExit(f"pytorch_reference.py: no reference for model {name}")


VGG = {"vgg11": [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
       "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]}


class BasicBlock(nn.Module):
    def __init__(self, inputs, channels, stride):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(inputs, channels, 3, stride, 1, bias=False), nn.BatchNorm2d(channels),
                                  nn.ReLU(), nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(channels))
        self.shortcut = nn.Identity() if stride == 1 and inputs == channels else nn.Sequential(
            nn.Conv2d(inputs, channels, 1, stride, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return torch.relu(self.main(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """dev.kiln.vision.models.ResNet18: a 3x3 stem of 64, four stages of two basic blocks, global average pool."""

    def __init__(self, channels):
        super().__init__()
        layers = [nn.Conv2d(channels, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
        inputs = 64
        for stage in range(4):
            width = 64 << stage
            for block in range(2):
                layers.append(BasicBlock(inputs, width, 2 if stage > 0 and block == 0 else 1))
                inputs = width
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))

    def forward(self, x):
        return self.net(x)


def normalised(batch, memory_format):
    return ((batch.float() / 255 - 0.1307) / 0.3081).contiguous(memory_format=memory_format)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with Fashion-MNIST's train-*-idx*.gz")
    parser.add_argument("--model", default="cifar-cnn")
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--warmup-batches", type=int, default=20, help="uncounted batches before the timed passes")
    parser.add_argument("--image-size", type=int, default=0, help="resize the images to this square size first")
    parser.add_argument("--memory-format", choices=["contiguous", "channels_last"], default="contiguous",
                        help="the order in memory of the network's weights and of each batch")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    images = torch.from_numpy(read_idx(f"{args.data}/train-images-idx3-ubyte.gz")[:args.images].copy()).unsqueeze(1)
    labels = torch.from_numpy(read_idx(f"{args.data}/train-labels-idx1-ubyte.gz")[:args.images].astype(np.int64))
    if args.image_size:
        # Once, before timing, as Kiln resizes a data set for a spec's imageSize before training.
        images = nn.functional.interpolate(images.float(), size=args.image_size, mode="bilinear").round().byte()
    memory_format = torch.channels_last if args.memory_format == "channels_last" else torch.contiguous_format
    net = model(args.model, 1, images.shape[2]).to(memory_format=memory_format)
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    net.train()

    # Measured warm, as Kiln is: a few uncounted batches first (allocator, BLAS and oneDNN set-up).
    for begin in range(0, min(args.warmup_batches * args.batch, len(labels)), args.batch):
        optimizer.zero_grad()
        loss_fn(net(normalised(images[begin:begin + args.batch], memory_format)),
                labels[begin:begin + args.batch]).backward()
        optimizer.step()

    for _ in sys.stdin:
        print(json.dumps(timed_epoch(net, optimizer, loss_fn, images, labels, args.batch, memory_format)), flush=True)


def timed_epoch(net, optimizer, loss_fn, images, labels, batch, memory_format):
    """One shuffled pass over the images, timed, as a Kiln epoch."""
    start = time.perf_counter()
    order = torch.randperm(len(labels))
    shuffled_images, shuffled_labels = images[order], labels[order]
    seen = 0
    loss_sum = 0.0
    for begin in range(0, len(labels), batch):
        x = normalised(shuffled_images[begin:begin + batch], memory_format)
        y = shuffled_labels[begin:begin + batch]
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        seen += len(y)
    seconds = time.perf_counter() - start
    return {"images": seen, "seconds": seconds, "images_per_second": seen / seconds, "mean_loss": loss_sum / seen,
            "threads": torch.get_num_threads(), "torch": torch.__version__,
            "blas": torch.__config__.show().count("OpenBLAS") > 0}


if __name__ == "__main__":
    main()
