# Seeded small re-implementations of the ResNet families people export,
# written to ONNX at test time: the published code's structure at a smaller
# width and depth. Each family gives the model, its input shape and the
# residual blocks the graph must show: (module scope, kind, the submodule
# whose input is the block input B, the submodule holding the shortcut).
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
        return stage_blocks((self.layer1, self.layer2, self.layer3, self.layer4),
                            lambda blk: blk.downsample is not None, lambda proj: "conv1", "downsample")


def stage_blocks(stages, has_projection, b_module, shortcut):
    """(scope, kind, B's module, shortcut module) of every block of
    layer1, layer2, ... as torch.onnx names their nodes."""
    out = []
    for i, stage in enumerate(stages):
        for b, blk in enumerate(stage):
            proj = has_projection(blk)
            out.append(("/layer%d/layer%d.%d" % (i + 1, i + 1, b), "projection" if proj else "identity",
                        b_module(proj), shortcut))
    return out


class BasicBlock(nn.Module):
    """kuangliu/pytorch-cifar models/resnet.py BasicBlock."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class PreActBlock(nn.Module):
    """kuangliu/pytorch-cifar models/preact_resnet.py PreActBlock: BN-ReLU
    before each Conv, the shortcut Conv on that ReLU, no ReLU after the Add."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class CifarResNet18(nn.Module):
    """kuangliu's ResNet18 / PreActResNet18 (3x3 stem, four stages of two
    blocks, F.avg_pool2d(out, 4): a zero Pad before the AveragePool in the
    torch 1.13 export) at width w instead of 64."""

    def __init__(self, block, w=4, classes=10):
        super().__init__()
        self.preact = block is PreActBlock
        self.conv1 = nn.Conv2d(3, w, 3, 1, 1, bias=False)
        self.bn1 = None if self.preact else nn.BatchNorm2d(w)
        cin, stages = w, []
        for i in range(4):
            planes, blocks = w << i, []
            for stride in (1 if i == 0 else 2, 1):
                blocks.append(block(cin, planes, stride))
                cin = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.linear = nn.Linear(cin, classes)

    def forward(self, x):
        out = self.conv1(x) if self.preact else F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        return self.linear(out.view(out.size(0), -1))

    def blocks(self):
        has = (lambda blk: hasattr(blk, "shortcut")) if self.preact else (lambda blk: len(blk.shortcut) > 0)
        b = (lambda proj: "conv1" if proj else "bn1") if self.preact else (lambda proj: "conv1")
        return stage_blocks((self.layer1, self.layer2, self.layer3, self.layer4), has, b, "shortcut")


