// Where the organisation's events go: webhook endpoints (signed, or Slack), their deliveries and
// attempts with resend and replay, and members' email digests. Admins only.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok } from "../api/client";
import { useApi } from "../session";
import { Empty, Field, Loading, Page, ProblemView, Select, optional, text, useUrlFilters, when } from "../ui";

function list(value: string | undefined): string[] | undefined {
  const items = (value ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

export function Webhooks() {
  const api = useApi();
  const client = useQueryClient();
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const endpoints = useQuery({ queryKey: ["webhooks"], queryFn: async () => ok(await api.GET("/v1/webhooks")).items });
  const refresh = () => void client.invalidateQueries({ queryKey: ["webhooks"] });
  const create = useMutation({
    mutationFn: async ({ form }: { form: FormData; element: HTMLFormElement }) =>
      ok(
        await api.POST("/v1/webhooks", {
          body: {
            url: text(form, "url"),
            format: text(form, "format") === "slack" ? "slack" : "standard",
            events: list(optional(form, "events")),
            environments: list(optional(form, "environments")),
            description: optional(form, "description") ?? "",
          },
        }),
      ),
    onSuccess: (made, { element }) => {
      setSecret({ url: made.url, secret: made.secret });
      element.reset();
      refresh();
    },
  });
  const act = useMutation({
    mutationFn: async ({ id, action }: { id: string; action: "enable" | "disable" | "rotate" | "test" | "delete" }) => {
      const path = { params: { path: { id } } };
      switch (action) {
        case "enable":
          return ok(await api.POST("/v1/webhooks/{id}/enable", path));
        case "disable":
          return ok(await api.POST("/v1/webhooks/{id}/disable", path));
        case "rotate": {
          const rotated = ok(await api.POST("/v1/webhooks/{id}/rotate-secret", path));
          setSecret({ url: rotated.url, secret: rotated.secret });
          return rotated;
        }
        case "test":
          return ok(await api.POST("/v1/webhooks/{id}/test", path));
        case "delete":
          return ok(await api.DELETE("/v1/webhooks/{id}", path));
      }
    },
    onSuccess: refresh,
  });
  return (
    <Page
      title="Webhooks"
      intro="Where the organisation's events go: signed webhooks (Standard Webhooks) or Slack messages, delivered at least once with retries."
    >
      <ProblemView error={endpoints.error ?? act.error} />
      {endpoints.isPending && <Loading what="webhook endpoints" />}
      {endpoints.data?.length === 0 && <Empty>No endpoints yet: events go nowhere.</Empty>}
      {endpoints.data && endpoints.data.length > 0 && (
        <table>
          <caption className="sr-only">Webhook endpoints</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Format</th>
              <th scope="col">Events</th>
              <th scope="col">Environments</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link to={`/webhooks/${e.id}`}>{e.url}</Link>
                  {e.description && <div className="hint">{e.description}</div>}
                </td>
                <td>{e.format}</td>
                <td>{e.events.join(", ")}</td>
                <td>{e.environments?.join(", ") ?? "all"}</td>
                <td>
                  {e.status === "disabled" ? <strong>disabled ({e.disabled_reason ?? "manual"})</strong> : "enabled"}
                  {e.failing_since && <div className="hint">failing since {when(e.failing_since)}</div>}
                </td>
                <td className="actions">
                  <button type="button" className="secondary" aria-label={`Send a test to ${e.url}`} onClick={() => act.mutate({ id: e.id, action: "test" })}>
                    Test
                  </button>
                  {e.status === "disabled" ? (
                    <button type="button" className="secondary" aria-label={`Enable ${e.url}`} onClick={() => act.mutate({ id: e.id, action: "enable" })}>
                      Enable
                    </button>
                  ) : (
                    <button type="button" className="secondary" aria-label={`Disable ${e.url}`} onClick={() => act.mutate({ id: e.id, action: "disable" })}>
                      Disable
                    </button>
                  )}
                  <button type="button" className="secondary" aria-label={`Rotate the secret of ${e.url}`} onClick={() => act.mutate({ id: e.id, action: "rotate" })}>
                    Rotate secret
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Delete ${e.url}`}
                    onClick={() => {
                      if (window.confirm(`Delete ${e.url} and its deliveries?`)) act.mutate({ id: e.id, action: "delete" });
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {secret && (
        <div role="status" className="success">
          <p>
            Store the signing secret of <code>{secret.url}</code> now: it is shown only once. Verify each delivery's{" "}
            <code>webhook-signature</code> with it.
          </p>
          <code aria-label="The signing secret">{secret.secret}</code>
        </div>
      )}
      <h2>Add an endpoint</h2>
      <form
        className="card"
        aria-label="Add a webhook endpoint"
        onSubmit={(e) => {
          e.preventDefault();
          setSecret(null);
          create.mutate({ form: new FormData(e.currentTarget), element: e.currentTarget });
        }}
      >
        <div className="row">
          <Field label="Endpoint URL" name="url" type="url" required placeholder="https://hooks.example.com/versiqii" />
          <Select label="Format" name="format" options={["standard", "slack"]} />
        </div>
        <div className="row">
          <Field label="Event types" name="events" placeholder="drift.changed, deployment.*" hint="Comma-separated; every event when empty." />
          <Field label="Only environments" name="environments" placeholder="prod-eu" hint="Comma-separated; every environment when empty." />
          <Field label="Description" name="description" placeholder="on-call pager" />
        </div>
        <ProblemView error={create.error} />
        <button type="submit" disabled={create.isPending}>
          Add endpoint
        </button>
      </form>
      <Digests />
    </Page>
  );
}

function Digests() {
  const api = useApi();
  const client = useQueryClient();
  const digests = useQuery({ queryKey: ["digests"], queryFn: async () => ok(await api.GET("/v1/digests")).items });
  const members = useQuery({ queryKey: ["members"], queryFn: async () => ok(await api.GET("/v1/members")).items });
  const refresh = () => void client.invalidateQueries({ queryKey: ["digests"] });
  const set = useMutation({
    mutationFn: async (form: FormData) =>
      ok(
        await api.PUT("/v1/digests/{user_id}", {
          params: { path: { user_id: text(form, "member") } },
          body: { events: list(optional(form, "events")), every: text(form, "every") },
        }),
      ),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (user_id: string) => ok(await api.DELETE("/v1/digests/{user_id}", { params: { path: { user_id } } })),
    onSuccess: refresh,
  });
  return (
    <section aria-labelledby="digests-heading">
      <h2 id="digests-heading">Email digests</h2>
      <p className="hint">Members who get the organisation's drift and refusals by mail, gathered hourly or daily. Nothing happened, no mail.</p>
      <ProblemView error={digests.error ?? remove.error} />
      {digests.isPending && <Loading what="digests" />}
      {digests.data?.length === 0 && <Empty>Nobody gets a digest.</Empty>}
      {digests.data && digests.data.length > 0 && (
        <table>
          <caption className="sr-only">Email digests</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Events</th>
              <th scope="col">Every</th>
              <th scope="col">Next</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {digests.data.map((d) => (
              <tr key={d.user_id}>
                <td>{d.email}</td>
                <td>{d.events.join(", ")}</td>
                <td>{d.every}</td>
                <td>{when(d.next_due_at)}</td>
                <td>
                  <button type="button" className="secondary" aria-label={`Stop the digest of ${d.email}`} onClick={() => remove.mutate(d.user_id)}>
                    Stop
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="card"
        aria-label="Send a member a digest"
        onSubmit={(e) => {
          e.preventDefault();
          set.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="row">
          <Select label="Member" name="member" required options={(members.data ?? []).map((m) => ({ value: m.user_id, label: m.email }))} />
          <Select label="Every" name="every" options={["daily", "hourly"]} />
          <Field label="Digest events" name="events" placeholder="drift.changed, deployment.refused, binding.refused" hint="Comma-separated; drift and refusals when empty." />
        </div>
        <ProblemView error={set.error} />
        <button type="submit" disabled={set.isPending || !members.data}>
          Send digests
        </button>
      </form>
    </section>
  );
}

export function WebhookDeliveries() {
  const { id = "" } = useParams();
  const api = useApi();
  const client = useQueryClient();
  const [filters, setFilter] = useUrlFilters();
  const status = filters.get("status") ?? "";
  const [open, setOpen] = useState<number | null>(null);
  const [replayed, setReplayed] = useState<number | null>(null);
  const endpoint = useQuery({
    queryKey: ["webhook", id],
    queryFn: async () => ok(await api.GET("/v1/webhooks/{id}", { params: { path: { id } } })),
  });
  const deliveries = useQuery({
    queryKey: ["deliveries", id, status],
    queryFn: async () =>
      ok(
        await api.GET("/v1/webhooks/{id}/deliveries", {
          params: { path: { id }, query: { status: status || undefined, limit: 100 } },
        }),
      ).items,
    refetchInterval: 5_000,
  });
  const detail = useQuery({
    queryKey: ["delivery", id, open],
    queryFn: async () =>
      ok(await api.GET("/v1/webhooks/{id}/deliveries/{delivery}", { params: { path: { id, delivery: open ?? 0 } } })),
    enabled: open !== null,
  });
  const resend = useMutation({
    mutationFn: async (delivery: number) =>
      ok(await api.POST("/v1/webhooks/{id}/deliveries/{delivery}/resend", { params: { path: { id, delivery } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["deliveries", id] }),
  });
  const replay = useMutation({
    mutationFn: async (form: FormData) =>
      ok(
        await api.POST("/v1/webhooks/{id}/replay", {
          params: { path: { id } },
          body: { since: new Date(text(form, "since")).toISOString(), include_delivered: form.get("include_delivered") === "on" },
        }),
      ),
    onSuccess: (r) => {
      setReplayed(r.queued);
      void client.invalidateQueries({ queryKey: ["deliveries", id] });
    },
  });
  return (
    <Page title="Deliveries" intro={endpoint.data ? <code>{endpoint.data.url}</code> : undefined}>
      <p>
        <Link to="/webhooks">All endpoints</Link>
      </p>
      <ProblemView error={endpoint.error ?? deliveries.error ?? resend.error} />
      <label>
        Status
        <select value={status} onChange={(e) => setFilter("status", e.target.value)}>
          <option value="">any</option>
          <option value="pending">pending</option>
          <option value="delivered">delivered</option>
          <option value="failed">failed</option>
        </select>
      </label>
      {deliveries.isPending && <Loading what="deliveries" />}
      {deliveries.data?.length === 0 && <Empty>No deliveries{status ? ` ${status}` : ""} yet.</Empty>}
      {deliveries.data && deliveries.data.length > 0 && (
        <table>
          <caption className="sr-only">Deliveries</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">When</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.event_type}</code>
                  <div className="hint">{d.msg_id}</div>
                </td>
                <td>{when(d.event_at)}</td>
                <td>{d.status}</td>
                <td>{d.attempts}</td>
                <td>{d.last_status ? `HTTP ${d.last_status}` : (d.last_error ?? "–")}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Attempts of delivery ${d.id}`}
                    aria-expanded={open === d.id}
                    onClick={() => setOpen(open === d.id ? null : d.id)}
                  >
                    Attempts
                  </button>
                  {d.status !== "pending" && (
                    <button type="button" className="secondary" aria-label={`Resend delivery ${d.id}`} onClick={() => resend.mutate(d.id)}>
                      Resend
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open !== null && (
        <section aria-label={`Attempts of delivery ${open}`} className="card">
          <h2>Attempts of delivery {open}</h2>
          <ProblemView error={detail.error} />
          {detail.isPending && <Loading what="attempts" />}
          {detail.data?.attempts.length === 0 && <Empty>Not attempted yet.</Empty>}
          {detail.data && detail.data.attempts.length > 0 && (
            <ol>
              {detail.data.attempts.map((a) => (
                <li key={a.attempt}>
                  {when(a.started_at)}: <strong>{a.outcome}</strong>
                  {a.response_status ? ` (HTTP ${a.response_status})` : ""} in {a.duration_ms} ms
                  {a.error && <div className="hint">{a.error}</div>}
                  {a.response_body && <pre tabIndex={0}>{a.response_body}</pre>}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
      <h2>Replay</h2>
      <form
        className="card"
        aria-label="Replay events"
        onSubmit={(e) => {
          e.preventDefault();
          setReplayed(null);
          replay.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="row">
          <Field label="Since" name="since" type="datetime-local" required />
          <label className="check">
            <input type="checkbox" name="include_delivered" /> Delivered ones too
          </label>
        </div>
        <ProblemView error={replay.error} />
        {replayed !== null && (
          <p role="status" className="success">
            Queued {replayed} deliveries again.
          </p>
        )}
        <button type="submit" disabled={replay.isPending}>
          Replay
        </button>
      </form>
    </Page>
  );
}
