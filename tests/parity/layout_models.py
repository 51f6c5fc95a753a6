# The small models of the image-layout tests, built with torch: an NHWC
# front or NCHW, a non-square H x W input, any fixed batch; seeded.
import torch
import torch.nn as nn
import torch.nn.functional as F

H, W, CLASSES = 40, 48, 5


class Net(nn.Module):
    """Conv -> Relu -> Conv -> Relu -> global mean -> Linear, on NCHW; with
    channels_last the graph starts with the NHWC -> NCHW Transpose."""

    def __init__(self, channels_last):
        super().__init__()
        self.channels_last = channels_last
        self.c1, self.c2, self.fc = nn.Conv2d(3, 6, 3, 2, 1), nn.Conv2d(6, 8, 3, 1, 1), nn.Linear(8, CLASSES)

    def forward(self, x):
        if self.channels_last:
            x = x.permute(0, 3, 1, 2)
        x = torch.relu(self.c2(torch.relu(self.c1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def export(channels_last, batch, path):
    """The model as ONNX at path, input (batch, H, W, 3) or (batch, 3, H, W);
    returns it in float64 for references."""
    torch.manual_seed(4)
    net = Net(channels_last).eval()
    shape = (batch, H, W, 3) if channels_last else (batch, 3, H, W)
    torch.onnx.export(net, torch.zeros(shape), path, opset_version=13)
    return net.double()
