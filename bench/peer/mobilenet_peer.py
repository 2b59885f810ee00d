"""PyTorch peer of petlab's bench: the same MobileNetV2 work, timed on this machine in the same run.

Modes (each prints one JSON line: images, seconds, images_per_s):
  embed FILELIST  decode with PIL (cover resize to 224, centre crop) and embed, batch --batch
  top             train the top --blocks of MobileNetV2's 19 blocks (+ pool + linear head) from cached
                  lower-part features (random [N,C,14,14] tensors), AdamW, batch --batch
  top-eval        the same top's forward alone in eval mode, no gradients (an epoch's validation)
  full            train the whole MobileNetV2 from 224x224 pictures (random tensors), AdamW
  views FILELIST  fine-tuning's frozen features: each line "path<TAB>V", V views of the picture from
                  one PIL decode (1: the picture; 2: and its mirror; more: and V - 2 random resized
                  crops with flip and colour jitter, as petlab's), through the lower part (all but the
                  top --blocks), batch --batch; counts views

Random weights (speed only). BatchNorm is folded into the convolutions' biases, as in petlab's
MobileNetV2 (quantization-trained TFLite, BN already folded): the same arithmetic per layer.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
from PIL import Image, ImageOps
import torchvision

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def fold_batchnorm(module: nn.Module) -> None:
    """Replace every (Conv2d, BatchNorm2d) pair inside a Sequential by one Conv2d with a bias."""
    for child in module.children():
        fold_batchnorm(child)
    if not isinstance(module, nn.Sequential):
        return
    names = list(module._modules.keys())
    for a, b in zip(names, names[1:]):
        conv, bn = module._modules[a], module._modules[b]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                              conv.dilation, conv.groups, bias=True)
            module._modules[a] = fused
            module._modules[b] = nn.Identity()


def mobilenet(classes: int) -> nn.Module:
    m = torchvision.models.mobilenet_v2(weights=None, num_classes=classes)
    fold_batchnorm(m)
    return m


def timed_loop(step, batch: int, seconds: float, warmup: int):
    for _ in range(warmup):
        step()
    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += batch
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n, dt


def run_embed(a) -> dict:
    files = [l.strip() for l in open(a.filelist, encoding='utf-8') if l.strip()]
    model = mobilenet(1000).eval()
    features = nn.Sequential(model.features, nn.AdaptiveAvgPool2d(1), nn.Flatten())
    pos = [0]

    def load(path):
        with Image.open(path) as im:
            im = ImageOps.fit(im.convert('RGB'), (224, 224), Image.BILINEAR)
            return torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(224, 224, 3)

    def step():
        batch = []
        while len(batch) < a.batch:
            batch.append(load(files[pos[0] % len(files)]))
            pos[0] += 1
        x = torch.stack(batch).permute(0, 3, 1, 2).float().div_(255)
        with torch.no_grad():
            features((x - MEAN) / STD)

    return timed_loop(step, a.batch, a.seconds, 1)


def run_views(a) -> dict:
    from torchvision import transforms
    lines = [l.rstrip('\n').split('\t') for l in open(a.filelist, encoding='utf-8') if l.strip()]
    m = mobilenet(1000).eval()
    lower = m.features[:len(m.features) - a.blocks]
    # petlab's random views (images/augment.ts): area 0.5-1, aspect 3/4-4/3, flip, jitter 15%
    random_view = transforms.Compose([
        transforms.RandomResizedCrop(224, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3)),
        transforms.RandomHorizontalFlip(),
        transforms.ColorJitter(brightness=0.15, contrast=0.15, saturation=0.15),
    ])
    pos = [0]
    queue = []

    def as_tensor(im):
        return torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(224, 224, 3)

    def load(path, views):
        with Image.open(path) as im:
            im = im.convert('RGB')
            plain = as_tensor(ImageOps.fit(im, (224, 224), Image.BILINEAR))
            out = [plain]
            if views >= 2:
                out.append(plain.flip(1))
            out.extend(as_tensor(random_view(im)) for _ in range(views - 2))
            return out

    def step():
        while len(queue) < a.batch:
            path, views = lines[pos[0] % len(lines)]
            queue.extend(load(path, int(views)))
            pos[0] += 1
        batch = [queue.pop(0) for _ in range(a.batch)]
        x = torch.stack(batch).permute(0, 3, 1, 2).float().div_(255)
        with torch.no_grad():
            lower((x - MEAN) / STD)

    return timed_loop(step, a.batch, a.seconds, 1)


def train_step(model, x, y):
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-4, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def top_part(a):
    """The top --blocks of MobileNetV2 with pool and head, and a batch of its input at the cut."""
    m = mobilenet(a.classes)
    first = len(m.features) - a.blocks
    top = nn.Sequential(*m.features[first:], nn.AdaptiveAvgPool2d(1), nn.Flatten(), m.classifier)
    # the lower part's output shape at the cut
    with torch.no_grad():
        shape = m.features[:first](torch.zeros(1, 3, 224, 224)).shape[1:]
    return top, torch.randn(a.batch, *shape)


def run_top(a) -> dict:
    top, x = top_part(a)
    y = torch.randint(0, a.classes, (a.batch,))
    return timed_loop(train_step(top.train(), x, y), a.batch, a.seconds, 2)


def run_top_eval(a) -> dict:
    top, x = top_part(a)
    top.eval()

    def step():
        with torch.no_grad():
            torch.softmax(top(x), 1)

    return timed_loop(step, a.batch, a.seconds, 2)


def run_full(a) -> dict:
    m = mobilenet(a.classes).train()
    x = torch.randn(a.batch, 3, 224, 224)
    y = torch.randint(0, a.classes, (a.batch,))
    return timed_loop(train_step(m, x, y), a.batch, a.seconds, 1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['embed', 'top', 'top-eval', 'full', 'views'])
    p.add_argument('filelist', nargs='?')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--blocks', type=int, default=6)
    p.add_argument('--classes', type=int, default=37)
    p.add_argument('--seconds', type=float, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.mode in ('embed', 'views') and not a.filelist:
        sys.exit(f'{a.mode} needs a file with one picture path a line')
    n, dt = {'embed': run_embed, 'top': run_top, 'top-eval': run_top_eval, 'full': run_full, 'views': run_views}[a.mode](a)
    print(json.dumps({'mode': a.mode, 'images': n, 'seconds': dt, 'images_per_s': n / dt,
                      'torch': torch.__version__, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
