// The console's parts under load, without a server: the drift heatmap with 1,000 targets × 20
// environments, and the version graph's layout of 2,000 versions. bench/run.ts drives it in
// headless Chromium and reads the figures from `window.__bench`.
import { useEffect } from "react";
import { createRoot } from "react-dom/client";
import { Heatmap, type DriftRow } from "../src/pages/drift";
import { layoutGraph } from "../src/pages/graph-layout";
import "../src/app.css";

declare global {
  interface Window {
    __bench: Record<string, number>;
    __scroll: () => Promise<{ fps: number; frames: number; worstFrameMs: number }>;
  }
}
window.__bench = {};

const params = new URLSearchParams(location.search);
const TARGETS = Number(params.get("targets") ?? 1000);
const ENVS = Number(params.get("envs") ?? 20);
const dims = new Set(["schema", "dependency", "config", "environment"] as const);

function rows(): DriftRow[] {
  const out: DriftRow[] = [];
  for (let t = 0; t < TARGETS; t++) {
    for (let e = 0; e < ENVS; e++) {
      const n = (t * 31 + e * 17) % 23;
      out.push({
        env: `env-${String(e).padStart(2, "0")}`,
        target: `target-${String(t).padStart(4, "0")}`,
        desired_version: "1.0.0",
        observed_version: n === 3 ? "0.9.0" : "1.0.0",
        bound_config: `cfg#${n}`,
        dimensions: { schema: n === 1, dependency: n === 2, config: n === 5 || n === 1, environment: n === 3 },
        details: n < 6 ? ["something drifts"] : [],
      });
    }
  }
  return out;
}

const data = rows();

function HeatmapBench() {
  useEffect(() => {
    // The grid is on screen and answers input once this frame is painted.
    requestAnimationFrame(() => {
      window.__bench.heatmapInteractiveMs = performance.now();
    });
  }, []);
  return <Heatmap rows={data} dims={dims} envFilter="" targetFilter="" onlyDrifting={false} onOpen={() => {}} />;
}

window.__scroll = () =>
  new Promise((resolve) => {
    const el = document.querySelector<HTMLElement>("[data-testid=heatmap-scroller]");
    if (!el) throw new Error("no heatmap");
    const start = performance.now();
    let last = start;
    let frames = 0;
    let worst = 0;
    const step = (now: number) => {
      frames += 1;
      worst = Math.max(worst, now - last);
      last = now;
      el.scrollTop += 40;
      if (now - start < 2000) requestAnimationFrame(step);
      else resolve({ fps: (frames * 1000) / (now - start), frames, worstFrameMs: worst });
    };
    requestAnimationFrame(step);
  });

async function graph() {
  const targets = Array.from({ length: 200 }, (_, t) => ({
    name: `t${t}`,
    versions: Array.from({ length: 10 }, (_, v) => `1.${v}.0`),
  }));
  const constraints = Array.from({ length: 600 }, (_, i) => ({
    id: `c${i}`,
    from: `t${i % 200}@1.${i % 10}.0`,
    kind: i % 3 === 0 ? "accepts" : "requires",
    // Edges point forward only, as a graph without cycles must.
    target: `t${Math.min(199, (i % 200) + 1 + (i % 7))}`,
    range: ">=1",
  }));
  const began = performance.now();
  const laid = await layoutGraph({ targets, constraints });
  window.__bench.graphLayoutMs = performance.now() - began;
  window.__bench.graphNodes = laid.nodes.length;
}

const root = document.getElementById("root");
if (root) {
  if (params.get("what") === "graph") {
    void graph();
  } else {
    createRoot(root).render(<HeatmapBench />);
  }
}
