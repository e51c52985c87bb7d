"""Whether PyTorch's matrix multiplies obey torch.set_num_threads (issue 12's reference; bench/RESULTS.md, ninth
session). Debian's PyTorch multiplies through OpenBLAS, whose pool is sized by OPENBLAS_NUM_THREADS, not by torch.

    for t in 1 2; do /usr/bin/python3 bench/prototypes/torch-blas-threads.py $t; done   # OpenBLAS pool of t
    /usr/bin/python3 bench/prototypes/torch-blas-threads.py                             # OpenBLAS as it comes

Prints ms per product (means of 30 after 5 warm-ups) with torch.set_num_threads(1) in every case.
"""
import os
import sys

if len(sys.argv) > 1:
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[1]
import time  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)


def ms(f, n=30):
    for _ in range(5):
        f()
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n * 1e3


a, w, o, d = torch.randn(4096, 256), torch.randn(256, 256), torch.randn(256, 34), torch.randn(4096, 34)
print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}: 4096x256x256 {ms(lambda: a @ w):.2f} ms, "
      f"dW 256x4096x256 {ms(lambda: a.t() @ a):.2f}, 4096x256x34 {ms(lambda: a @ o):.2f}, 4096x34x256 {ms(lambda: d @ o.t()):.2f}")
