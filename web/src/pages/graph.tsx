// The version graph: every target version, the targets its constraints point at (`requires`,
// `accepts`, with their ranges), what runs where, and what breaks if a target moves to a version.
import { useEffect, useMemo, useState } from "react";
import { Background, Controls, MarkerType, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Field, Loading, Page, ProblemView, Select, text } from "../ui";
import { layoutGraph, type PlacedEdge, type PlacedNode } from "./graph-layout";

export default function Graph() {
  const api = useApi();
  const client = useQueryClient();
  const canWrite = useCan("registry:write");
  const targets = useQuery({ queryKey: ["targets"], queryFn: async () => ok(await api.GET("/v1/targets")).items });
  const constraints = useQuery({ queryKey: ["constraints"], queryFn: async () => ok(await api.GET("/v1/constraints")).items });
  const drift = useQuery({ queryKey: ["drifts-graph"], queryFn: async () => ok(await api.GET("/v1/drifts")).items });
  const [laid, setLaid] = useState<{ nodes: PlacedNode[]; edges: PlacedEdge[] } | null>(null);
  const [selected, setSelected] = useState<PlacedNode | null>(null);

  useEffect(() => {
    if (!targets.data || !constraints.data) return;
    let live = true;
    void layoutGraph({ targets: targets.data, constraints: constraints.data }).then((g) => live && setLaid(g));
    return () => {
      live = false;
    };
  }, [targets.data, constraints.data]);

  // Where each version should run, from the drift matrix's desired versions.
  const runsIn = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const row of drift.data ?? []) {
      if (!row.desired_version) continue;
      const key = `v:${row.target}@${row.desired_version}`;
      map.set(key, [...(map.get(key) ?? []), row.env]);
    }
    return map;
  }, [drift.data]);

  const impact = useQuery({
    queryKey: ["impact", selected?.target, selected?.version],
    queryFn: async () =>
      ok(await api.GET("/v1/impact", { params: { query: { target: selected?.target ?? "", version: selected?.version ?? "" } } })),
    enabled: Boolean(selected?.version),
  });
  const broken = new Set((impact.data?.environments ?? []).filter((e) => e.breaks.length + e.bindings_failing.length > 0).map((e) => e.env));

  const link = useMutation({
    mutationFn: async (form: FormData) =>
      ok(
        await api.POST("/v1/constraints", {
          body: { from: text(form, "from"), kind: text(form, "kind"), target: text(form, "target"), range: text(form, "range") },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["constraints"] }),
  });

  const nodes: Node[] = (laid?.nodes ?? []).map((n) => {
    const envs = runsIn.get(n.id) ?? [];
    const isSelected = selected?.id === n.id;
    const breaking = isSelected && broken.size > 0;
    return {
      id: n.id,
      position: { x: n.x, y: n.y },
      // The layout runs left to right.
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: { label: envs.length ? `${n.label} · ${envs.join(", ")}` : n.label },
      className: `gnode ${n.kind} ${envs.length ? "deployed" : ""} ${isSelected ? "selected" : ""} ${breaking ? "breaking" : ""}`,
      style: { width: n.width, height: n.height },
      ariaLabel: `${n.kind === "target" ? "Target" : "Version"} ${n.label}${envs.length ? `, runs in ${envs.join(", ")}` : ""}`,
    };
  });
  const edges: Edge[] = (laid?.edges ?? []).map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    label: e.label || undefined,
    className: `gedge ${e.kind}`,
    markerEnd: { type: MarkerType.ArrowClosed },
  }));

  const versions = (targets.data ?? []).flatMap((t) => t.versions.map((v) => `${t.name}@${v}`));
  return (
    <Page title="Version graph" intro="Each target version, the targets it requires or accepts (with their ranges), and where it should run. Select a version to see what would break if its target moved to it.">
      <ProblemView error={targets.error ?? constraints.error} />
      {(targets.isPending || constraints.isPending || (!laid && targets.data?.length !== 0)) && <Loading what="the graph" />}
      {targets.data?.length === 0 && <Empty>No target yet: declare one first.</Empty>}
      {laid && laid.nodes.length > 0 && (
        <div className="graph-layout">
          <div className="graph" aria-label="Graph of versions" role="region">
            <ReactFlow
              nodes={nodes}
              edges={edges}
              fitView
              minZoom={0.05}
              nodesDraggable={false}
              nodesConnectable={false}
              onNodeClick={(_, node) => setSelected(laid.nodes.find((n) => n.id === node.id) ?? null)}
              proOptions={{ hideAttribution: true }}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          </div>
          {selected?.version && (
            <aside className="card explain" aria-labelledby="impact-title">
              <h2 id="impact-title">
                If {selected.target} goes to {selected.version}
              </h2>
              {impact.isPending && <Loading what="the impact" />}
              <ProblemView error={impact.error} />
              {impact.data && (
                <>
                  <p className={impact.data.safe ? "success" : "problem"} role="status">
                    {impact.data.safe ? "Nothing breaks." : `It breaks something in ${[...broken].join(", ")}.`}
                  </p>
                  <ul className="at-paths" aria-label="Impact by environment">
                    {impact.data.environments.map((e) => (
                      <li key={e.env}>
                        <strong>{e.env}</strong>:{" "}
                        {e.breaks.length + e.bindings_failing.length === 0
                          ? "fine"
                          : [...e.breaks.map((b) => b.message), ...e.bindings_failing.map((b) => `${b.config} fails with ${b.violations} violation(s)`)].join("; ")}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </aside>
          )}
        </div>
      )}
      {canWrite && versions.length > 0 && (
        <>
          <h2>Link versions</h2>
          <form
            className="card"
            aria-label="Add a constraint"
            onSubmit={(e) => {
              e.preventDefault();
              link.mutate(new FormData(e.currentTarget));
            }}
          >
            <div className="row">
              <Select label="From version" name="from" options={versions} />
              <Select label="Kind" name="kind" options={["requires", "accepts"]} />
              <Field label="Target" name="target" required placeholder="auth" />
              <Field label="Range" name="range" required placeholder=">=1.5, <2" />
            </div>
            <ProblemView error={link.error} />
            <button type="submit" disabled={link.isPending}>
              Add constraint
            </button>
          </form>
        </>
      )}
    </Page>
  );
}
