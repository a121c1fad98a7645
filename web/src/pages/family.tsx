// One schema family: its versions, and any version's schema with the compatibility report it was
// stored with.
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { ok } from "../api/client";
import { useApi } from "../session";
import { Loading, Page, ProblemView, when } from "../ui";
import { isReport, ReportView } from "./report";
import { formatLabel } from "./registry";

interface ProtoFile {
  path: string;
  source: string;
}

/** The `.proto` files of a stored Protobuf document: its own, then those of its references. */
function protoFiles(document: unknown): (ProtoFile & { label?: string })[] {
  const d = (document ?? {}) as { files?: ProtoFile[]; references?: (ProtoFile & { label: string })[] };
  return [...(d.files ?? []), ...(d.references ?? [])];
}

export function Family() {
  const { family = "", version } = useParams();
  const api = useApi();
  const detail = useQuery({
    queryKey: ["family", family],
    queryFn: async () => ok(await api.GET("/v1/families/{family}", { params: { path: { family } } })),
  });
  const shown = version ?? detail.data?.latest_version ?? undefined;
  const schema = useQuery({
    queryKey: ["schema", family, shown],
    queryFn: async () =>
      ok(await api.GET("/v1/families/{family}/schemas/{version}", { params: { path: { family, version: shown ?? "" } } })),
    enabled: shown !== undefined,
  });
  if (detail.isPending) return <Loading what={`the family ${family}`} />;
  if (detail.error) return <ProblemView error={detail.error} />;
  const f = detail.data;
  return (
    <Page
      title={`Family ${f.name}`}
      intro={`${formatLabel(f.format)}; compatibility level ${f.compat_level}${f.buf_category ? ` (buf rules ${f.buf_category})` : ""}; ${f.versions.length} version(s).`}
    >
      <table>
        <caption className="sr-only">Versions</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Hash</th>
            <th scope="col">Stored</th>
          </tr>
        </thead>
        <tbody>
          {f.versions.map((v) => (
            <tr key={v.version} aria-current={v.version === shown ? "true" : undefined}>
              <td>
                <Link to={`/families/${encodeURIComponent(f.name)}/${encodeURIComponent(v.version)}`}>{v.version}</Link>
              </td>
              <td>
                <code>{v.hash.slice(0, 12)}</code>
              </td>
              <td>{when(v.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && (
        <>
          <h2>
            {f.name} {shown}
          </h2>
          {schema.isPending && <Loading what="the schema" />}
          <ProblemView error={schema.error} />
          {schema.data && (
            <>
              {isReport(schema.data.report) && schema.data.report.checked_against.length > 0 && (
                <ReportView report={schema.data.report} />
              )}
              {(schema.data.message || (schema.data.references ?? []).length > 0) && (
                <dl className="facts">
                  {schema.data.message && (
                    <>
                      <dt>Config message</dt>
                      <dd>
                        <code>{schema.data.message}</code>
                      </dd>
                    </>
                  )}
                  {(schema.data.references ?? []).length > 0 && (
                    <>
                      <dt>References</dt>
                      <dd>
                        {(schema.data.references ?? []).map((r, i) => {
                          const [fam = "", ver = ""] = r.split("@");
                          return (
                            <span key={r}>
                              {i > 0 && ", "}
                              <Link to={`/families/${encodeURIComponent(fam)}/${encodeURIComponent(ver)}`}>{r}</Link>
                            </span>
                          );
                        })}
                      </dd>
                    </>
                  )}
                </dl>
              )}
              {schema.data.format === "protobuf" ? (
                protoFiles(schema.data.schema).map((file) => (
                  <section key={`${file.path}`} aria-label={file.path}>
                    <h3>
                      <code>{file.path}</code>
                      {file.label ? ` (from ${file.label})` : ""}
                    </h3>
                    <pre tabIndex={0}>{file.source}</pre>
                  </section>
                ))
              ) : (
                <pre tabIndex={0} aria-label={`Schema ${shown}`}>{JSON.stringify(schema.data.schema, null, 2)}</pre>
              )}
            </>
          )}
        </>
      )}
    </Page>
  );
}
