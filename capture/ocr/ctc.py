"""What the recognizer weighed at each step of a text line, kept for words it did not pick.

Contract: a ``Lattice`` is the recognizer's CTC output for one crop, cut down to the ``TOP_K`` likeliest
characters per time step: ``((char, prob), ...)`` per step, likeliest first, ``""`` for the CTC blank.
``best_path(lattice)`` is the text greedy decoding gives (what ``recognize_crops`` returns);
``word_prob(lattice, word)`` is the probability the recognizer gave ``word`` over all its alignments (the
CTC forward sum), a character missing from a step's top list counting as probability 0 there. It lets a
column whose words come from a known list (the units of measure) be read as the likeliest word of the
list, from the recognizer's own probabilities, when its first choice is no word of the list.
Pure functions over tuples: lattices pickle and compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Step = tuple[tuple[str, float], ...]
Lattice = tuple[Step, ...]
ReadLattices = Callable[[Sequence[np.ndarray]], list[Lattice]]
TOP_K = 8
BLANK = ""


def lattice_from_probs(probs: np.ndarray, chars: Sequence[str], blank: int = 0, k: int = TOP_K) -> Lattice:
    """``probs`` (steps x classes, softmax outputs) to a lattice; ``chars[blank]`` is the CTC blank.
    The top ``k`` by partition, then sorted (a full sort of ~18000 classes per step took 35 ms a crop)."""
    if probs.shape[1] > k:
        part = np.argpartition(-probs, k, axis=1)[:, :k]
        rows = np.arange(probs.shape[0])[:, None]
        top = part[rows, np.argsort(-probs[rows, part], axis=1)]
    else:
        top = np.argsort(-probs, axis=1)
    return tuple(
        tuple((BLANK if c == blank else chars[c], float(probs[t, c])) for c in top[t]) for t in range(probs.shape[0])
    )


def best_path(lattice: Lattice) -> str:
    out, last = [], None
    for step in lattice:
        ch = step[0][0] if step else BLANK
        if ch != last and ch != BLANK:
            out.append(ch)
        last = ch
    return "".join(out)


def path_score(lattice: Lattice) -> float:
    """The greedy text's score as the recognizer reports it: the mean probability of its characters
    (each at the first step of its run)."""
    probs, last = [], None
    for step in lattice:
        ch, p = step[0] if step else (BLANK, 0.0)
        if ch != last and ch != BLANK:
            probs.append(p)
        last = ch
    return sum(probs) / len(probs) if probs else 0.0


def reader(read_lattices: ReadLattices) -> Callable[[Sequence[np.ndarray]], list[tuple[str, float, Lattice]]]:
    """A crop reader that gives, per crop, what ``recognize_crops`` would and the lattice behind it."""
    return lambda crops: [(best_path(lat), path_score(lat), lat) for lat in read_lattices(crops)]


def emitted_path(lattice: Lattice) -> list[tuple[str, list[int]]]:
    """The greedy path as (character, the steps that emitted it), blanks and repeats collapsed."""
    out: list[tuple[str, list[int]]] = []
    last = None
    for t, step in enumerate(lattice):
        ch = step[0][0] if step else BLANK
        if ch != BLANK and ch == last:
            out[-1][1].append(t)
        elif ch != BLANK:
            out.append((ch, [t]))
        last = ch
    return out


def word_prob(lattice: Lattice, word: str) -> float:
    """P(word | crop): the CTC forward sum over every alignment of ``word`` to the lattice's steps."""
    if not lattice:
        return 1.0 if not word else 0.0
    labels = [BLANK]
    for ch in word:
        labels += [ch, BLANK]
    n = len(labels)
    alpha = [0.0] * n
    first = dict(lattice[0])
    alpha[0] = first.get(BLANK, 0.0)
    if n > 1:
        alpha[1] = first.get(labels[1], 0.0)
    for step in lattice[1:]:
        p = dict(step)
        new = [0.0] * n
        for s in range(n):
            total = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
            if s >= 2 and labels[s] != BLANK and labels[s] != labels[s - 2]:
                total += alpha[s - 2]
            new[s] = total * p.get(labels[s], 0.0)
        alpha = new
    return alpha[-1] + (alpha[-2] if n > 1 else 0.0)
