"""A custom Module of nn.Parameters fitted with MSELoss, RMSprop and a StepLR schedule."""
import math

import numpy as np
import torch

xs = np.linspace(-1.0, 1.0, 200)
x = torch.tensor(xs)
y = torch.tensor(np.exp(xs) * np.cos(math.pi * xs))


class Cubic(torch.nn.Module):
    def __init__(self, start):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(start[0]))
        self.b = torch.nn.Parameter(torch.tensor(start[1]))
        self.c = torch.nn.Parameter(torch.tensor(start[2]))
        self.d = torch.nn.Parameter(torch.tensor(start[3]))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3


model = Cubic(np.random.default_rng(2).standard_normal(4))
print([name for name, _ in model.named_parameters()])
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=25, gamma=0.5)
# short: RMSprop divides by sqrt(v), so where a gradient nears 0 round-off decides the step
for t in range(75):
    loss = criterion(model(x), y)
    if t % 10 == 9:
        print(t, loss.item(), scheduler.get_last_lr()[0])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
print(f"y = {model.a.item()} + {model.b.item()} x + {model.c.item()} x^2 + {model.d.item()} x^3")
