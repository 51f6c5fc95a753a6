# Seeded small re-implementations of the ResNet families people export,
# written to ONNX at test time. Each family gives the model, its input shape
# and the residual blocks the graph must show: (module scope, kind).
import torch
import torch.nn as nn
import torch.nn.functional as F


def randomize_bn(model, gen):
    """BatchNorm statistics and affine parameters away from the identity, so
    that folding them into the Convs changes the weights."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)


class BottleneckD(nn.Module):
    """timm's Bottleneck with the ResNet-D shortcut (resnet50d: avg_down)."""

    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * self.expansion
        self.conv1, self.bn1 = nn.Conv2d(cin, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3, self.bn3 = nn.Conv2d(planes, cout, 1, bias=False), nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:  # timm downsample_avg
            pool = (nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False)
                    if stride > 1 else nn.Identity())
            self.downsample = nn.Sequential(pool, nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class ResNetD(nn.Module):
    """timm resnet50d at small width and depth: deep 3-conv stem, max pool,
    four stages of bottlenecks, AvgPool -> Conv -> BN projection shortcuts."""

    def __init__(self, layers=(2, 1, 1, 1), stem=8, planes=(4, 8, 8, 8), classes=10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, stem // 2, 3, 2, 1, bias=False), nn.BatchNorm2d(stem // 2), nn.ReLU(),
            nn.Conv2d(stem // 2, stem // 2, 3, 1, 1, bias=False), nn.BatchNorm2d(stem // 2), nn.ReLU(),
            nn.Conv2d(stem // 2, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU())
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, stages = stem, []
        for i, (n, p) in enumerate(zip(layers, planes)):
            blocks = []
            for b in range(n):
                blocks.append(BottleneckD(cin, p, 2 if i > 0 and b == 0 else 1))
                cin = p * BottleneckD.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(self.stem(x))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def blocks(self):
        return [("/layer%d/layer%d.%d" % (i + 1, i + 1, b), "identity" if blk.downsample is None else "projection")
                for i, stage in enumerate((self.layer1, self.layer2, self.layer3, self.layer4))
                for b, blk in enumerate(stage)]


# name: (constructor, input shape (N, C, H, W)); 40x40 makes the stage-3
# shortcut pool a ceil_mode window that runs past the 5x5 input.
FAMILIES = {
    "resnet-d": (ResNetD, (1, 3, 40, 40)),
}


def build(name, path, seed=0, opset=13):
    """Writes family 'name' to path; returns (float64 torch model, input
    shape, blocks)."""
    make, shape = FAMILIES[name]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = make()
    with torch.no_grad():
        randomize_bn(model, gen)
    model.eval()
    torch.onnx.export(model, torch.zeros(shape), path, opset_version=opset,
                      input_names=["input"], output_names=["logits"])
    return model.double(), shape, model.blocks()
