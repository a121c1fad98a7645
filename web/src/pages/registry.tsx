// The registry: schema families and their versions, targets and their versions.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok, type Schemas } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { ApiError } from "../api/client";
import { Empty, Field, Loading, Page, ProblemView, Select, TextArea, optional, text, when } from "../ui";
import { isReport, ReportView } from "./report";

/** The schema languages a family may use, as the API names them and as people read them. */
export const FORMATS = [
  { value: "json_schema", label: "JSON Schema" },
  { value: "avro", label: "Avro" },
  { value: "protobuf", label: "Protobuf" },
] as const;
type FormatName = (typeof FORMATS)[number]["value"];

export function formatLabel(format: string | undefined): string {
  return FORMATS.find((f) => f.value === format)?.label ?? format ?? "JSON Schema";
}

/** What the register form's text area holds, by format. */
const SOURCE = {
  json_schema: { label: "JSON Schema", placeholder: '{"type": "object", "properties": {…}}' },
  avro: { label: "Avro schema (.avsc)", placeholder: '{"type": "record", "name": "acme.Config", "fields": […]}' },
  protobuf: { label: "Main .proto file", placeholder: 'syntax = "proto3";\npackage acme;\nmessage Config { … }' },
} as const;

function formatOfFile(name: string): FormatName | undefined {
  if (name.endsWith(".avsc")) return "avro";
  if (name.endsWith(".proto")) return "protobuf";
  return undefined;
}

const COMPAT = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"];

export function useFamilies() {
  const api = useApi();
  return useQuery({ queryKey: ["families"], queryFn: async () => ok(await api.GET("/v1/families")).items });
}

export function useTargets() {
  const api = useApi();
  return useQuery({ queryKey: ["targets"], queryFn: async () => ok(await api.GET("/v1/targets")).items });
}

