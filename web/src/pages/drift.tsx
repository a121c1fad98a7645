// The drift heatmap: environments × targets, a cell per pair coloured by its drifting dimensions,
// filtered by dimension, environment and target. Rows are virtualised (only those in view are
// drawn), so a thousand targets scroll as smoothly as ten. The matrix is polled with its ETag:
// another user's or a pipeline's change shows within seconds, and an unchanged matrix costs a 304.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { ok, type Schemas } from "../api/client";
import { useApi } from "../session";
import { Empty, Loading, Page, ProblemView, useUrlFilters } from "../ui";

export type DriftRow = Schemas["DriftRow"];
const DIMENSIONS = ["schema", "dependency", "config", "environment"] as const;
type Dimension = (typeof DIMENSIONS)[number];
const POLL_MS = 3_000;

/** The matrix, kept current by polling with `If-None-Match`. */
function useDriftMatrix() {
  const api = useApi();
  const [rows, setRows] = useState<DriftRow[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let etag = "";
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const result = await api.GET("/v1/drifts", { headers: etag ? { "If-None-Match": etag } : {} });
        if (result.response.status !== 304) {
          const data = ok(result);
          etag = result.response.headers.get("ETag") ?? "";
          if (live) setRows(data.items);
        }
        if (live) setError(null);
      } catch (e) {
        if (live) setError(e);
      }
      if (live) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api]);
  return { rows, error };
}

function drifting(row: DriftRow | undefined, dims: Set<Dimension>): Dimension[] {
  if (!row) return [];
  return DIMENSIONS.filter((d) => row.dimensions[d] && dims.has(d));
}

const ROW_HEIGHT = 34;
const OVERSCAN = 8;

export interface HeatmapProps {
  rows: DriftRow[];
  onOpen: (row: DriftRow) => void;
  dims: Set<Dimension>;
  envFilter: string;
  targetFilter: string;
  onlyDrifting: boolean;
}

