"""The network of regions and agreements: a force-directed layout computed at build time.

Nodes are regions and agreements, edges join each agreement to its parties. The layout is
Fruchterman–Reingold with a fixed seed, repulsion computed only between nodes in neighbouring
grid cells (so it stays near-linear on ten thousand agreements), and coordinates rounded:
the same data gives the same picture, byte for byte.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from .. import terms
from .model import SiteGraph, select

SEED = 20261130
SIZE = 1000.0


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    is_region: bool
    x: float
    y: float
    degree: int


@dataclass
class Network:
    size: float
    nodes: list[Node]
    edges: list[tuple[Node, Node]]


def iterations_for(count: int) -> int:
    """Fewer rounds on big graphs: the picture settles long before, and time matters."""
    return 120 if count <= 500 else 60 if count <= 5000 else 30


def layout(
    names: list[str], edges: list[tuple[int, int]], seed: int = SEED
) -> list[tuple[float, float]]:
    """Positions in [0, SIZE]² for nodes 0..n-1 (deterministic for a given seed)."""
    count = len(names)
    if count == 0:
        return []
    rng = random.Random(seed)
    pos = [[rng.uniform(0, SIZE), rng.uniform(0, SIZE)] for _ in range(count)]
    k = SIZE / math.sqrt(count) * 0.9
    reach = 2 * k
    temperature = SIZE / 10
    rounds = iterations_for(count)
    for round_number in range(rounds):
        disp = [[0.0, 0.0] for _ in range(count)]
        cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for index, (x, y) in enumerate(pos):
            cells[(int(x // reach), int(y // reach))].append(index)
        for (cx, cy), members in cells.items():
            neighbours = [
                j
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for j in cells.get((cx + dx, cy + dy), ())
            ]
            for i in members:
                xi, yi = pos[i]
                fx = fy = 0.0
                for j in neighbours:
                    if i == j:
                        continue
                    ddx, ddy = xi - pos[j][0], yi - pos[j][1]
                    dist2 = ddx * ddx + ddy * ddy
                    if dist2 == 0:
                        ddx, ddy, dist2 = 0.01 * (1 + i % 7), 0.01, 0.0002
                    if dist2 < reach * reach:
                        force = k * k / dist2
                        fx += ddx * force
                        fy += ddy * force
                disp[i][0] += fx
                disp[i][1] += fy
        for a, b in edges:
            ddx, ddy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            dist = math.sqrt(ddx * ddx + ddy * ddy) or 0.01
            force = dist / k
            disp[a][0] -= ddx * force
            disp[a][1] -= ddy * force
            disp[b][0] += ddx * force
            disp[b][1] += ddy * force
        for i in range(count):
            dx, dy = disp[i]
            # A weak pull to the centre keeps separate components on the canvas.
            dx += (SIZE / 2 - pos[i][0]) * 0.01 * k / 10
            dy += (SIZE / 2 - pos[i][1]) * 0.01 * k / 10
            length = math.sqrt(dx * dx + dy * dy)
            if length > 0:
                step = min(length, temperature)
                pos[i][0] += dx / length * step
                pos[i][1] += dy / length * step
        temperature = SIZE / 10 * (1 - (round_number + 1) / rounds) + 1
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    pad = 20.0
    factor = (SIZE - 2 * pad) / span
    return [
        (round(pad + (x - min(xs)) * factor, 1), round(pad + (y - min(ys)) * factor, 1))
        for x, y in pos
    ]


def build(graph: SiteGraph) -> Network:
    rows = select(graph.store, "parties")
    agreements = sorted({r["agreement"].value for r in rows})
    regions = sorted(set(graph.of_type(terms.REGION)) | {r["region"].value for r in rows})
    names = regions + agreements
    index = {name: i for i, name in enumerate(names)}
    pairs = sorted({(index[r["agreement"].value], index[r["region"].value]) for r in rows})
    degree: dict[int, int] = defaultdict(int)
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    positions = layout(names, pairs)
    region_set = set(regions)
    nodes = [
        Node(name, graph.label(name), name in region_set, x, y, degree[i])
        for i, (name, (x, y)) in enumerate(zip(names, positions, strict=True))
    ]
    return Network(SIZE, nodes, [(nodes[a], nodes[b]) for a, b in pairs])
