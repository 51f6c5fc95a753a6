# The small models of the image-layout tests, built with torch: an NHWC
# front or NCHW, a non-square H x W input, any fixed batch; seeded. And
# torchvision's preprocessing of an image for them, the reference.
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

H, W, CLASSES = 40, 48, 5
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
# (label, channels_last, batch, image in tests/images); PNGs, since a JPEG
# decodes differently in PIL (libjpeg) and stb_image
CASES = [("NHWC front, non-square", True, 1, "rgb.png"),
         ("NCHW, non-square", False, 1, "rgb.png"),
         ("NCHW, non-square, portrait image", False, 1, "rgba.png"),
         ("fixed batch 3", False, 3, "rgb.png"),
         ("NHWC front, fixed batch 2", True, 2, "rgba.png")]


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


def torchvision_input(image):
    """(1, 3, H, W) float64: Resize((h, w)) at 256/224 of each side, CenterCrop, ToTensor,
    Normalize."""
    t = transforms.Compose([transforms.Resize((round(H * 256 / 224), round(W * 256 / 224))),
                            transforms.CenterCrop((H, W)), transforms.ToTensor(),
                            transforms.Normalize(MEAN, STD)])
    return t(Image.open(image).convert("RGB")).unsqueeze(0).double()
