// Migrations between a family's schema versions: the lens editor with a live preview on a sample
// config (run by the server in the same sandbox as every migration, stored nowhere), a WASM
// module from a file, a dry run on every bound config, then saving.
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok, type Schemas } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Loading, Page, ProblemView, when } from "../ui";
import { useFamilies } from "./registry";

type Preview = Schemas["MigrationPreview"];
const STARTER = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n";

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function Migrations() {
  const api = useApi();
  const client = useQueryClient();
  const canWrite = useCan("registry:write");
  const families = useFamilies();
  const [params, setParams] = useSearchParams();
  const family = params.get("family") ?? families.data?.[0]?.name ?? "";
  const detail = useQuery({
    queryKey: ["family", family],
    queryFn: async () => ok(await api.GET("/v1/families/{family}", { params: { path: { family } } })),
    enabled: family !== "",
  });
  const list = useQuery({
    queryKey: ["migrations", family],
    queryFn: async () => ok(await api.GET("/v1/families/{family}/migrations", { params: { path: { family } } })).items,
    enabled: family !== "",
  });
  const versions = (detail.data?.versions ?? []).map((v) => v.version);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const fromV = from || versions[0] || "";
  const toV = to || versions[1] || versions[0] || "";
  const [kind, setKind] = useState<"lens" | "wasm">("lens");
  const [lens, setLens] = useState(STARTER);
  const [wasm, setWasm] = useState<{ name: string; base64: string } | null>(null);
  const [sample, setSample] = useState('{\n  "timeout": 30\n}');

  const program = kind === "lens" ? { lens } : wasm ? { wasm: wasm.base64 } : null;
  const input = useDebounced(JSON.stringify({ family, fromV, toV, program, sample }), 400);
  const [preview, setPreview] = useState<{ result?: Preview; error?: unknown }>({});
  useEffect(() => {
    const { family, fromV, toV, program, sample } = JSON.parse(input) as {
      family: string;
      fromV: string;
      toV: string;
      program: { lens?: string; wasm?: string } | null;
      sample: string;
    };
    if (!family || !fromV || !toV || fromV === toV || !program || !canWrite) return;
    let parsed: Record<string, never>;
    try {
      parsed = JSON.parse(sample) as Record<string, never>;
    } catch (e) {
      setPreview({ error: new Error(`The sample is not JSON: ${(e as Error).message}`) });
      return;
    }
    let live = true;
    api
      .POST("/v1/families/{family}/migrations/preview", {
        params: { path: { family } },
        body: { from: fromV, to: toV, ...program, sample: parsed },
      })
      .then((r) => live && setPreview({ result: ok(r) }))
      .catch((e: unknown) => live && setPreview({ error: e }));
    return () => {
      live = false;
    };
  }, [input, api, canWrite]);

  const save = useMutation({
    mutationFn: async (dry: boolean) => {
      if (!program) throw new Error("Choose a WASM module first.");
      return ok(
        await api.POST("/v1/families/{family}/migrations", {
          params: { path: { family } },
          body: { from: fromV, to: toV, ...program, dry_run: dry },
        }),
      );
    },
    onSuccess: (view) => view.stored && void client.invalidateQueries({ queryKey: ["migrations", family] }),
  });

  return (
    <Page title="Migrations" intro="A lens (declarative) or a WASM module on an edge between two schema versions of a family: configs bound with one version move to the other, both ways.">
      <ProblemView error={families.error ?? detail.error ?? list.error} />
      {families.data?.length === 0 && <Empty>No schema family yet.</Empty>}
      {families.data && families.data.length > 0 && (
        <div className="field narrow">
          <label htmlFor="mig-family">Family</label>
          <select id="mig-family" value={family} onChange={(e) => setParams({ family: e.target.value })}>
            {families.data.map((f) => (
              <option key={f.name}>{f.name}</option>
            ))}
          </select>
        </div>
      )}
      {list.isPending && family && <Loading what="migrations" />}
      {list.data?.length === 0 && <Empty>No migration in {family} yet.</Empty>}
      {list.data && list.data.length > 0 && (
        <table>
          <caption className="sr-only">Migrations</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Kind</th>
              <th scope="col">Hash</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((m) => (
              <tr key={m.id ?? m.hash}>
                <td>{m.from}</td>
                <td>{m.to}</td>
                <td>{m.kind}</td>
                <td>
                  <code>{m.hash.slice(0, 12)}</code>
                </td>
                <td>{m.created_at ? when(m.created_at) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && versions.length > 1 && (
        <>
          <h2>Write a migration</h2>
          <div className="card">
            <div className="row">
              <div className="field">
                <label htmlFor="mig-from">From version</label>
                <select id="mig-from" value={fromV} onChange={(e) => setFrom(e.target.value)}>
                  {versions.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="mig-to">To version</label>
                <select id="mig-to" value={toV} onChange={(e) => setTo(e.target.value)}>
                  {versions.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </select>
              </div>
              <fieldset className="field kind">
                <legend>Kind</legend>
                <label className="check">
                  <input type="radio" name="kind" checked={kind === "lens"} onChange={() => setKind("lens")} /> lens
                </label>
                <label className="check">
                  <input type="radio" name="kind" checked={kind === "wasm"} onChange={() => setKind("wasm")} /> WASM module
                </label>
              </fieldset>
            </div>
            <div className="editor-grid">
              {kind === "lens" ? (
                <div className="field">
                  <label htmlFor="mig-lens">Lens</label>
                  <textarea id="mig-lens" rows={12} spellCheck={false} value={lens} onChange={(e) => setLens(e.target.value)} />
                </div>
              ) : (
                <div className="field">
                  <label htmlFor="mig-wasm">WASM module (.wasm, or .wat text)</label>
                  <input
                    id="mig-wasm"
                    type="file"
                    accept=".wasm,.wat"
                    onChange={(e) => {
                      const file = e.target.files?.[0];
                      if (file) void base64Of(file).then((base64) => setWasm({ name: file.name, base64 }));
                    }}
                  />
                  {wasm && <small className="hint">{wasm.name}</small>}
                </div>
              )}
              <div className="field">
                <label htmlFor="mig-sample">Sample config (JSON, written for {fromV})</label>
                <textarea id="mig-sample" rows={12} spellCheck={false} value={sample} onChange={(e) => setSample(e.target.value)} />
              </div>
              <section className="field" aria-labelledby="preview-title" aria-live="polite">
                <h3 id="preview-title">Preview on the sample</h3>
                <ProblemView error={preview.error} />
                {preview.result && (
                  <>
                    {preview.result.error && <p className="problem">{preview.result.error}</p>}
                    {preview.result.output !== undefined && preview.result.output !== null && (
                      <pre tabIndex={0} aria-label="Preview output">{JSON.stringify(preview.result.output, null, 2)}</pre>
                    )}
                    {preview.result.ok ? (
                      <p className="success">Valid for {toV}.</p>
                    ) : (
                      (preview.result.violations ?? []).length > 0 && (
                        <ul className="at-paths problem" aria-label="Preview violations">
                          {(preview.result.violations ?? []).map((v) => (
                            <li key={v.pointer + v.message}>
                              <code>{v.pointer || "/"}</code> {v.message}
                            </li>
                          ))}
                        </ul>
                      )
                    )}
                  </>
                )}
              </section>
            </div>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => save.mutate(true)} disabled={save.isPending}>
                Dry run on bound configs
              </button>
              <button type="button" onClick={() => save.mutate(false)} disabled={save.isPending}>
                Save migration
              </button>
            </div>
            <ProblemView error={save.error} />
            {save.data && (
              <div role="status" className={save.data.failing === 0 ? "success" : "problem"}>
                <p>
                  {save.data.stored ? "Saved." : "Dry run."} {save.data.dry_run?.length ?? 0} bound config(s) checked, {save.data.failing} would fail.
                </p>
                {save.data.dry_run && save.data.dry_run.length > 0 && (
                  <ul aria-label="Dry run on bound configs">
                    {save.data.dry_run.map((d) => (
                      <li key={d.env + d.config}>
                        {d.config} in {d.env}: {d.ok ? "fine" : (d.error ?? (d.violations ?? []).map((v) => `${v.pointer || "/"} ${v.message}`).join("; "))}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
          </div>
        </>
      )}
    </Page>
  );
}
