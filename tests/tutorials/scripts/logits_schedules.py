"""Binary logits: BCEWithLogitsLoss and its functional form, Sigmoid, a cyclical and an
exponential learning-rate schedule, view/t/clone, and save/load of a state dict."""
import os
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

rng = np.random.default_rng(1)
X = torch.tensor(rng.standard_normal((64, 4)))
y = torch.tensor((rng.random(64) < 0.4).astype(np.float64))

net = nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 1), nn.Flatten(0, 1)).double()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
cyclic = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=5)
loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(1.5))
for t in range(30):
    loss = loss_fn(net(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    cyclic.step()
    if t % 6 == 5:
        print(t, loss.item(), cyclic.get_last_lr()[0], opt.param_groups[0]["momentum"])

opt2 = torch.optim.SGD(net.parameters(), lr=0.05)
decay = torch.optim.lr_scheduler.ExponentialLR(opt2, gamma=0.8)
for _ in range(10):
    z = net(X)
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="mean")
    opt2.zero_grad()
    loss.backward()
    opt2.step()
    decay.step()
print(loss.item(), decay.get_last_lr())

w = net[0].weight
print(w.shape, w.t().shape, w.view(-1)[:3], w.clone().sum().item(), w.T[0])
path = os.path.join(tempfile.mkdtemp(), "net.pth")
torch.save(net.state_dict(), path)
net2 = nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 1), nn.Flatten(0, 1)).double()
net2.load_state_dict(torch.load(path))
print((net2(X) - net(X)).abs().max().item(), nn.Sigmoid()(net2(X))[:3])
