"""A custom autograd.Function (ctx, save_for_backward, saved_tensors), trained with SGD."""
import numpy as np
import torch


class Legendre3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)


xs = np.linspace(-2.0, 2.0, 400)
x = torch.tensor(xs)
y = torch.tensor(np.sin(xs))
a = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
c = torch.tensor(0.0, requires_grad=True)
d = torch.tensor(0.3, requires_grad=True)
opt = torch.optim.SGD([a, b, c, d], lr=2e-5, momentum=0.5)
for t in range(200):
    y_pred = a + b * Legendre3.apply(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 40 == 39:
        print(t, loss.item())
    opt.zero_grad()
    loss.backward()
    opt.step()
print(a.item(), b.item(), c.item(), d.item())
print(a.grad.shape if hasattr(a.grad, "shape") else None, loss.requires_grad)
