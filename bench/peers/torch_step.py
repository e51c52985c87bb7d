"""PyTorch reference for the `train-step` scenario: the same denoiser MLP, EDM loss, Adam and EMA update
as synthdiff's training step (src/diffusion/network.ts, denoiser.ts, adam.ts, train.ts), timed the same
way (median of interleaved repetitions after one warm-up), on CPU with a given number of threads.

    /usr/bin/python3 bench/peers/torch_step.py --dim 28 --width 256 --depth 3 --batch 256 --threads 1 --reps 20

Prints one JSON line per batch: {"batch", "threads", "stepMs", "forwardMs", "torch"}.
"""
import argparse
import json
import math
import time

import torch


class Mlp(torch.nn.Module):
    """F(input, c_noise): a time MLP on a sinusoidal embedding, added to the first hidden layer (network.ts)."""

    def __init__(self, dim: int, width: int, depth: int, time_dim: int):
        super().__init__()
        half = time_dim // 2
        self.register_buffer("freqs", torch.tensor([math.exp(-math.log(1000) * i / half) * 16 for i in range(half)]))
        self.t1 = torch.nn.Linear(time_dim, width)
        self.t2 = torch.nn.Linear(width, width)
        self.inp = torch.nn.Linear(2 * dim, width)
        self.hidden = torch.nn.ModuleList([torch.nn.Linear(width, width) for _ in range(depth - 1)])
        self.out = torch.nn.Linear(width, dim)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        angles = c_noise * self.freqs
        emb = torch.cat([torch.sin(angles), torch.cos(angles)], 1)
        t = self.t2(torch.relu(self.t1(emb)))
        h = torch.relu(self.inp(x) + t)
        for layer in self.hidden:
            h = torch.relu(layer(h))
        return self.out(h)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=28)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--time-dim", type=int, default=64)
    ap.add_argument("--batch", type=str, default="256")
    ap.add_argument("--reps", type=str, default="20")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    D = a.dim
    net = Mlp(D, a.width, a.depth, a.time_dim)
    ema = Mlp(D, a.width, a.depth, a.time_dim)
    ema.load_state_dict(net.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    sigma_data, p_mean, p_std = 1.0, -0.5, 1.4
    batches = [int(b) for b in a.batch.split(",")]
    reps = [int(r) for r in a.reps.split(",")]
    for bi, B in enumerate(batches):
        n = reps[bi] if bi < len(reps) else reps[-1]
        x0 = torch.randn(B, D)
        cond = (torch.rand(B, D) < 0.3).float()
        target = 1 - cond
        k = [0]

        def step() -> None:
            # EDM loss (denoiser.ts edmLoss) with a per-row σ ~ LogNormal(p_mean, p_std).
            sigma = torch.exp(p_mean + p_std * torch.randn(B, 1))
            noise = torch.randn(B, D)
            s2 = sigma * sigma + sigma_data * sigma_data
            c_in, c_skip, c_out, c_noise = torch.rsqrt(s2), sigma_data**2 / s2, sigma * sigma_data * torch.rsqrt(s2), torch.log(sigma) / 4
            x_noisy = x0 + sigma * noise
            inp = torch.cat([(x_noisy * c_in) * (1 - cond) + x0 * cond, cond], 1)
            f = net(inp, c_noise)
            f_target = (x0 - c_skip * x_noisy) / c_out
            loss = ((f - f_target) ** 2 * target).sum() / target.sum().clamp(min=1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            decay = min(0.999, (1 + k[0]) / (10 + k[0]))
            k[0] += 1
            with torch.no_grad():
                for e, p in zip(ema.parameters(), net.parameters()):
                    e.mul_(decay).add_(p, alpha=1 - decay)
            loss.item()

        inp_fixed = torch.cat([x0, cond], 1)
        c_fixed = torch.log(torch.exp(p_mean + p_std * torch.randn(B, 1))) / 4

        def forward() -> None:
            with torch.no_grad():
                net(inp_fixed, c_fixed).sum().item()

        forward()
        step()
        fs, ss = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            forward()
            fs.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            step()
            ss.append((time.perf_counter() - t0) * 1000)
        med = lambda v: sorted(v)[len(v) // 2]
        print(json.dumps({"batch": B, "threads": torch.get_num_threads(), "stepMs": round(med(ss), 3), "forwardMs": round(med(fs), 3), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
