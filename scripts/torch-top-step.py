"""PyTorch peer of scripts/ft-step-profile.ts: one training step of MobileNetV2's top 30%
(torchvision features[13:] = blocks 12-16 + the last 1x1 conv, BatchNorm in inference mode with
trainable affine, as petlab trains it), global average pool, dropout 0.2, a dense head, AdamW,
from random "cached" 14x14x96 features. Random weights (speed only).

    /usr/bin/python3 scripts/torch-top-step.py [batch] [reps] [threads]
"""
import sys
import time

import torch
import torchvision

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 6
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
full = torchvision.models.mobilenet_v2(weights=None)
top = torch.nn.Sequential(*list(full.features.children())[13:])
model = torch.nn.Sequential(top, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Dropout(0.2), torch.nn.Linear(1280, 2))
model.train()
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.eval()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
x = torch.randn(batch, 96, 14, 14)
y = torch.arange(batch) % 2
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(2):
    step()
times = []
cpus = []
for _ in range(reps):
    t0 = time.perf_counter()
    c0 = time.process_time()
    step()
    cpus.append(time.process_time() - c0)
    times.append(time.perf_counter() - t0)
times.sort()
cpus.sort()
med = times[len(times) // 2]
cpu = cpus[len(cpus) // 2]
with open("/proc/loadavg") as f:
    load = f.read().strip()
print(f"torch {torch.__version__} {threads} threads, batch {batch}: step {med * 1000:.0f} ms median (min {times[0] * 1000:.0f}), {batch / med:.1f} img/s; cpu {cpu * 1000:.0f} ms ({batch / cpu:.1f} img/s per core-second); load {load}")
