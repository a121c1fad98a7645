// Environments, and what a cluster reports running in one (observations: what pipelines and
// agents send with `versiqii report`, here by hand).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ok } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Field, Loading, Page, ProblemView, optional, text, when } from "../ui";

export function Environments() {
  const api = useApi();
  const client = useQueryClient();
  const canWrite = useCan("registry:write");
  const envs = useQuery({ queryKey: ["envs"], queryFn: async () => ok(await api.GET("/v1/envs")).items });
  const create = useMutation({
    mutationFn: async (form: FormData) => ok(await api.POST("/v1/envs", { body: { name: text(form, "name") } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["envs"] }),
  });
  const observe = useMutation({
    mutationFn: async (form: FormData) =>
      ok(
        await api.POST("/v1/envs/{env}/observations", {
          params: { path: { env: text(form, "env") } },
          body: { target: text(form, "target"), version: text(form, "version"), config_hash: optional(form, "config_hash") },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["drifts-graph"] }),
  });
  return (
    <Page title="Environments" intro="Where targets run. Bindings and deployments create theirs on first use.">
      {envs.isPending && <Loading what="environments" />}
      <ProblemView error={envs.error} />
      {envs.data?.length === 0 && <Empty>No environment yet.</Empty>}
      {envs.data && envs.data.length > 0 && (
        <table>
          <caption className="sr-only">Environments</caption>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Views</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {envs.data.map((e) => (
              <tr key={e.name}>
                <td>{e.name}</td>
                <td>{when(e.created_at)}</td>
                <td>
                  <Link to={`/drift?env=${encodeURIComponent(e.name)}`}>Drift in {e.name}</Link> ·{" "}
                  <Link to={`/deployments?env=${encodeURIComponent(e.name)}`}>Deployments in {e.name}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && (
        <>
          <h2>Create an environment</h2>
          <form
            className="card"
            aria-label="Create an environment"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate(new FormData(e.currentTarget));
            }}
          >
            <Field label="Name" name="name" required placeholder="staging" />
            <ProblemView error={create.error} />
            <button type="submit" disabled={create.isPending}>
              Create
            </button>
          </form>
          <h2>Report what runs</h2>
          <form
            className="card"
            aria-label="Report an observation"
            onSubmit={(e) => {
              e.preventDefault();
              observe.mutate(new FormData(e.currentTarget));
            }}
          >
            <div className="row">
              <Field label="In environment" name="env" required placeholder="prod-eu" />
              <Field label="Target running" name="target" required placeholder="payment-api" />
              <Field label="Version running" name="version" required placeholder="3.2.1" />
              <Field label="Config hash (optional)" name="config_hash" hint="SHA-256 of the canonical config it runs." />
            </div>
            <ProblemView error={observe.error} />
            {observe.data && (
              <p role="status" className="success">
                Recorded: {observe.data.target} {observe.data.version} runs in {observe.data.env}. The drift matrix compares it with what should run.
              </p>
            )}
            <button type="submit" disabled={observe.isPending}>
              Report
            </button>
          </form>
        </>
      )}
    </Page>
  );
}
