"""Section coverage: a greedy plan for the flow to follow, and exact improving moves and swaps after it.

Expertise and coverage are bit masks (bit i = section i). A panel's coverage is the OR of its
members' masks; ``unique`` holds the sections exactly one member covers (what the panel loses when
that member leaves).
"""

from __future__ import annotations

import numpy as np


def popcount(x: np.ndarray) -> np.ndarray:
    """Number of set bits of each int64."""
    return np.bitwise_count(x).astype(np.int64)


def coverable_masks(allowed: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per row: the sections some allowed reviewer is expert in (what the roster allows)."""
    out = np.zeros(allowed.shape[0], np.int64)
    for bit in range(int(masks.max()).bit_length() if masks.size else 0):
        has = ((masks >> bit) & 1).astype(bool)
        out |= allowed[:, has].any(axis=1).astype(np.int64) << bit
    return out


def panel_masks(panel_member_masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(covered, unique) masks of panels given as rows of their members' masks."""
    one = np.zeros(panel_member_masks.shape[0], np.int64)
    two = np.zeros_like(one)
    for p in range(panel_member_masks.shape[1]):
        x = panel_member_masks[:, p]
        two |= one & x
        one |= x
    return one, one & ~two


def greedy_plan(
    allowed: np.ndarray,
    masks: np.ndarray,
    per_row: int,
    cap: int,
    order: np.ndarray,
    rank: np.ndarray,
    initial: np.ndarray | None = None,
) -> np.ndarray:
    """Rows in ``order`` each take reviewers below the cap, most new sections first, then the least
    loaded (counting ``initial`` loads), then the lowest ``rank``. Returns the (possibly incomplete)
    assigned matrix."""
    n, m = allowed.shape
    assigned = np.zeros((n, m), bool)
    loads = np.zeros(m, np.int64) if initial is None else initial.astype(np.int64).copy()
    tiebreak = (m - 1 - rank).astype(np.int64)
    for a in order:
        covered = np.int64(0)
        avail = allowed[a] & (loads < cap)
        for _ in range(per_row):
            cand = np.flatnonzero(avail)
            if cand.size == 0:
                break
            gain = popcount(masks[cand] & ~covered)
            key = (gain * (cap + 2) + (cap - loads[cand])) * m + tiebreak[cand]
            r = cand[int(np.argmax(key))]
            assigned[a, r] = True
            avail[r] = False
            loads[r] += 1
            covered |= masks[r]
    return assigned


class Improver:
    """Exact local search on a complete assignment: each step strictly raises the covered pairs.

    A *move* replaces a panel member by a reviewer below the cap; a *swap* exchanges members between
    two panels (loads unchanged). Every step keeps the pairs allowed, panels of ``per_row`` distinct
    reviewers and loads within the cap.
    """

    def __init__(
        self,
        assigned: np.ndarray,
        allowed: np.ndarray,
        masks: np.ndarray,
        loads: np.ndarray,
        cap: int,
        coverable: np.ndarray,
        rows: np.ndarray,
        per_row: int,
    ):
        self.assigned, self.allowed, self.masks, self.loads, self.cap = assigned, allowed, masks, loads, cap
        self.coverable, self.rows = coverable, rows
        self.panel = np.full((assigned.shape[0], per_row), -1, np.int64)
        for a in rows:
            self.panel[a] = np.flatnonzero(assigned[a])
        self.cov = np.zeros(assigned.shape[0], np.int64)
        self.uniq = np.zeros_like(self.cov)
        if rows.size:
            self.cov[rows], self.uniq[rows] = panel_masks(masks[self.panel[rows]])
        self.steps = 0

    def _refresh(self, a: int) -> None:
        cov, uniq = panel_masks(self.masks[self.panel[a]][None, :])
        self.cov[a], self.uniq[a] = cov[0], uniq[0]

    def run(self, rng: np.random.Generator, max_passes: int) -> int:
        """Improve until no step helps or after ``max_passes`` passes; returns the steps taken."""
        for _ in range(max_passes):
            todo = self.rows[(self.coverable[self.rows] & ~self.cov[self.rows]) != 0]
            before = self.steps
            for a in rng.permutation(todo):
                while (self.coverable[a] & ~self.cov[a]) and (self._move(int(a)) or self._swap(int(a))):
                    self.steps += 1
            if self.steps == before:
                break
        return self.steps

    def _without(self, a: int) -> np.ndarray:
        """Coverage of panel ``a`` without each of its members."""
        return self.cov[a] & ~(self.masks[self.panel[a]] & self.uniq[a])

    def _move(self, a: int) -> bool:
        missing = self.coverable[a] & ~self.cov[a]
        cand = np.flatnonzero(
            self.allowed[a] & ~self.assigned[a] & (self.loads < self.cap) & ((self.masks & missing) != 0)
        )
        if cand.size == 0:
            return False
        gain = popcount(self._without(a)[None, :] | self.masks[cand][:, None]) - popcount(self.cov[a])
        key = gain * (self.cap + 2) + (self.cap - self.loads[cand])[:, None]
        i, p = np.unravel_index(int(np.argmax(key)), key.shape)
        if gain[i, p] <= 0:
            return False
        old, new = int(self.panel[a, p]), int(cand[i])
        self.assigned[a, old], self.assigned[a, new] = False, True
        self.loads[old] -= 1
        self.loads[new] += 1
        self.panel[a, p] = new
        self._refresh(a)
        return True

    def _swap(self, a: int) -> bool:
        missing = self.coverable[a] & ~self.cov[a]
        cand = np.flatnonzero(self.allowed[a] & ~self.assigned[a] & ((self.masks & missing) != 0))
        if cand.size == 0:
            return False
        b, k = np.nonzero(self.assigned[:, cand])
        if b.size == 0:
            return False
        r2 = cand[k]
        r1 = self.panel[a]
        valid = self.allowed[b[:, None], r1[None, :]] & ~self.assigned[b[:, None], r1[None, :]]
        gain_a = popcount(self._without(a)[None, :] | self.masks[r2][:, None]) - popcount(self.cov[a])
        without_b = self.cov[b] & ~(self.masks[r2] & self.uniq[b])
        gain_b = popcount(without_b[:, None] | self.masks[r1][None, :]) - popcount(self.cov[b])[:, None]
        total = np.where(valid, gain_a + gain_b, -1)
        i, p = np.unravel_index(int(np.argmax(total)), total.shape)
        if total[i, p] <= 0:
            return False
        bb, old, new = int(b[i]), int(r1[p]), int(r2[i])
        self.assigned[a, old], self.assigned[a, new] = False, True
        self.assigned[bb, new], self.assigned[bb, old] = False, True
        self.panel[a, p] = new
        self.panel[bb, np.flatnonzero(self.panel[bb] == new)[0]] = old
        self._refresh(a)
        self._refresh(bb)
        return True