export function Families() {
  const api = useApi();
  const client = useQueryClient();
  const families = useFamilies();
  const canWrite = useCan("registry:write");
  const [dryRun, setDryRun] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<unknown>(undefined);
  const [format, setFormat] = useState<FormatName>("json_schema");
  const [protoPath, setProtoPath] = useState("config.proto");
  const add = useMutation({
    mutationFn: async ({ form, dry }: { form: FormData; dry: boolean }) => {
      const source = text(form, "schema");
      const references = text(form, "references")
        .split(/[\s,]+/)
        .filter((r) => r !== "");
      const compat = optional(form, "compat");
      let body: Schemas["NewSchemaRequest"];
      if (format === "protobuf") {
        setSubmitted(undefined);
        body = {
          version: text(form, "version"),
          format,
          files: [{ path: text(form, "proto_path") || "config.proto", source }],
          message: optional(form, "message"),
          references,
          dry_run: dry,
          compat,
        };
      } else {
        // The spec types a schema as an open object; any JSON value is sent as it is.
        let schema: Schemas["NewSchemaRequest"]["schema"];
        try {
          schema = JSON.parse(source) as Schemas["NewSchemaRequest"]["schema"];
        } catch (e) {
          throw new Error(`The schema is not JSON: ${(e as Error).message}`);
        }
        setSubmitted(schema);
        body = { version: text(form, "version"), format, schema, references, dry_run: dry, compat };
      }
      return ok(
        await api.POST("/v1/families/{family}/schemas", {
          params: { path: { family: text(form, "family") } },
          body,
        }),
      );
    },
    onSuccess: (_data, { dry }) => {
      setDryRun(dry ? "Compatible: adding it would break nothing." : null);
      if (!dry) void client.invalidateQueries({ queryKey: ["families"] });
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const dry = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("value") === "dry";
    add.mutate({ form: new FormData(e.currentTarget), dry });
  };
  return (
    <Page title="Schema families" intro="A family is a schema's history: each version is checked against the family's compatibility level before it is stored.">
      {families.isPending && <Loading what="families" />}
      <ProblemView error={families.error} />
      {families.data?.length === 0 && <Empty>No schema yet: register the first one below.</Empty>}
      {families.data && families.data.length > 0 && (
        <table>
          <caption className="sr-only">Families</caption>
          <thead>
            <tr>
              <th scope="col">Family</th>
              <th scope="col">Format</th>
              <th scope="col">Latest version</th>
              <th scope="col">Versions</th>
              <th scope="col">Compatibility</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {families.data.map((f) => (
              <tr key={f.name}>
                <td>
                  <Link to={`/families/${encodeURIComponent(f.name)}`}>{f.name}</Link>
                </td>
                <td>{formatLabel(f.format)}</td>
                <td>{f.latest_version ?? "—"}</td>
                <td>{f.version_count}</td>
                <td>{f.compat_level}</td>
                <td>{when(f.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && <h2>Register a schema version</h2>}
      {canWrite && <form onSubmit={submit} aria-label="Register a schema version" className="card">
        <div className="row">
          <Field label="Family" name="family" required placeholder="OpenAPI-Payments" />
          <Field label="Version" name="version" required placeholder="2025-07" />
          <div className="field">
            <label htmlFor="schema-format">Format</label>
            <select
              id="schema-format"
              name="format"
              value={format}
              onChange={(e) => setFormat(e.target.value as FormatName)}
              aria-describedby="schema-format-hint"
            >
              {FORMATS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
            <small id="schema-format-hint" className="hint">
              A family keeps the format of its first version.
            </small>
          </div>
          <Select label="Compatibility level" name="compat" options={["", ...COMPAT]} />
        </div>
        <div className="field">
          <label htmlFor="schema-file">Or upload a schema file</label>
          <input
            id="schema-file"
            type="file"
            accept=".json,.avsc,.proto,application/json,application/schema+json"
            onChange={(e) => {
              const file = e.target.files?.[0];
              const area = e.currentTarget.form?.elements.namedItem("schema");
              if (!file) return;
              const detected = formatOfFile(file.name);
              if (detected) setFormat(detected);
              if (detected === "protobuf") setProtoPath(file.name);
              if (area instanceof HTMLTextAreaElement) void file.text().then((content) => (area.value = content));
            }}
          />
        </div>
        {format === "protobuf" && (
          <div className="row">
            <Field
              key={protoPath}
              label="File path"
              name="proto_path"
              defaultValue={protoPath}
              hint="The path other files import it by."
            />
            <Field label="Config message" name="message" placeholder="acme.billing.v1.Config" hint="Full name; by default the file's only message." />
          </div>
        )}
        <TextArea label={SOURCE[format].label} name="schema" required rows={12} placeholder={SOURCE[format].placeholder} />
        <Field
          label="References"
          name="references"
          placeholder="Common@1, Types@2025-07"
          hint="Other schema versions this one uses (Family@version): Avro named types, Protobuf imports. JSON Schema $refs of Family@version are found without it."
        />
        {add.error instanceof ApiError && add.error.code === "schema_incompatible" && isReport(add.error.problem?.report) ? (
          <div className="problem" role="alert" data-code="schema_incompatible">
            <p>
              <strong>Schema incompatible</strong>: {add.error.message} <code className="code">schema_incompatible</code>
            </p>
            <ReportView report={add.error.problem.report} schema={submitted} />
          </div>
        ) : (
          <ProblemView error={add.error} />
        )}
        {dryRun && (
          <p role="status" className="success">
            {dryRun}
          </p>
        )}
        {add.isSuccess && !dryRun && (
          <p role="status" className="success">
            Schema version stored.
          </p>
        )}
        <div className="actions">
          <button type="submit" value="dry" className="secondary" disabled={add.isPending}>
            Check compatibility
          </button>
          <button type="submit" value="save" disabled={add.isPending}>
            Register
          </button>
        </div>
      </form>}
    </Page>
  );
}

export function Targets() {
  const api = useApi();
  const client = useQueryClient();
  const targets = useTargets();
  const families = useFamilies();
  const canWrite = useCan("registry:write");
  const create = useMutation({
    mutationFn: async (form: FormData) =>
      ok(
        await api.POST("/v1/targets", {
          body: {
            name: text(form, "name"),
            family: text(form, "family"),
            version: text(form, "version"),
            schema_version: optional(form, "schema_version"),
          },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["targets"] }),
  });
  return (
    <Page title="Targets" intro="A target is a component you deploy (a service, a database, a model); each version reads one schema version of its family.">
      {targets.isPending && <Loading what="targets" />}
      <ProblemView error={targets.error} />
      {targets.data?.length === 0 && <Empty>No target yet: declare one below.</Empty>}
      {targets.data && targets.data.length > 0 && (
        <table>
          <caption className="sr-only">Targets</caption>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">Family</th>
              <th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {targets.data.map((t) => (
              <tr key={t.name}>
                <td>{t.name}</td>
                <td>{t.family}</td>
                <td>{t.versions.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && <h2>Declare a target version</h2>}
      {canWrite && <form
        className="card"
        aria-label="Declare a target version"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="row">
          <Field label="Name" name="name" required placeholder="payment-api" />
          {families.data && families.data.length > 0 ? (
            <Select label="Family" name="family" required options={families.data.map((f) => f.name)} />
          ) : (
            <Field label="Family" name="family" required />
          )}
          <Field label="Version" name="version" required placeholder="3.2.1" />
          <Field label="Schema version (optional)" name="schema_version" hint="The family's latest when empty." />
        </div>
        <ProblemView error={create.error} />
        {create.data && (
          <p role="status" className="success">
            Declared {create.data.target}@{create.data.version}, reading {create.data.family} {create.data.schema_version}.
          </p>
        )}
        <button type="submit" disabled={create.isPending}>
          Declare
        </button>
      </form>}
      <p>
        Next: <Link to="/configs">store a config</Link> for it.
      </p>
    </Page>
  );
}