/** The grid itself, apart from data and filters so it can be measured alone. */
export function Heatmap({ rows, onOpen, dims, envFilter, targetFilter, onlyDrifting }: HeatmapProps) {
  const { envs, targets, cell } = useMemo(() => {
    const cell = new Map<string, DriftRow>();
    const envSet = new Set<string>();
    const targetSet = new Set<string>();
    for (const r of rows) {
      cell.set(`${r.env}\u0000${r.target}`, r);
      envSet.add(r.env);
      targetSet.add(r.target);
    }
    const envs = [...envSet].filter((e) => e.includes(envFilter)).sort();
    let targets = [...targetSet].filter((t) => t.includes(targetFilter)).sort();
    if (onlyDrifting) {
      targets = targets.filter((t) => envs.some((e) => drifting(cell.get(`${e}\u0000${t}`), dims).length > 0));
    }
    return { envs, targets, cell };
  }, [rows, dims, envFilter, targetFilter, onlyDrifting]);

  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(480);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // One cell is in the tab order; arrow keys, Home/End and Page Up/Down move it (the grid
  // pattern), so a thousand rows are one Tab stop, not twenty thousand.
  const [focus, setFocus] = useState<[number, number]>([0, 0]);
  const [moved, setMoved] = useState(false);
  const row0 = Math.min(focus[0], Math.max(0, targets.length - 1));
  const col0 = Math.min(focus[1], Math.max(0, envs.length - 1));
  useEffect(() => {
    if (!moved) return;
    scroller.current?.querySelector<HTMLElement>(`[data-cell="${row0}:${col0}"]`)?.focus();
  }, [moved, row0, col0, top]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves: Record<string, [number, number]> = {
      ArrowDown: [row0 + 1, col0],
      ArrowUp: [row0 - 1, col0],
      ArrowRight: [row0, col0 + 1],
      ArrowLeft: [row0, col0 - 1],
      PageDown: [row0 + page, col0],
      PageUp: [row0 - page, col0],
      Home: e.ctrlKey ? [0, 0] : [row0, 0],
      End: e.ctrlKey ? [targets.length - 1, envs.length - 1] : [row0, envs.length - 1],
    };
    const next = moves[e.key];
    if (next) {
      e.preventDefault();
      const r = Math.max(0, Math.min(targets.length - 1, next[0]));
      const c = Math.max(0, Math.min(envs.length - 1, next[1]));
      const el = scroller.current;
      if (el) {
        // Bring the row into view; the effect focuses it once it is drawn.
        if (r * ROW_HEIGHT < el.scrollTop) el.scrollTop = r * ROW_HEIGHT;
        else if ((r + 1) * ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = (r + 1) * ROW_HEIGHT - el.clientHeight;
        setTop(el.scrollTop);
      }
      setFocus([r, c]);
      setMoved(true);
      return;
    }
    if (e.key === "Enter" || e.key === " ") {
      const row = cell.get(`${envs[col0] ?? ""}\u0000${targets[row0] ?? ""}`);
      if (row) {
        e.preventDefault();
        onOpen(row);
      }
    }
  };
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(targets.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  const columns = `minmax(10rem, 16rem) repeat(${envs.length}, minmax(5.5rem, 1fr))`;

  if (targets.length === 0 || envs.length === 0) return <Empty>No cell matches these filters.</Empty>;
  return (
    <div
      className="heatmap"
      role="grid"
      aria-label="Drift by environment and target"
      aria-rowcount={targets.length + 1}
      aria-colcount={envs.length + 1}
      onKeyDown={onKeyDown}
    >
      <div className="hm-row hm-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: columns }}>
        <span role="columnheader" aria-colindex={1}>
          Target
        </span>
        {envs.map((e, i) => (
          <span key={e} role="columnheader" aria-colindex={i + 2}>
            {e}
          </span>
        ))}
      </div>
      <div className="hm-body" ref={scroller} onScroll={(e) => setTop(e.currentTarget.scrollTop)} data-testid="heatmap-scroller">
        <div style={{ height: targets.length * ROW_HEIGHT, position: "relative" }}>
          {targets.slice(first, last).map((t, i) => {
            const index = first + i;
            return (
              <div
                key={t}
                className="hm-row"
                role="row"
                aria-rowindex={index + 2}
                style={{ gridTemplateColumns: columns, position: "absolute", top: index * ROW_HEIGHT, left: 0, right: 0, height: ROW_HEIGHT }}
              >
                <span role="rowheader" aria-colindex={1} className="hm-target">
                  {t}
                </span>
                {envs.map((e, j) => {
                  const row = cell.get(`${e}\u0000${t}`);
                  const dimsHere = drifting(row, dims);
                  const level = !row ? "none" : dimsHere.length === 0 ? "ok" : dimsHere.length === 1 ? "warn" : "bad";
                  const label = !row
                    ? `${t} in ${e}: not deployed`
                    : dimsHere.length === 0
                      ? `${t} in ${e}: no drift`
                      : `${t} in ${e}: ${dimsHere.join(", ")} drift`;
                  return (
                    <span
                      key={e}
                      role="gridcell"
                      aria-colindex={j + 2}
                      aria-label={label}
                      data-cell={`${index}:${j}`}
                      tabIndex={index === row0 && j === col0 ? 0 : -1}
                      onFocus={() => {
                        if (index !== row0 || j !== col0) setFocus([index, j]);
                      }}
                    >
                      {row ? (
                        <button type="button" tabIndex={-1} className={`hm-cell ${level}`} aria-label={label} title={label} onClick={() => onOpen(row)}>
                          {dimsHere.length === 0 ? "✓" : dimsHere.map((d) => d[0]?.toUpperCase()).join("")}
                        </button>
                      ) : (
                        <span className="hm-cell none" aria-label={label} title={label}>
                          ·
                        </span>
                      )}
                    </span>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

export function Drift() {
  const { rows, error } = useDriftMatrix();
  const [params, set] = useUrlFilters();
  const dims = useMemo(() => {
    const given = params.get("dims");
    return new Set<Dimension>(given ? (given.split(",").filter((d) => (DIMENSIONS as readonly string[]).includes(d)) as Dimension[]) : DIMENSIONS);
  }, [params]);
  const envFilter = params.get("env") ?? "";
  const targetFilter = params.get("target") ?? "";
  const onlyDrifting = params.get("drifting") === "1";
  const [open, setOpen] = useState<DriftRow | null>(null);
  const current = open && rows?.find((r) => r.env === open.env && r.target === open.target);
  const toggleDim = (d: Dimension) => {
    const next = new Set(dims);
    if (next.has(d)) next.delete(d);
    else next.add(d);
    set("dims", next.size === DIMENSIONS.length ? "" : [...next].join(","));
  };
  return (
    <Page title="Drift" intro="Each cell is a target in an environment: what should run, what is valid, what was observed. S, D, C and E mark schema, dependency, config and environment drift.">
      <fieldset className="filters">
        <legend>Filters</legend>
        {DIMENSIONS.map((d) => (
          <label key={d} className="check">
            <input type="checkbox" checked={dims.has(d)} onChange={() => toggleDim(d)} /> {d}
          </label>
        ))}
        <label className="check">
          <input type="checkbox" checked={onlyDrifting} onChange={(e) => set("drifting", e.target.checked ? "1" : "")} /> only drifting targets
        </label>
        <label>
          Environment <input value={envFilter} onChange={(e) => set("env", e.target.value)} placeholder="prod" />
        </label>
        <label>
          Target <input value={targetFilter} onChange={(e) => set("target", e.target.value)} placeholder="payment" />
        </label>
      </fieldset>
      <ProblemView error={error} />
      {rows === undefined && !error && <Loading what="the drift matrix" />}
      {rows?.length === 0 && <Empty>Nothing is deployed, bound or observed yet.</Empty>}
      {rows && rows.length > 0 && (
        <div className="drift-layout">
          <Heatmap rows={rows} dims={dims} envFilter={envFilter} targetFilter={targetFilter} onlyDrifting={onlyDrifting} onOpen={setOpen} />
          {current && <Explanation row={current} onClose={() => setOpen(null)} />}
        </div>
      )}
    </Page>
  );
}

function Explanation({ row, onClose }: { row: DriftRow; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [row.env, row.target]);
  const q = `env=${encodeURIComponent(row.env)}&target=${encodeURIComponent(row.target)}`;
  return (
    <aside className="explain card" aria-labelledby="explain-title">
      <h2 id="explain-title" tabIndex={-1} ref={heading}>
        {row.target} in {row.env}
      </h2>
      <dl className="facts">
        <dt>Should run</dt>
        <dd>{row.desired_version ?? "nothing deployed"}</dd>
        <dt>Observed</dt>
        <dd>{row.observed_version ?? "no report"}</dd>
        <dt>Bound config</dt>
        <dd>{row.bound_config ?? "none"}</dd>
      </dl>
      {row.details.length === 0 ? (
        <p className="success">No drift: what should run is valid and is what runs.</p>
      ) : (
        <ul className="at-paths" aria-label="Why it drifts">
          {row.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
      <h3>Fix it</h3>
      <ul>
        <li>
          <Link to={`/deployments?${q}`}>Set the version or roll back</Link>
        </li>
        <li>
          <Link to="/bindings">See the bindings</Link>
        </li>
      </ul>
      <button type="button" className="secondary" onClick={onClose}>
        Close
      </button>
    </aside>
  );
}
