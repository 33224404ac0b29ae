"""Fit the polynomial behind the fast arcsin of rntk_bench/kernels/_fused.py.

asin(y) = y + y^3 p(y^2) on 0 <= y <= 1/2, with p of degree 11 interpolating at
Chebyshev nodes of u = y^2 in [0, 1/4], evaluated in 40-digit arithmetic (mpmath).
The printed coefficients are pasted into _ASIN_COEFFS; the script also prints the
largest error against numpy's arcsin on a dense grid (about 1 ulp).
Run: python tools/fit_asin.py   (needs mpmath: pip install mpmath)
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 40
DEGREE = 11


def target(u: mp.mpf) -> mp.mpf:
    if u == 0:
        return mp.mpf(1) / 6
    s = mp.sqrt(u)
    return (mp.asin(s) - s) / (u * s)


def main() -> None:
    n = DEGREE + 1
    nodes = [mp.mpf(1) / 8 * (1 + mp.cos(mp.pi * (2 * i + 1) / (2 * n))) for i in range(n)]
    vandermonde = mp.matrix([[x**j for j in range(n)] for x in nodes])
    coeffs = mp.lu_solve(vandermonde, mp.matrix([target(x) for x in nodes]))
    coeffs = [float(coeffs[j]) for j in range(n)]
    print("_ASIN_COEFFS = (")
    for c in coeffs:
        print(f"    {c!r},")
    print(")")
    y = np.linspace(0.0, 0.5, 1_000_001)
    u = y * y
    p = np.zeros_like(u)
    for c in reversed(coeffs):
        p = p * u + c
    print("max |error| vs numpy:", np.abs(y + y * u * p - np.arcsin(y)).max())


if __name__ == "__main__":
    main()
