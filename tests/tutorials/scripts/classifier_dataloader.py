"""A Sequential classifier on a synthetic data set: Flatten, Linear(in_features=...), Tanh,
CrossEntropyLoss, Adam(betas=...), DataLoader/TensorDataset, train/eval, no_grad, devices."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"
if torch.backends.mps.is_available():
    device = "mps"
print(f"Using {device} device", torch.device(device))

rng = np.random.default_rng(0)
X = rng.standard_normal((150, 2, 3))
labels = (X.sum(axis=(1, 2)) > 0).astype(np.int64) + (X[:, 0, 0] > 1).astype(np.int64)
train = DataLoader(TensorDataset(torch.tensor(X[:120]), torch.tensor(labels[:120])),
                   batch_size=32)
test = DataLoader(TensorDataset(torch.tensor(X[120:]), torch.tensor(labels[120:])),
                  batch_size=32)
print(len(train), len(train.dataset), len(test))

model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(in_features=6, out_features=16),
    nn.Tanh(),
    nn.Linear(16, 3),
).double().to(device)
print(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99))

for epoch in range(4):
    model.train()
    for batch, (xb, yb) in enumerate(train):
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch % 2 == 0:
            print(f"epoch {epoch} batch {batch} loss {loss.item():>7f} [{len(xb)}]")
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        for xb, yb in test:
            pred = model(xb)
            total_loss += loss_fn(pred, yb).item()
            correct += int((pred.argmax(1) == yb).sum().item())
    print(f"accuracy {100 * correct / len(test.dataset):>0.1f}% loss {total_loss / len(test):>8f}")

with torch.inference_mode():
    probs = nn.Softmax(dim=1)(model(torch.tensor(X[:4])))
print(probs)
for name, param in model.named_parameters():
    print(name, param.size(), param.numel(), param.dim(), param[:2])
