"""Writes the TorchScript module MaxPooling runs on the CPU: PyTorch's max_pool2d on a oneDNN (mkldnn) tensor.

PyTorch's plain CPU max pool for NCHW (cpu_max_pool, one branch per element) is 5 to 10 times slower forward than oneDNN's
(MaxPooling.java has the figures); DJL has no call that hands a tensor to oneDNN, and TorchScript has. Both pools give
the same values, NaN included (below), and a window's gradient goes to its first maximum in both. The module takes the pool's settings as
a tensor: [kernel h, kernel w, stride h, stride w, padding h, padding w, ceil mode 0 or 1].

Regenerate (Debian's python3-torch, any version that writes a format PyTorch 2.0 reads):
    /usr/bin/python3 vision-engine/src/main/torchscript/onednn_max_pool.py
"""
from typing import List

import torch

OUT = "vision-engine/src/main/resources/dev/kiln/vision/models/onednn-max-pool.pt"


class OneDnnMaxPool(torch.nn.Module):
    def forward(self, x: torch.Tensor, settings: torch.Tensor) -> torch.Tensor:
        s = torch.jit.annotate(List[int], settings.tolist())
        kernel, stride, padding, ceil = [s[0], s[1]], [s[2], s[3]], [s[4], s[5]], s[6] == 1
        # A channels-last input (a training that hands its network channels-last batches, MemoryFormat) goes to
        # PyTorch's channels-last kernel, vectorised along the channels, and answers channels last; oneDNN's pool
        # would reorder it to NCHW and back. Strides tell, before any pass over the values.
        if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
            return torch.max_pool2d(x, kernel, stride, padding, [1, 1], ceil)
        # oneDNN's maximum drops NaN (a window of NaN gives -FLT_MAX); PyTorch's keeps it, and so a diverging training
        # shows. A NaN anywhere makes the sum NaN (one vectorised pass, 15 us for lenet's first pool), and PyTorch's
        # own pool takes that input.
        if bool(torch.isnan(x.detach().sum())):
            return torch.max_pool2d(x, kernel, stride, padding, [1, 1], ceil)
        return torch.max_pool2d(x.to_mkldnn(), kernel, stride, padding, [1, 1], ceil).to_dense()


torch.jit.script(OneDnnMaxPool()).save(OUT)
print("wrote", OUT)
