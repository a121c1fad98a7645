// The version graph's shape, apart from React: nodes per target version (and a hub per target
// that constraints point at), laid out by ELK's layered algorithm. Kept pure so the benchmark lays
// out 2,000 versions exactly as the page does.
import ELK from "elkjs/lib/elk.bundled.js";

export interface GraphInput {
  targets: { name: string; versions: string[] }[];
  constraints: { id: string; from: string; kind: string; target: string; range: string }[];
}

export interface PlacedNode {
  id: string;
  kind: "version" | "target";
  label: string;
  target: string;
  version?: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  kind: string;
}

const elk = new ELK();
const VERSION_W = 150;
const TARGET_W = 130;
const HEIGHT = 40;

export async function layoutGraph(input: GraphInput): Promise<{ nodes: PlacedNode[]; edges: PlacedEdge[] }> {
  const nodes: Omit<PlacedNode, "x" | "y">[] = [];
  for (const t of input.targets) {
    nodes.push({ id: `t:${t.name}`, kind: "target", label: t.name, target: t.name, width: TARGET_W, height: HEIGHT });
    for (const v of t.versions) {
      nodes.push({ id: `v:${t.name}@${v}`, kind: "version", label: `${t.name}@${v}`, target: t.name, version: v, width: VERSION_W, height: HEIGHT });
    }
  }
  const known = new Set(nodes.map((n) => n.id));
  const edges: PlacedEdge[] = [];
  // A version belongs to its target (a thin edge, so the layout keeps them together).
  for (const t of input.targets) {
    for (const v of t.versions) {
      edges.push({ id: `own:${t.name}@${v}`, source: `v:${t.name}@${v}`, target: `t:${t.name}`, label: "", kind: "version-of" });
    }
  }
  for (const c of input.constraints) {
    const source = `v:${c.from}`;
    const target = `t:${c.target}`;
    if (!known.has(source)) continue;
    if (!known.has(target)) {
      nodes.push({ id: target, kind: "target", label: c.target, target: c.target, width: TARGET_W, height: HEIGHT });
      known.add(target);
    }
    edges.push({ id: c.id, source, target, label: `${c.kind} ${c.range}`, kind: c.kind });
  }
  const laid = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "60",
      "elk.spacing.nodeNode": "18",
      "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
    },
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const at = new Map((laid.children ?? []).map((c) => [c.id, c]));
  return {
    nodes: nodes.map((n) => ({ ...n, x: at.get(n.id)?.x ?? 0, y: at.get(n.id)?.y ?? 0 })),
    edges,
  };
}
