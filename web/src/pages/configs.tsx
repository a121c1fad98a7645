// Configs (pasted JSON or YAML, kept as written), their revisions, and binding them to an
// environment, where validation errors are shown at their paths.
import { lazy, Suspense, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createBinding, getConfigRevision, listBindings, ok } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Field, Loading, Page, ProblemView, Select, TextArea, optional, text, when } from "../ui";
import { useTargets } from "./registry";

const SideBySide = lazy(() => import("./merge-view"));

/** A config's data as the diff shows it: sorted keys, pretty-printed (as the server's diff). */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sort(x)]))
        : v;
  return JSON.stringify(sort(value), null, 2);
}

function Steps({ steps }: { steps: { from: string; to: string; kind: string; direction: string }[] }) {
  return (
    <ol className="steps" aria-label="Migration steps">
      {steps.map((s, i) => (
        <li key={i}>
          {s.from} → {s.to} <span className="muted">({s.kind}, {s.direction})</span>
        </li>
      ))}
    </ol>
  );
}

export function Configs() {
  const api = useApi();
  const client = useQueryClient();
  const navigate = useNavigate();
  const configs = useQuery({ queryKey: ["configs"], queryFn: async () => ok(await api.GET("/v1/configs")).items });
  const targets = useTargets();
  const canWrite = useCan("registry:write");
  const versions = (targets.data ?? []).flatMap((t) => t.versions.map((v) => `${t.name}@${v}`));
  const create = useMutation({
    mutationFn: async (form: FormData) =>
      ok(
        await api.POST("/v1/configs", {
          body: { target: text(form, "target"), name: optional(form, "name"), content: text(form, "content") },
        }),
      ),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: ["configs"] });
      navigate(`/configs/${created.id}`);
    },
  });
  return (
    <Page title="Configs" intro="Every upload is an immutable revision, addressed by the hash of its data. Binding it is what validates it.">
      {configs.isPending && <Loading what="configs" />}
      <ProblemView error={configs.error} />
      {configs.data?.length === 0 && <Empty>No config yet: paste one below.</Empty>}
      {configs.data && configs.data.length > 0 && (
        <table>
          <caption className="sr-only">Configs</caption>
          <thead>
            <tr>
              <th scope="col">Config</th>
              <th scope="col">Latest revision</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {configs.data.map((c) => (
              <tr key={c.name}>
                <td>
                  <Link to={`/configs/${c.latest_id}`}>{c.name}</Link>
                </td>
                <td>#{c.latest_revision}</td>
                <td>{when(c.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && <h2>Paste a config</h2>}
      {canWrite && <form
        className="card"
        aria-label="Paste a config"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="row">
          {versions.length > 0 ? (
            <Select label="Target version" name="target" required options={versions} />
          ) : (
            <Field label="Target version" name="target" required placeholder="payment-api@3.2.1" />
          )}
          <Field label="Name (optional)" name="name" placeholder="payment_service.yaml" hint="The config's lineage; the target's name when empty." />
        </div>
        <div className="field">
          <label htmlFor="config-file">Or upload a file</label>
          <input
            id="config-file"
            type="file"
            accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
            onChange={(e) => {
              const file = e.target.files?.[0];
              const form = e.currentTarget.form;
              if (!file || !form) return;
              void file.text().then((content) => {
                const area = form.elements.namedItem("content");
                const name = form.elements.namedItem("name");
                if (area instanceof HTMLTextAreaElement) area.value = content;
                if (name instanceof HTMLInputElement && name.value === "") name.value = file.name;
              });
            }}
          />
        </div>
        <TextArea label="Config (JSON or YAML)" name="content" required rows={14} />
        <ProblemView error={create.error} />
        <button type="submit" disabled={create.isPending}>
          Store revision
        </button>
      </form>}
    </Page>
  );
}

export function ConfigDetail() {
  const { id = "" } = useParams();
  const api = useApi();
  const client = useQueryClient();
  const revision = useQuery({ queryKey: ["config", id], queryFn: () => getConfigRevision(api, id) });
  const canWrite = useCan("registry:write");
  const envs = useQuery({ queryKey: ["envs"], queryFn: async () => ok(await api.GET("/v1/envs")).items });
  const bind = useMutation({
    mutationFn: (form: FormData) => createBinding(api, { config_id: id, env: text(form, "env") }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["bindings"] }),
  });
  if (revision.isPending) return <Loading what="the config" />;
  if (revision.error) return <ProblemView error={revision.error} />;
  const r = revision.data;
  return (
    <Page title={`${r.name} #${r.revision}`} intro={`For ${r.target}; ${r.format}; stored ${when(r.created_at)} by ${r.created_by}.`}>
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{r.id}</code>
        </dd>
        <dt>Hash</dt>
        <dd>
          <code>{r.hash}</code>
        </dd>
      </dl>
      <h2>Data</h2>
      <pre tabIndex={0} className="data" aria-label="Config data">
        {JSON.stringify(r.data, null, 2)}
      </pre>
      {r.original && (
        <details>
          <summary>Original text ({r.format})</summary>
          <pre tabIndex={0} aria-label="Original text">{r.original}</pre>
        </details>
      )}
      {r.migrated_by && r.migrated_by.length > 0 && (
        <>
          <h2>Migrated from its parent</h2>
          <Steps steps={r.migrated_by} />
        </>
      )}
      <History id={r.id} />
      {canWrite && <h2>Bind to an environment</h2>}
      {canWrite && <form
        className="card"
        aria-label="Bind to an environment"
        onSubmit={(e) => {
          e.preventDefault();
          bind.mutate(new FormData(e.currentTarget));
        }}
      >
        <Field label="Environment" name="env" required placeholder="prod-eu" hint={envs.data?.length ? `Known: ${envs.data.map((e) => e.name).join(", ")}. A new one is created on first use.` : "Created on first use."} />
        <ProblemView error={bind.error} />
        {bind.data && (
          <div role="status" className="success">
            <p>
              Bound to {bind.data.env}: {bind.data.target} reads schema {bind.data.schema_version}; the config is valid.
              {bind.data.migrated && ` It was migrated from schema ${bind.data.migrated.from_schema} to ${bind.data.migrated.to_schema} first:`}
            </p>
            {bind.data.migrated && (
              <>
                <Steps steps={bind.data.migrated.steps} />
                <pre tabIndex={0} aria-label="Migration diff">{bind.data.migrated.diff}</pre>
              </>
            )}
          </div>
        )}
        <button type="submit" disabled={bind.isPending}>
          Validate and bind
        </button>
      </form>}
    </Page>
  );
}

export function Bindings() {
  const api = useApi();
  const bindings = useQuery({ queryKey: ["bindings"], queryFn: () => listBindings(api) });
  return (
    <Page title="Bindings" intro="The config each target runs with in each environment: validated against the schema that target version reads.">
      {bindings.isPending && <Loading what="bindings" />}
      <ProblemView error={bindings.error} />
      {bindings.data?.length === 0 && <Empty>Nothing is bound yet: open a config and bind it.</Empty>}
      {bindings.data && bindings.data.length > 0 && (
        <table>
          <caption className="sr-only">Bindings</caption>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Target</th>
              <th scope="col">Config</th>
              <th scope="col">Schema</th>
              <th scope="col">Bound</th>
            </tr>
          </thead>
          <tbody>
            {bindings.data.map((b) => (
              <tr key={b.id}>
                <td>{b.env}</td>
                <td>{b.target}</td>
                <td>
                  <Link to={`/configs/${b.config_id}`}>
                    {b.config_name} #{b.revision}
                  </Link>
                </td>
                <td>{b.schema_version}</td>
                <td>{when(b.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

/** The lineage's revisions, and any two of them side by side. */
function History({ id }: { id: string }) {
  const api = useApi();
  const history = useQuery({
    queryKey: ["history", id],
    queryFn: async () => ok(await api.GET("/v1/configs/{id}/history", { params: { path: { id } } })).items,
  });
  const [pair, setPair] = useState<[string, string] | null>(null);
  const items = useMemo(() => history.data ?? [], [history.data]);
  const texts = useMemo(() => {
    if (!pair) return null;
    const a = items.find((r) => r.id === pair[0]);
    const b = items.find((r) => r.id === pair[1]);
    return a && b ? { a, b } : null;
  }, [pair, items]);
  if (history.isPending) return <Loading what="the history" />;
  if (history.error) return <ProblemView error={history.error} />;
  return (
    <>
      <h2>History</h2>
      <table>
        <caption className="sr-only">Revisions</caption>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">For</th>
            <th scope="col">Stored</th>
            <th scope="col">How</th>
          </tr>
        </thead>
        <tbody>
          {items.map((h) => (
            <tr key={h.id}>
              <td>
                <Link to={`/configs/${h.id}`}>#{h.revision}</Link>
              </td>
              <td>{h.target}</td>
              <td>{when(h.created_at)}</td>
              <td>{h.migrated_by?.length ? `migrated (${h.migrated_by.length} step${h.migrated_by.length > 1 ? "s" : ""})` : "uploaded"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length > 1 && (
        <form
          className="card"
          aria-label="Compare revisions"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            setPair([text(form, "from"), text(form, "to")]);
          }}
        >
          <div className="row">
            <RevisionSelect label="From revision" name="from" items={items} initial={items[items.length - 1]?.id} />
            <RevisionSelect label="To revision" name="to" items={items} initial={items[0]?.id} />
          </div>
          <button type="submit" className="secondary">
            Compare
          </button>
        </form>
      )}
      {texts && (
        <Suspense fallback={<Loading what="the diff" />}>
          <h3>
            #{texts.a.revision} → #{texts.b.revision}
          </h3>
          <SideBySide
            before={canonical(texts.a.data)}
            after={canonical(texts.b.data)}
            labels={[`Revision ${texts.a.revision}`, `Revision ${texts.b.revision}`]}
          />
        </Suspense>
      )}
    </>
  );
}

function RevisionSelect({ label, name, items, initial }: { label: string; name: string; items: { id: string; revision: number }[]; initial?: string }) {
  return (
    <div className="field">
      <label htmlFor={`rev-${name}`}>{label}</label>
      <select id={`rev-${name}`} name={name} defaultValue={initial}>
        {items.map((h) => (
          <option key={h.id} value={h.id}>
            #{h.revision}
          </option>
        ))}
      </select>
    </div>
  );
}
