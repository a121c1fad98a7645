// The organisation's people: members and their roles, invites; and its API keys.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Field, Loading, Page, ProblemView, Select, optional, text, when } from "../ui";

const ROLES = ["viewer", "editor", "admin", "owner"];

export function Team() {
  const api = useApi();
  const client = useQueryClient();
  const manage = useCan("members:write");
  const members = useQuery({ queryKey: ["members"], queryFn: async () => ok(await api.GET("/v1/members")).items });
  const invites = useQuery({
    queryKey: ["invites"],
    queryFn: async () => ok(await api.GET("/v1/invites")).items,
    enabled: manage,
  });
  const invite = useMutation({
    mutationFn: async (form: FormData) =>
      ok(await api.POST("/v1/invites", { body: { email: text(form, "email"), role: text(form, "role") } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["invites"] }),
  });
  const revoke = useMutation({
    mutationFn: async (id: string) => ok(await api.DELETE("/v1/invites/{id}", { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["invites"] }),
  });
  const resend = useMutation({
    mutationFn: async (id: string) => ok(await api.POST("/v1/invites/{id}/resend", { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["invites"] }),
  });
  const setRole = useMutation({
    mutationFn: async ({ user, role }: { user: string; role: string }) =>
      ok(await api.PUT("/v1/members/{user_id}/role", { params: { path: { user_id: user } }, body: { role } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["members"] }),
  });
  return (
    <Page title="Team" intro="The organisation's members and their roles: viewers read, editors change the registry and deployments, admins manage people and keys, owners everything.">
      {members.isPending && <Loading what="members" />}
      <ProblemView error={members.error ?? setRole.error} />
      {members.data && (
        <table>
          <caption className="sr-only">Members</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.user_id}>
                <td>
                  {m.display_name ?? m.email} {m.display_name && <span className="muted">({m.email})</span>}
                </td>
                <td>
                  {manage ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      onChange={(e) => setRole.mutate({ user: m.user_id, role: e.target.value })}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td>{when(m.joined_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <>
          <h2>Invites</h2>
          <ProblemView error={invites.error ?? revoke.error ?? resend.error} />
          {resend.data && (
            <p role="status" className="success">
              A new link is on its way to {resend.data.email}; the earlier one stops working.
            </p>
          )}
          {invites.data?.length === 0 && <Empty>No invites yet.</Empty>}
          {invites.data && invites.data.length > 0 && (
            <table>
              <caption className="sr-only">Invites</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">State</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invites.data.map((i) => (
                  <tr key={i.id}>
                    <td>{i.email}</td>
                    <td>{i.role}</td>
                    <td>{i.state}</td>
                    <td>{when(i.expires_at)}</td>
                    <td>
                      {(i.state === "pending" || i.state === "expired") && (
                        <span className="actions">
                          <button type="button" className="secondary" onClick={() => resend.mutate(i.id)}>
                            Resend invite to {i.email}
                          </button>
                          <button type="button" className="secondary" onClick={() => revoke.mutate(i.id)}>
                            Revoke invite to {i.email}
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <form
            className="card"
            aria-label="Invite someone"
            onSubmit={(e) => {
              e.preventDefault();
              invite.mutate(new FormData(e.currentTarget));
            }}
          >
            <div className="row">
              <Field label="Email to invite" name="email" type="email" required />
              <Select label="Role" name="role" options={ROLES} />
            </div>
            <ProblemView error={invite.error} />
            {invite.data && (
              <p role="status" className="success">
                Invited {invite.data.email}: the link is on its way (it works once, for 7 days).
              </p>
            )}
            <button type="submit" disabled={invite.isPending}>
              Send invite
            </button>
          </form>
        </>
      )}
    </Page>
  );
}

export function ApiKeys() {
  const api = useApi();
  const client = useQueryClient();
  const [shown, setShown] = useState<string | null>(null);
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: async () => ok(await api.GET("/v1/api-keys")).items });
  const create = useMutation({
    mutationFn: async (form: FormData) => {
      const envs = optional(form, "environments");
      return ok(
        await api.POST("/v1/api-keys", {
          body: {
            name: text(form, "name"),
            scopes: [text(form, "scope")],
            environments: envs ? envs.split(",").map((e) => e.trim()).filter(Boolean) : undefined,
          },
        }),
      );
    },
    onSuccess: (created) => {
      setShown(created.key);
      void client.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) => ok(await api.DELETE("/v1/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  return (
    <Page title="API keys" intro="Keys for pipelines: a scope (read, write or admin) and, if you like, the environments they may act in.">
      <ProblemView error={keys.error ?? revoke.error} />
      {keys.isPending && <Loading what="API keys" />}
      {keys.data?.length === 0 && <Empty>No API keys yet.</Empty>}
      {keys.data && keys.data.length > 0 && (
        <table>
          <caption className="sr-only">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Environments</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}</code>
                </td>
                <td>{k.scopes.join(", ")}</td>
                <td>{k.environments?.join(", ") ?? "all"}</td>
                <td>{k.last_used_at ? when(k.last_used_at) : "never"}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => revoke.mutate(k.id)}>
                    Revoke {k.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Create a key</h2>
      <form
        className="card"
        aria-label="Create an API key"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(null);
          create.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="row">
          <Field label="Key name" name="name" required placeholder="github-actions" />
          <Select label="Scope" name="scope" options={["read", "write", "admin"]} />
          <Field label="Environments (optional)" name="environments" placeholder="staging, qa" hint="Comma-separated; every environment when empty." />
        </div>
        <ProblemView error={create.error} />
        {shown && (
          <div role="status" className="success">
            <p>Store this key now: it is shown only once.</p>
            <code aria-label="The new API key">{shown}</code>
          </div>
        )}
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
    </Page>
  );
}
