"""LIBSVM's C-SVC, step for step in numba: the solver behind the fast selection.

Selection fits millions of small SVMs on precomputed Gram matrices. LIBSVM (through
scikit-learn's binding) spends much of that time outside its optimisation: argument
handling, one kernel-cache column per function-pointer call, a new sub-problem per
one-vs-one pair, the model copied out and a separate prediction call. This module
runs the same algorithm in compiled code, with the same floating-point operations in
the same order, so that every multiplier, every rho and every iteration count is bit
for bit scikit-learn's (tests/svm/test_csvc.py compares them on thousands of problems):

- the sub-problems of the one-vs-one scheme are those of ``svm_train``: classes in
  ascending order, the series of each class in training order, class i labelled +1
  against class j;
- ``Solver::Solve`` with ``Solver::select_working_set`` (second-order working-set
  selection), ``do_shrinking``/``be_shrunk``, ``reconstruct_gradient`` and
  ``calculate_rho`` as in scikit-learn 1.x's ``svm.cpp``, including its
  ``max_iter`` test at the top of each iteration;
- the kernel cache stores Q in single precision (``Qfloat``): Q_ij is the float32
  rounding of y_i y_j K_ij, and products with it are taken in double precision, as
  in C; the diagonal QD stays in double precision. The cache itself is transparent
  (its values do not depend on what is cached), so it is not replicated.

One saving LIBSVM cannot make: a sub-problem whose multipliers never reached their
bound C during its solve took exactly the steps it would take for any larger C
(C enters a step only through comparisons with the bound, see docs/SELECTION.md), so
its solution is reused for the next C of the path instead of being solved again.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from rntk_bench.svm.libsvm import OPTIONS

__all__ = ["REPLICATES", "fold_accuracies"]

#: The LIBSVM options this solver replicates (:data:`.libsvm.OPTIONS` must have them):
#: C-SVC, a precomputed kernel, shrinking. The kernel cache changes no value, so its
#: size does not matter; the tolerance and the iteration cap are arguments (``eps``,
#: ``max_iter``: callers pass ``OPTIONS.tol`` and ``OPTIONS.max_iter``).
REPLICATES = {"svm_type": 0, "kernel": "precomputed", "shrinking": 1}
if any(getattr(OPTIONS, name) != value for name, value in REPLICATES.items()):  # pragma: no cover
    raise RuntimeError(f"the compiled C-SVC replicates LIBSVM with {REPLICATES}, not {OPTIONS}")

_LOWER, _UPPER, _FREE = 0, 1, 2
_TAU = 1e-12
_INF = np.inf

# No fastmath: every operation is rounded as LIBSVM's C code rounds it.
_jit = nb.njit(cache=True, nogil=True)


@_jit
def _status(alpha: float, C: float) -> int:
    """update_alpha_status: UPPER when alpha >= C, LOWER when alpha <= 0."""
    if alpha >= C:
        return _UPPER
    if alpha <= 0:
        return _LOWER
    return _FREE


@_jit
def _swap(a, b, Q, y, G, G_bar, alpha, status, active, QD):
    """Solver::swap_index (p and C are constant here, so they need no swap).

    LIBSVM's kernel cache swaps the two entries of every cached column; here Q is
    kept whole in the order of the positions, so its rows and columns are swapped.
    """
    for k in range(Q.shape[0]):
        Q[a, k], Q[b, k] = Q[b, k], Q[a, k]
    for k in range(Q.shape[0]):
        Q[k, a], Q[k, b] = Q[k, b], Q[k, a]
    y[a], y[b] = y[b], y[a]
    G[a], G[b] = G[b], G[a]
    status[a], status[b] = status[b], status[a]
    alpha[a], alpha[b] = alpha[b], alpha[a]
    active[a], active[b] = active[b], active[a]
    G_bar[a], G_bar[b] = G_bar[b], G_bar[a]
    QD[a], QD[b] = QD[b], QD[a]


@_jit
def _reconstruct(Q, G, G_bar, alpha, status, active_size):
    """Solver::reconstruct_gradient: the gradient of the shrunk variables."""
    n = G.shape[0]
    if active_size == n:
        return
    for j in range(active_size, n):
        G[j] = G_bar[j] - 1.0  # p = -1
    n_free = 0
    for j in range(active_size):
        if status[j] == _FREE:
            n_free += 1
    if n_free * n > 2 * active_size * (n - active_size):
        for i in range(active_size, n):
            row = Q[i]
            for j in range(active_size):
                if status[j] == _FREE:
                    G[i] += alpha[j] * np.float64(row[j])
    else:
        for i in range(active_size):
            if status[i] == _FREE:
                row = Q[i]
                alpha_i = alpha[i]
                for j in range(active_size, n):
                    G[j] += alpha_i * np.float64(row[j])


@_jit
def _move_g_bar(G_bar, row, C, leaving):
    """G_bar -= C Q_t (multiplier t left its bound C) or += C Q_t (it reached it)."""
    for k in range(G_bar.shape[0]):
        if leaving:
            G_bar[k] -= C * np.float64(row[k])
        else:
            G_bar[k] += C * np.float64(row[k])


@_jit
def _be_shrunk(t, y, G, status, gmax1, gmax2):
    if status[t] == _UPPER:
        return -G[t] > gmax1 if y[t] == 1 else -G[t] > gmax2
    if status[t] == _LOWER:
        return G[t] > gmax2 if y[t] == 1 else G[t] > gmax1
    return False


@_jit
def _gain(grad_diff, quad_coef):
    """The objective change of a working-set candidate; TAU where Q is not convex there."""
    if quad_coef > 0:
        return -(grad_diff * grad_diff) / quad_coef
    return -(grad_diff * grad_diff) / _TAU


@_jit
def _select(Q, y, G, status, QD, active_size, eps):
    """Solver::select_working_set; (-1, -1) when the solution is optimal."""
    gmax = -_INF
    gmax2 = -_INF
    gmax_idx = -1
    gmin_idx = -1
    obj_diff_min = _INF
    for t in range(active_size):
        if y[t] == 1:
            if status[t] != _UPPER and -G[t] >= gmax:
                gmax = -G[t]
                gmax_idx = t
        elif status[t] != _LOWER and G[t] >= gmax:
            gmax = G[t]
            gmax_idx = t
    i = gmax_idx
    row = Q[i] if i != -1 else Q[0]
    qd_i = QD[i] if i != -1 else 0.0
    y_i = y[i] if i != -1 else 1.0
    for j in range(active_size):
        if y[j] == 1:
            if status[j] != _LOWER:
                grad_diff = gmax + G[j]
                if G[j] >= gmax2:
                    gmax2 = G[j]
                if grad_diff > 0:
                    obj_diff = _gain(grad_diff, qd_i + QD[j] - 2.0 * y_i * np.float64(row[j]))
                    if obj_diff <= obj_diff_min:
                        gmin_idx = j
                        obj_diff_min = obj_diff
        elif status[j] != _UPPER:
            grad_diff = gmax - G[j]
            if -G[j] >= gmax2:
                gmax2 = -G[j]
            if grad_diff > 0:
                obj_diff = _gain(grad_diff, qd_i + QD[j] + 2.0 * y_i * np.float64(row[j]))
                if obj_diff <= obj_diff_min:
                    gmin_idx = j
                    obj_diff_min = obj_diff
    if gmax + gmax2 < eps or gmin_idx == -1:
        return -1, -1
    return gmax_idx, gmin_idx


@_jit
def _solve(Q0, QD0, y0, C, eps, max_iter, coef):
    """Solver::Solve for a C-SVC sub-problem; writes y_i alpha_i into ``coef``.

    Parameters
    ----------
    Q0 : ndarray of shape (n, n), float32
        y_i y_j K_ij of the sub-problem in its own order: LIBSVM's Qfloat values.
    QD0 : ndarray of shape (n,), float64
        The kernel's diagonal in double precision.
    y0 : ndarray of shape (n,), float64
        +1 / -1.
    C : float
    eps : float
        Stopping tolerance (LIBSVM's eps, scikit-learn's tol).
    max_iter : int
    coef : ndarray of shape (n,), float64, written

    Returns
    -------
    rho : float
    n_iter : int
    touched : bool
        Some step compared a value with C and a larger C could have compared
        otherwise: a multiplier reached C, or a pair of equal labels summed to more than
        C. Otherwise any larger C takes exactly these steps.
    """
    n = Q0.shape[0]
    Q = Q0  # copied on the first swap only (shrinking): Q0 serves the next C too
    owned = False
    y = y0.copy()
    QD = QD0.copy()
    alpha = np.zeros(n)
    G = np.full(n, -1.0)  # p = -1 and alpha = 0
    G_bar = np.zeros(n)
    status = np.full(n, _status(0.0, C), dtype=np.int8)
    active = np.arange(n)
    active_size = n
    unshrink = False
    touched = False
    n_iter = 0
    counter = min(n, 1000) + 1
    while True:
        if n_iter >= max_iter:
            break
        counter -= 1
        if counter == 0:
            counter = min(n, 1000)
            # do_shrinking
            gmax1 = -_INF
            gmax2 = -_INF
            for t in range(active_size):
                if y[t] == 1:
                    if status[t] != _UPPER and -G[t] >= gmax1:
                        gmax1 = -G[t]
                    if status[t] != _LOWER and G[t] >= gmax2:
                        gmax2 = G[t]
                else:
                    if status[t] != _UPPER and -G[t] >= gmax2:
                        gmax2 = -G[t]
                    if status[t] != _LOWER and G[t] >= gmax1:
                        gmax1 = G[t]
            if not unshrink and gmax1 + gmax2 <= eps * 10:
                unshrink = True
                _reconstruct(Q, G, G_bar, alpha, status, active_size)
                active_size = n
            t = 0
            while t < active_size:
                if _be_shrunk(t, y, G, status, gmax1, gmax2):
                    active_size -= 1
                    while active_size > t:
                        if not _be_shrunk(active_size, y, G, status, gmax1, gmax2):
                            if not owned:
                                Q = Q0.copy()
                                owned = True
                            _swap(t, active_size, Q, y, G, G_bar, alpha, status, active, QD)
                            break
                        active_size -= 1
                t += 1
        i, j = _select(Q, y, G, status, QD, active_size, eps)
        if i == -1:
            _reconstruct(Q, G, G_bar, alpha, status, active_size)
            active_size = n
            i, j = _select(Q, y, G, status, QD, active_size, eps)
            if i == -1:
                break
            counter = 1  # shrink at the next iteration
        n_iter += 1
        row_i = Q[i]
        row_j = Q[j]
        q_ij = np.float64(row_i[j])
        old_i = alpha[i]
        old_j = alpha[j]
        if y[i] != y[j]:
            quad_coef = QD[i] + QD[j] + 2.0 * q_ij
            if quad_coef <= 0:
                quad_coef = _TAU
            delta = (-G[i] - G[j]) / quad_coef
            diff = alpha[i] - alpha[j]
            alpha[i] += delta
            alpha[j] += delta
            if diff > 0:
                if alpha[j] < 0:
                    alpha[j] = 0.0
                    alpha[i] = diff
            elif alpha[i] < 0:
                alpha[i] = 0.0
                alpha[j] = -diff
            if diff > C - C:
                if alpha[i] > C:
                    alpha[i] = C
                    alpha[j] = C - diff
            elif alpha[j] > C:
                alpha[j] = C
                alpha[i] = C + diff
        else:
            quad_coef = QD[i] + QD[j] - 2.0 * q_ij
            if quad_coef <= 0:
                quad_coef = _TAU
            delta = (G[i] - G[j]) / quad_coef
            total = alpha[i] + alpha[j]
            alpha[i] -= delta
            alpha[j] += delta
            if total > C:  # the branch below depends on C: a larger C may take the other
                touched = True
            if total > C:
                if alpha[i] > C:
                    alpha[i] = C
                    alpha[j] = total - C
            elif alpha[j] < 0:
                alpha[j] = 0.0
                alpha[i] = total
            if total > C:
                if alpha[j] > C:
                    alpha[j] = C
                    alpha[i] = total - C
            elif alpha[i] < 0:
                alpha[i] = 0.0
                alpha[j] = total
        delta_i = alpha[i] - old_i
        delta_j = alpha[j] - old_j
        for k in range(active_size):
            G[k] += np.float64(row_i[k]) * delta_i + np.float64(row_j[k]) * delta_j
        upper_i = status[i] == _UPPER
        upper_j = status[j] == _UPPER
        status[i] = _status(alpha[i], C)
        status[j] = _status(alpha[j], C)
        if status[i] == _UPPER or status[j] == _UPPER:
            touched = True
        if upper_i != (status[i] == _UPPER):
            _move_g_bar(G_bar, row_i, C, upper_i)
        if upper_j != (status[j] == _UPPER):
            _move_g_bar(G_bar, row_j, C, upper_j)
    # calculate_rho
    n_free = 0
    ub = _INF
    lb = -_INF
    sum_free = 0.0
    for t in range(active_size):
        yG = y[t] * G[t]
        if status[t] == _UPPER:
            if y[t] == -1:
                ub = min(ub, yG)
            else:
                lb = max(lb, yG)
        elif status[t] == _LOWER:
            if y[t] == 1:
                ub = min(ub, yG)
            else:
                lb = max(lb, yG)
        else:
            n_free += 1
            sum_free += yG
    rho = sum_free / n_free if n_free > 0 else (ub + lb) / 2
    for t in range(n):
        coef[active[t]] = alpha[t] * y[t]
    return rho, n_iter, touched


@_jit
def _pairs(codes, n_class):
    """svm_train's one-vs-one sub-problems: class i's series then class j's.

    Returns
    -------
    members : ndarray of shape (n,), int64
        Training positions grouped by class (ascending), in training order within a
        class (svm_group_classes' ``perm``).
    start, count : ndarray of shape (n_class,), int64
    """
    count = np.zeros(n_class, np.int64)
    for c in codes:
        count[c] += 1
    start = np.zeros(n_class, np.int64)
    for c in range(1, n_class):
        start[c] = start[c - 1] + count[c - 1]
    fill = start.copy()
    members = np.empty(codes.shape[0], np.int64)
    for t in range(codes.shape[0]):
        members[fill[codes[t]]] = t
        fill[codes[t]] += 1
    return members, start, count


@_jit
def _pair_problem(gram, train, members, start, count, ci, cj):
    """Pair (ci, cj): its rows of ``gram`` (training positions), Q, QD and labels."""
    n = count[ci] + count[cj]
    index = np.empty(n, np.int64)
    index[: count[ci]] = train[members[start[ci] : start[ci] + count[ci]]]
    index[count[ci] :] = train[members[start[cj] : start[cj] + count[cj]]]
    labels = np.ones(n)
    labels[count[ci] :] = -1.0
    kernel = np.empty((n, n), np.float32)  # Q: y_a y_b K_ab in single precision
    diagonal = np.empty(n)
    for a in range(n):
        for b in range(n):
            kernel[a, b] = np.float32(labels[a] * labels[b] * gram[index[a], index[b]])
        diagonal[a] = gram[index[a], index[a]]
    return index, kernel, diagonal, labels


@_jit
def fold_accuracies(
    gram, train, valid, codes, n_class, target, c_values, eps, max_iter, c_path, reuse, out
):
    """Validation accuracy of LIBSVM's one-vs-one C-SVC for C values of one fold.

    Parameters
    ----------
    gram : ndarray of shape (n, n), float64
        The Gram matrix of the whole training split; the fold's blocks are read in
        place.
    train, valid : ndarray of shape (n_train,), (n_valid,), int64
        The fold's rows of ``gram``.
    codes : ndarray of shape (n_train,), int64
        Class codes of the ``train`` rows, 0 .. n_class - 1 (each present).
    n_class : int
    target : ndarray of shape (n_valid,), int64
        The code each validation row should get (-1: none).
    c_values : ndarray of shape (n_C,), float64, increasing
    eps : float
        LIBSVM's stopping tolerance.
    max_iter : int
    c_path : bool
        Once a fit has every multiplier of every pair strictly below C, copy its
        accuracy to the larger C values without fitting (docs/SELECTION.md).
    reuse : bool
        Reuse the solution of a pair that never reached its bound (exact).
    out : ndarray of shape (n_C,), written

    Returns
    -------
    fits, capped : int
        Fits run (C values not copied by the C path) and fits stopped at max_iter.
    """
    members, start, count = _pairs(codes, n_class)
    n_pairs = n_class * (n_class - 1) // 2
    problems = []
    for ci in range(n_class):
        for cj in range(ci + 1, n_class):
            problems.append(_pair_problem(gram, train, members, start, count, ci, cj))
    coefs = [np.zeros(p[0].shape[0]) for p in problems]
    rho = np.zeros(n_pairs)
    reusable = np.zeros(n_pairs, np.bool_)
    vote = np.empty(n_class, np.int64)
    fits = 0
    capped = 0
    copied = -1.0
    for m in range(c_values.shape[0]):
        if copied >= 0:
            out[m] = copied
            continue
        C = c_values[m]
        fits += 1
        stopped = False
        free = True
        for p in range(n_pairs):
            if not reusable[p]:
                index, kernel, diagonal, labels = problems[p]
                rho[p], n_iter, touched = _solve(
                    kernel, diagonal, labels, C, eps, max_iter, coefs[p]
                )
                hit_cap = n_iter >= max_iter
                stopped = stopped or hit_cap
                reusable[p] = reuse and not touched and not hit_cap
            for value in coefs[p]:
                if abs(value) >= C:
                    free = False
        hits = 0
        for r in range(valid.shape[0]):
            row = gram[valid[r]]
            vote[:] = 0
            p = 0
            for ci in range(n_class):
                for cj in range(ci + 1, n_class):
                    index = problems[p][0]
                    coef = coefs[p]
                    total = 0.0
                    for k in range(index.shape[0]):
                        if coef[k] != 0.0:  # LIBSVM sums support vectors only
                            total += coef[k] * row[index[k]]
                    total -= rho[p]
                    if total > 0:
                        vote[ci] += 1
                    else:
                        vote[cj] += 1
                    p += 1
            best = 0
            for c in range(1, n_class):
                if vote[c] > vote[best]:
                    best = c
            hits += best == target[r]
        out[m] = hits / valid.shape[0]
        capped += stopped
        if c_path and not stopped and free:
            copied = out[m]
    return fits, capped