class LambdaLayer(nn.Module):
    """akamaster's wrapper that makes the option-A shortcut a submodule."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class OptionABlock(nn.Module):
    """akamaster/pytorch_resnet_cifar10 resnet.py BasicBlock, option A: the
    shortcut is x[:, :, ::2, ::2] zero-padded by planes // 4 channels on
    each side (a strided Slice and a Pad whose pads the exporter computes
    with ConstantOfShape, Concat, Reshape, Slice, Transpose and Cast)."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.option_a = stride != 1 or cin != planes
        self.shortcut = nn.Sequential()
        if self.option_a:
            pad = planes // 4
            self.shortcut = LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad), "constant", 0))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    """akamaster's resnet20 (three stages of three option-A blocks) at widths
    4, 8, 16 instead of 16, 32, 64."""

    def __init__(self, w=4, n=3, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        cin, stages = w, []
        for i in range(3):
            planes, blocks = w << i, []
            for b in range(n):
                blocks.append(OptionABlock(cin, planes, 2 if i > 0 and b == 0 else 1))
                cin = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.linear = nn.Linear(cin, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, int(out.size()[3]))  # akamaster: out.size()[3]
        return self.linear(out.view(out.size(0), -1))

    def blocks(self):
        return stage_blocks((self.layer1, self.layer2, self.layer3), lambda blk: blk.option_a,
                            lambda proj: "conv1", "shortcut")


class SEModule(nn.Module):
    """timm layers/squeeze_excite.py SEModule: x.mean((2, 3), keepdim=True)
    (ReduceMean), 1x1 Conv, ReLU, 1x1 Conv, sigmoid, x * gate (broadcast)."""

    def __init__(self, c, rd):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(c, rd, 1), nn.Conv2d(rd, c, 1)

    def forward(self, x):
        x_se = self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(x_se)


class BottleneckSE(nn.Module):
    """timm's Bottleneck with attn_layer='se' (seresnet50): SE after bn3,
    before the Add; 1x1 Conv + BN projection shortcuts."""

    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * self.expansion
        self.conv1, self.bn1 = nn.Conv2d(cin, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3, self.bn3 = nn.Conv2d(planes, cout, 1, bias=False), nn.BatchNorm2d(cout)
        self.se = SEModule(cout, max(cout // 4, 2))
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.se(self.bn3(self.conv3(out)))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class SEResNet(nn.Module):
    """timm seresnet50 at small width and depth: 7x7 stem, max pool, four
    stages of SE bottlenecks."""

    def __init__(self, layers=(2, 1, 1, 1), stem=8, planes=(4, 8, 8, 8), classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False), nn.BatchNorm2d(stem)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, stages = stem, []
        for i, (n, p) in enumerate(zip(layers, planes)):
            blocks = []
            for b in range(n):
                blocks.append(BottleneckSE(cin, p, 2 if i > 0 and b == 0 else 1))
                cin = p * BottleneckSE.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def blocks(self):
        return stage_blocks((self.layer1, self.layer2, self.layer3, self.layer4),
                            lambda blk: blk.downsample is not None, lambda proj: "conv1", "downsample")


class SELayer(nn.Module):
    """moskomule/senet.pytorch senet/se_module.py SELayer: AdaptiveAvgPool2d
    (GlobalAveragePool), view, Linear, ReLU, Linear, Sigmoid, view,
    x * y.expand_as(x) (Expand, then Mul)."""

    def __init__(self, channel, reduction=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(channel, channel // reduction, bias=False), nn.ReLU(inplace=True),
                                nn.Linear(channel // reduction, channel, bias=False), nn.Sigmoid())

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.fc(self.avg_pool(x).view(b, c)).view(b, c, 1, 1)
        return x * y.expand_as(x)


class SEBasicBlock(nn.Module):
    """senet.pytorch senet/se_resnet.py SEBasicBlock: SE after bn2; the
    downsample Conv + BN given for a change of stride or width."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.se = SELayer(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        residual = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.se(self.bn2(self.conv2(out)))
        return F.relu(out + residual)


class SEResNet18(nn.Module):
    """senet.pytorch se_resnet18 (torchvision's ResNet with SEBasicBlock)
    at width 8 instead of 64."""

    def __init__(self, w=8, classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, w, 7, 2, 3, bias=False), nn.BatchNorm2d(w)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, stages = w, []
        for i in range(4):
            planes, blocks = w << i, []
            for stride in (1 if i == 0 else 2, 1):
                blocks.append(SEBasicBlock(cin, planes, stride))
                cin = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def blocks(self):
        return stage_blocks((self.layer1, self.layer2, self.layer3, self.layer4),
                            lambda blk: blk.downsample is not None, lambda proj: "conv1", "downsample")


class TVBasicBlock(nn.Module):
    """torchvision models/resnet.py BasicBlock (downsample: 1x1 Conv + BN)."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class NHWCResNet18(nn.Module):
    """torchvision's resnet18 (width 8 instead of 64) behind the NHWC front
    Keras/tf2onnx exports and some deployment graphs have: the input is
    (N, H, W, C) and the graph starts with Transpose(0, 3, 1, 2)."""

    def __init__(self, w=8, classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, w, 7, 2, 3, bias=False), nn.BatchNorm2d(w)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, stages = w, []
        for i in range(4):
            planes, blocks = w << i, []
            for stride in (1 if i == 0 else 2, 1):
                blocks.append(TVBasicBlock(cin, planes, stride))
                cin = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def blocks(self):
        return stage_blocks((self.layer1, self.layer2, self.layer3, self.layer4),
                            lambda blk: blk.downsample is not None, lambda proj: "conv1", "downsample")


def mobilenet_v2():
    """torchvision's mobilenet_v2 at width 0.35: inverted residuals, ReLU6
    (Clip) inside, no activation after the Add (identity shortcuts)."""
    import torchvision

    net = torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.35)
    net.blocks = lambda: [("/features/features.%d" % i, "identity", "conv/conv.0/conv.0.0", "-")
                          for i, f in enumerate(net.features) if getattr(f, "use_res_connect", False)]
    return net


def densenet():
    """torchvision's DenseNet (densenet121's structure: BN-ReLU-Conv dense
    layers joined by Concat, transitions with AvgPool) at growth 8 and
    blocks (2, 3, 4, 2) instead of 32 and (6, 12, 24, 16): no residual Add."""
    import torchvision

    net = torchvision.models.DenseNet(growth_rate=8, block_config=(2, 3, 4, 2), num_init_features=16,
                                      num_classes=10)
    net.blocks = lambda: []
    return net


# name: (constructor, input shape, BN kept in the export); 40x40 makes the
# stage-3 shortcut pool a ceil_mode window that runs past the 5x5 input.
FAMILIES = {
    "resnet-d": (ResNetD, (1, 3, 40, 40)),
    "resnet-d-bn-kept": (ResNetD, (1, 3, 40, 40), True),
    "cifar-resnet18": (lambda: CifarResNet18(BasicBlock), (1, 3, 32, 32)),
    "cifar-preact18": (lambda: CifarResNet18(PreActBlock), (1, 3, 32, 32)),
    "cifar-resnet20-a": (ResNet20, (1, 3, 32, 32)),
    "seresnet": (SEResNet, (1, 3, 64, 64)),
    "se-resnet18": (SEResNet18, (1, 3, 64, 64)),
    "nhwc-resnet18": (NHWCResNet18, (1, 64, 64, 3)),
    "mobilenet-v2": (mobilenet_v2, (1, 3, 32, 32)),
    "densenet": (densenet, (1, 3, 32, 32)),
}


def build(name, path, seed=0, opset=13):
    """Writes family 'name' to path; returns (float64 torch model, input
    shape, blocks)."""
    make, shape, keep_bn = (FAMILIES[name] + (False,))[:3]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = make()
    with torch.no_grad():
        randomize_bn(model, gen)
    model.eval()
    kept = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if keep_bn else {}
    torch.onnx.export(model, torch.zeros(shape), path, opset_version=opset,
                      input_names=["input"], output_names=["logits"], **kept)
    return model.double(), shape, model.blocks()
