// One schema family: its versions, and any version's schema with the compatibility report it was
// stored with.
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { ok } from "../api/client";
import { useApi } from "../session";
import { Loading, Page, ProblemView, when } from "../ui";
import { isReport, ReportView } from "./report";

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
    <Page title={`Family ${f.name}`} intro={`Compatibility level ${f.compat_level}; ${f.versions.length} version(s).`}>
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
              <pre tabIndex={0} aria-label={`Schema ${shown}`}>{JSON.stringify(schema.data.schema, null, 2)}</pre>
            </>
          )}
        </>
      )}
    </Page>
  );
}
