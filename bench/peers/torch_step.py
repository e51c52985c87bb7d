"""PyTorch reference for the `train-step` scenario: the same denoiser MLP, EDM loss, Adam and EMA update
as synthdiff's training step (src/diffusion/network.ts, denoiser.ts, adam.ts, train.ts), timed the same
way (median of interleaved repetitions after one warm-up), on CPU with a given number of threads.

    /usr/bin/python3 bench/peers/torch_step.py --dim 28 --width 256 --depth 3 --batch 256 --threads 1 --reps 20

Prints one JSON line per batch: {"batch", "threads", "intraOpThreads", "stepMs", "forwardMs", "cpuPerWall",
"blasThreads", "tried", "torch"}: with --threads T > 1, PyTorch's own pool at T and at 1 (the BLAS pool at T both
times), the faster kept.

Threads: `torch.set_num_threads` sizes PyTorch's own (OpenMP) pool, but Debian's PyTorch multiplies through the
system BLAS (libblas.so.3, i.e. OpenBLAS's pthread build), whose pool it leaves alone: "1 thread" ran its GEMMs
on every core (4,096×256×256 in 3.5 ms, 6.0 ms with OPENBLAS_NUM_THREADS=1, on the 2-core EPYC). So the BLAS
pools are sized from --threads in the environment before torch loads; `blasThreads` reads OpenBLAS's own count
back, and `cpuPerWall` (process CPU time over wall time of the timed calls) says how many cores the run used.
"""
import argparse
import ctypes
import json
import math
import os
import time


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=28)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--time-dim", type=int, default=64)
    ap.add_argument("--batch", type=str, default="256")
    ap.add_argument("--reps", type=str, default="20")
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args()


ARGS = parse_args()
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import torch  # noqa: E402  (after the BLAS pools are sized)


def blas_threads() -> int | None:
    """OpenBLAS's thread count as the loaded library reports it, or None where torch's BLAS is not OpenBLAS."""
    try:
        return int(ctypes.CDLL("libopenblas.so.0").openblas_get_num_threads())
    except (OSError, AttributeError):
        return None


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
    a = ARGS
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

        med = lambda v: sorted(v)[len(v) // 2]
        runs = []
        # With T > 1 the BLAS pool and PyTorch's own pool both spin on the same cores: on the 2-core EPYC
        # 2 + 2 threads took 113 ms a 4,096-row step where PyTorch's pool at 1 (BLAS still at 2) took 49.
        # The reference is PyTorch at its best on T cores, so both are timed and the faster is reported.
        for intra in sorted({a.threads, 1}, reverse=True):
            torch.set_num_threads(intra)
            forward()
            step()
            fs, ss = [], []
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                t0 = time.perf_counter()
                forward()
                fs.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                step()
                ss.append((time.perf_counter() - t0) * 1000)
            cpu_per_wall = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
            runs.append({"intraOpThreads": torch.get_num_threads(), "stepMs": round(med(ss), 3), "forwardMs": round(med(fs), 3), "cpuPerWall": round(cpu_per_wall, 2)})
        best = min(runs, key=lambda r: r["stepMs"])
        print(json.dumps({"batch": B, "threads": a.threads, **best, "blasThreads": blas_threads(), "tried": runs, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
