// The version graph's shape, apart from React. ELK's layered algorithm places the targets (one
// box each, as tall as its versions) along their constraints; each target's versions stack inside
// its box. Laying out targets rather than every version keeps 2,000 versions well under a second.
// Kept pure so the benchmark lays out exactly what the page does.
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
const WIDTH = 170;
const HEADER = 34;
const ROW = 42;
const PAD = 8;

function boxHeight(versions: number): number {
  return HEADER + versions * ROW + PAD;
}

/** The target a `name@version` belongs to. */
function nameOf(reference: string): string {
  const at = reference.lastIndexOf("@");
  return at > 0 ? reference.slice(0, at) : reference;
}

export async function layoutGraph(input: GraphInput): Promise<{ nodes: PlacedNode[]; edges: PlacedEdge[] }> {
  const targets = new Map(input.targets.map((t) => [t.name, t.versions]));
  // A constraint may point at a target with no version declared yet: it gets an empty box.
  for (const c of input.constraints) if (!targets.has(c.target)) targets.set(c.target, []);
  const versionIds = new Set<string>();
  for (const [name, versions] of targets) for (const v of versions) versionIds.add(`v:${name}@${v}`);

  const edges: PlacedEdge[] = [];
  const targetEdges = new Map<string, { id: string; sources: string[]; targets: string[] }>();
  for (const c of input.constraints) {
    const source = `v:${c.from}`;
    if (!versionIds.has(source)) continue;
    edges.push({ id: c.id, source, target: `t:${c.target}`, label: `${c.kind} ${c.range}`, kind: c.kind });
    const from = nameOf(c.from);
    const key = `${from}\u0000${c.target}`;
    if (from !== c.target && !targetEdges.has(key)) {
      targetEdges.set(key, { id: `e:${key}`, sources: [`t:${from}`], targets: [`t:${c.target}`] });
    }
  }
  const laid = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "90",
      "elk.spacing.nodeNode": "24",
      "elk.spacing.componentComponent": "40",
    },
    children: [...targets].map(([name, versions]) => ({ id: `t:${name}`, width: WIDTH, height: boxHeight(versions.length) })),
    edges: [...targetEdges.values()],
  });
  const at = new Map((laid.children ?? []).map((c) => [c.id, c]));
  const nodes: PlacedNode[] = [];
  for (const [name, versions] of targets) {
    const box = at.get(`t:${name}`);
    const x = box?.x ?? 0;
    const y = box?.y ?? 0;
    nodes.push({ id: `t:${name}`, kind: "target", label: name, target: name, x, y, width: WIDTH, height: boxHeight(versions.length) });
    versions.forEach((v, i) => {
      nodes.push({
        id: `v:${name}@${v}`,
        kind: "version",
        label: `${name}@${v}`,
        target: name,
        version: v,
        x: x + PAD,
        y: y + HEADER + i * ROW,
        width: WIDTH - 2 * PAD,
        height: ROW - 8,
      });
    });
  }
  return { nodes, edges };
}
