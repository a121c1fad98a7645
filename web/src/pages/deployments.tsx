// Deployments: what should run where. A change is planned first (the plan in words), applied if
// safe, forced if you insist (the drift matrix then shows it); a rollback is planned, then applied.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, ok, type Schemas } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Field, Loading, Page, ProblemView, optional, text, when } from "../ui";

type Plan = Schemas["Plan"];

function PlanView({ plan, title }: { plan: Plan; title: string }) {
  return (
    <div className={`plan card ${plan.safe ? "safe" : "unsafe"}`} role="status" aria-label={title}>
      <h3>{title}</h3>
      <p>
        {plan.env}: {plan.target} {plan.from_version ?? "(nothing)"} → {plan.to_version}.{" "}
        {plan.applied ? (plan.forced ? "Applied by force." : "Applied.") : plan.safe ? "Safe to apply." : "It would break something:"}
      </p>
      <pre tabIndex={0} className="summary">{plan.summary}</pre>
      {plan.migrations && plan.migrations.length > 0 && (
        <>
          <h4>Bound configs that move to the new schema</h4>
          {plan.migrations.map((m) => (
            <details key={m.config} open>
              <summary>
                {m.config}: {m.from_schema} → {m.to_schema} in {m.steps.length} step(s) ({m.steps.map((s) => `${s.kind} ${s.direction}`).join(", ")})
              </summary>
              <pre tabIndex={0} aria-label={`Migration of ${m.config}`}>{m.diff}</pre>
            </details>
          ))}
        </>
      )}
    </div>
  );
}

/** The plan a refusal carries (409 `deployment_refused`), if it is one. */
function refusedPlan(error: unknown): Plan | undefined {
  if (error instanceof ApiError && error.code === "deployment_refused" && error.problem?.plan) {
    return error.problem.plan as Plan;
  }
  return undefined;
}

export function Deployments() {
  const api = useApi();
  const client = useQueryClient();
  const canWrite = useCan("registry:write");
  const [params, setParams] = useSearchParams();
  const env = params.get("env") ?? "";
  const target = params.get("target") ?? "";
  const [version, setVersion] = useState("");
  const history = useQuery({
    queryKey: ["deployments", env],
    queryFn: async () => ok(await api.GET("/v1/envs/{env}/deployments", { params: { path: { env } } })).items,
    enabled: env !== "",
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ["deployments", env] });
  };
  const deploy = useMutation({
    mutationFn: async ({ dry, force }: { dry: boolean; force: boolean }) =>
      ok(
        await api.PUT("/v1/envs/{env}/targets/{target}/version", {
          params: { path: { env, target } },
          body: { version, dry_run: dry, force },
        }),
      ),
    onSuccess: (plan) => plan.applied && refresh(),
  });
  const rollback = useMutation({
    mutationFn: async ({ dry, force, to }: { dry: boolean; force: boolean; to?: string }) =>
      ok(
        await api.POST("/v1/envs/{env}/targets/{target}/rollback", {
          params: { path: { env, target } },
          body: { dry_run: dry, force, to_version: to },
        }),
      ),
    onSuccess: (plan) => plan.applied && refresh(),
  });
  const refused = refusedPlan(deploy.error);
  const rollbackRefused = refusedPlan(rollback.error);
  const [rollbackTo, setRollbackTo] = useState<string | undefined>(undefined);
  return (
    <Page title="Deployments" intro="Set what should run in an environment. Every change is checked against the version graph and the bound configs first.">
      <form
        className="card"
        aria-label="Choose environment and target"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          setParams({ env: text(form, "env"), target: text(form, "target") });
        }}
      >
        <div className="row">
          <Field label="Environment" name="env" required defaultValue={env} placeholder="prod-eu" />
          <Field label="Target" name="target" required defaultValue={target} placeholder="payment-api" />
        </div>
        <button type="submit" className="secondary">
          Show
        </button>
      </form>
      {env && target && canWrite && (
        <>
          <h2>
            Set {target} in {env}
          </h2>
          <div className="card">
            <div className="row">
              <div className="field">
                <label htmlFor="deploy-version">Version</label>
                <input id="deploy-version" value={version} onChange={(e) => setVersion(e.target.value)} placeholder="2.1.0" />
              </div>
            </div>
            <div className="actions">
              <button type="button" className="secondary" disabled={!version || deploy.isPending} onClick={() => deploy.mutate({ dry: true, force: false })}>
                Plan
              </button>
              <button type="button" disabled={!version || deploy.isPending} onClick={() => deploy.mutate({ dry: false, force: false })}>
                Apply
              </button>
              {refused && (
                <button type="button" className="danger" onClick={() => deploy.mutate({ dry: false, force: true })}>
                  Apply anyway (force)
                </button>
              )}
            </div>
            {deploy.data && <PlanView plan={deploy.data} title={deploy.data.applied ? "Deployment" : "Plan"} />}
            {refused ? <PlanView plan={refused} title="Refused" /> : <ProblemView error={deploy.error} />}
          </div>
          <h2>Roll back</h2>
          <form
            className="card"
            aria-label="Roll back"
            onSubmit={(e) => {
              e.preventDefault();
              const to = optional(new FormData(e.currentTarget), "to");
              setRollbackTo(to);
              rollback.mutate({ dry: true, force: false, to });
            }}
          >
            <Field label="To version (optional)" name="to" hint="The deployment before the current one when empty." />
            <div className="actions">
              <button type="submit" className="secondary" disabled={rollback.isPending}>
                Plan rollback
              </button>
              {rollback.data && !rollback.data.applied && (
                <button type="button" onClick={() => rollback.mutate({ dry: false, force: false, to: rollbackTo })}>
                  Roll back now
                </button>
              )}
              {rollbackRefused && (
                <button type="button" className="danger" onClick={() => rollback.mutate({ dry: false, force: true, to: rollbackTo })}>
                  Roll back anyway (force)
                </button>
              )}
            </div>
            {rollback.data && <PlanView plan={rollback.data} title={rollback.data.applied ? "Rolled back" : "Rollback plan"} />}
            {rollbackRefused ? <PlanView plan={rollbackRefused} title="Rollback refused" /> : <ProblemView error={rollback.error} />}
          </form>
        </>
      )}
      {env && (
        <>
          <h2>History in {env}</h2>
          {history.isPending && <Loading what="the history" />}
          <ProblemView error={history.error} />
          {history.data?.length === 0 && <Empty>Nothing was deployed in {env} yet.</Empty>}
          {history.data && history.data.length > 0 && (
            <table>
              <caption className="sr-only">Deployment history</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Target</th>
                  <th scope="col">Version</th>
                  <th scope="col">By</th>
                  <th scope="col">Forced</th>
                </tr>
              </thead>
              <tbody>
                {history.data.map((d) => (
                  <tr key={d.id}>
                    <td>{when(d.created_at)}</td>
                    <td>{d.target}</td>
                    <td>{d.version}</td>
                    <td>{d.created_by}</td>
                    <td>{d.forced ? "forced" : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Page>
  );
}
