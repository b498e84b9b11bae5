#!/usr/bin/env python3
"""The plain-PyTorch reference of `./kiln bench train`: the same CNN, data, batch size, optimizer and thread
count as the Kiln side, trained for one pass over the same images. Prints one JSON object.

It mirrors Kiln's pipeline choice (the data set held in memory as bytes, one shuffle per epoch, each batch
scaled and normalised as a tensor), so the comparison is of the training step, not of a DataLoader.
"""
import argparse
import gzip
import json
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
    raise SystemExit(f"pytorch_reference.py: no reference for model {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with Fashion-MNIST's train-*-idx*.gz")
    parser.add_argument("--model", default="cifar-cnn")
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    images = torch.from_numpy(read_idx(f"{args.data}/train-images-idx3-ubyte.gz")[:args.images].copy()).unsqueeze(1)
    labels = torch.from_numpy(read_idx(f"{args.data}/train-labels-idx1-ubyte.gz")[:args.images].astype(np.int64))
    net = model(args.model, 1, images.shape[2])
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    net.train()

    start = time.perf_counter()
    order = torch.randperm(len(labels))
    shuffled_images, shuffled_labels = images[order], labels[order]
    seen = 0
    loss_sum = 0.0
    for begin in range(0, len(labels), args.batch):
        x = (shuffled_images[begin:begin + args.batch].float() / 255 - 0.1307) / 0.3081
        y = shuffled_labels[begin:begin + args.batch]
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        seen += len(y)
    seconds = time.perf_counter() - start
    print(json.dumps({"images": seen, "seconds": seconds, "images_per_second": seen / seconds,
                      "mean_loss": loss_sum / seen, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "blas": torch.__config__.show().count("OpenBLAS") > 0}))


if __name__ == "__main__":
    main()
