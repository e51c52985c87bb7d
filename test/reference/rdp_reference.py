"""Reference ε for test/rdp.test.ts: the sampled Gaussian mechanism's RDP (Mironov, Talwar & Zhang 2019,
Section 3.3, integer and fractional orders) and the Balle et al. 2020 Theorem 21 conversion, written
from the papers' formulas with numpy/scipy (the same formulas Opacus' analysis/rdp.py implements).
Run: /usr/bin/python3 test/reference/rdp_reference.py"""
import math
import numpy as np
from scipy import special

ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def log_add(x, y):
    a, b = min(x, y), max(x, y)
    return b if a == -np.inf else math.log1p(math.exp(a - b)) + b


def log_sub(x, y):
    if y == -np.inf:
        return x
    if x == y:
        return -np.inf
    return math.log(math.expm1(x - y)) + y


def log_a_int(q, s, a):
    out = -np.inf
    for i in range(a + 1):
        out = log_add(out, math.log(special.binom(a, i)) + i * math.log(q) + (a - i) * math.log(1 - q) + (i * i - i) / (2 * s * s))
    return out


def log_erfc(x):
    return math.log(2) + special.log_ndtr(-x * 2 ** 0.5)


def log_a_frac(q, s, a):
    a0 = a1 = -np.inf
    z0 = s * s * math.log(1 / q - 1) + 0.5
    i = 0
    while True:
        coef = special.binom(a, i)
        lc = math.log(abs(coef))
        j = a - i
        s0 = lc + i * math.log(q) + j * math.log(1 - q) + (i * i - i) / (2 * s * s) + math.log(0.5) + log_erfc((i - z0) / (math.sqrt(2) * s))
        s1 = lc + j * math.log(q) + i * math.log(1 - q) + (j * j - j) / (2 * s * s) + math.log(0.5) + log_erfc((z0 - j) / (math.sqrt(2) * s))
        if coef > 0:
            a0, a1 = log_add(a0, s0), log_add(a1, s1)
        else:
            a0, a1 = log_sub(a0, s0), log_sub(a1, s1)
        i += 1
        if max(s0, s1) < -30:
            break
    return log_add(a0, a1)


def rdp(q, s, a):
    return (log_a_int(q, s, int(a)) if float(a).is_integer() else log_a_frac(q, s, a)) / (a - 1)


def epsilon(q, s, steps, delta):
    r = np.array([steps * rdp(q, s, a) for a in ORDERS])
    o = np.array(ORDERS)
    e = r - (np.log(delta) + np.log(o)) / (o - 1) + np.log((o - 1) / o)
    k = int(np.nanargmin(e))
    return e[k], ORDERS[k]


for q, s, steps, delta in [(0.04, 1.5, 2250, 1e-5), (256 / 60000, 1.1, 14062, 1e-5), (0.07, 3.0, 1000, 1e-4), (0.1, 0.8, 200, 1e-5), (0.01, 5.0, 10000, 1e-6)]:
    e, a = epsilon(q, s, steps, delta)
    print(f"q={q!r} sigma={s} steps={steps} delta={delta} -> eps={e!r} order={a}")
