"""The network of regions and agreements: a force-directed layout computed at build time.

Nodes are regions and agreements, edges join each agreement to its parties. The regions are
laid out by Fruchterman–Reingold with a fixed seed, repulsion computed only between nodes in
neighbouring grid cells (so it stays near-linear on ten thousand agreements), and coordinates
rounded: the same data gives the same picture, byte for byte. Agreements sit between their
parties.
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
    return 150 if count <= 200 else 60 if count <= 2000 else 30


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
    reach = 1.5 * k  # repulsion ignored beyond: the grid cells keep the work near-linear
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
    """Regions placed by the force layout (joined when they share an agreement); each
    agreement then sits at the centre of its parties, several between the same parties
    spread across the line that joins them. A third of the nodes to lay out, same picture."""
    rows = select(graph.store, "parties")
    parties: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        parties[row["agreement"].value].append(row["region"].value)
    agreements = sorted(parties)
    regions = sorted(set(graph.of_type(terms.REGION)) | {r["region"].value for r in rows})
    index = {name: i for i, name in enumerate(regions)}
    links = sorted(
        {
            (index[a], index[b])
            for members in parties.values()
            for a in members
            for b in members
            if a < b
        }
    )
    positions = layout(regions, links)
    degree: dict[str, int] = defaultdict(int)
    for members in parties.values():
        for member in members:
            degree[member] += 1
    region_nodes = {
        name: Node(name, graph.label(name), True, x, y, degree[name])
        for name, (x, y) in zip(regions, positions, strict=True)
    }
    seen: dict[tuple[str, ...], int] = defaultdict(int)
    nodes = list(region_nodes.values())
    edges: list[tuple[Node, Node]] = []
    for agreement in agreements:
        members = sorted(set(parties[agreement]))
        key = tuple(members)
        rank = seen[key]
        seen[key] += 1
        xs = [region_nodes[m].x for m in members]
        ys = [region_nodes[m].y for m in members]
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        # The 2nd, 3rd... agreement between the same parties: alternately either side.
        offset = ((rank + 1) // 2) * (1 if rank % 2 else -1) * 9.0
        if len(members) == 2:
            dx, dy = xs[1] - xs[0], ys[1] - ys[0]
            length = math.hypot(dx, dy) or 1.0
            cx, cy = cx - dy / length * offset, cy + dx / length * offset
        else:
            cx, cy = cx + offset, cy + offset
        node = Node(agreement, graph.label(agreement), False, round(cx, 1), round(cy, 1),
                    len(members))  # fmt: skip
        nodes.append(node)
        edges.extend((node, region_nodes[m]) for m in members)
    return Network(SIZE, nodes, edges)
