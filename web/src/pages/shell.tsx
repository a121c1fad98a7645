// The signed-in frame: navigation, the organisation, the theme, signing out; and the first-run
// guide that walks a new team through the Hello World.
import { useEffect, useState } from "react";
import { Link, NavLink, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, COOKIE_SESSION, ok } from "../api/client";
import { allows, useMe, type Ability } from "../role";
import { useApi, useSession } from "../session";
import { Empty, Field, Loading, Page, ProblemView, text, useUrlFilters, when } from "../ui";

const NAV: [string, string, Ability | null][] = [
  ["/", "Get started", null],
  ["/families", "Schemas", null],
  ["/targets", "Targets", null],
  ["/configs", "Configs", null],
  ["/bindings", "Bindings", null],
  ["/migrations", "Migrations", null],
  ["/envs", "Environments", null],
  ["/drift", "Drift", null],
  ["/deployments", "Deployments", null],
  ["/graph", "Version graph", null],
  ["/team", "Team", null],
  ["/billing", "Usage & billing", null],
  ["/api-keys", "API keys", "api-keys:read"],
  ["/webhooks", "Webhooks", "webhooks:read"],
  ["/audit", "Audit log", "audit:read"],
  ["/orgs", "Organisations", null],
];

type Theme = "light" | "dark";

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() =>
    localStorage.getItem("vq-theme") === "dark" ||
    (localStorage.getItem("vq-theme") === null && window.matchMedia("(prefers-color-scheme: dark)").matches)
      ? "dark"
      : "light",
  );
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("vq-theme", theme);
  }, [theme]);
  return [theme, () => setTheme((t) => (t === "dark" ? "light" : "dark"))];
}

export function Shell() {
  const { session, signOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [theme, toggle] = useTheme();
  const hasOrg = Boolean(session?.tenantId);
  const me = useMe();
  if (session === undefined) return <Loading what="your session" />;
  if (session === null) return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (!hasOrg && location.pathname !== "/orgs") return <Navigate to="/orgs" replace />;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Versiqii
        </Link>
        <span className="org" aria-label="Organisation">
          {me.data ? `${me.data.tenant_slug} · ${me.data.role}` : hasOrg ? "…" : "no organisation"}
        </span>
        <button type="button" className="secondary" onClick={toggle} aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}>
          {theme === "dark" ? "Light" : "Dark"} theme
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void signOut().then(() => navigate("/signin"));
          }}
        >
          Sign out
        </button>
      </header>
      <nav aria-label="Main" className="side">
        <ul>
          {NAV.filter(([, , need]) => need === null || allows(me.data?.role, need)).map(([to, label]) => (
            <li key={to}>
              <NavLink to={to} end={to === "/"}>
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {me.error instanceof ApiError && me.error.code === "tenant_suspended" && (
          <div className="problem suspended" role="alert" data-code="tenant_suspended">
            <p>
              <strong>Suspended</strong>: {me.error.message}. Write to support to have it resumed.{" "}
              <code className="code">tenant_suspended</code>
            </p>
          </div>
        )}
        <Outlet />
      </main>
    </div>
  );
}

export function Start() {
  const api = useApi();
  const families = useQuery({ queryKey: ["families"], queryFn: async () => ok(await api.GET("/v1/families")).items });
  const targets = useQuery({ queryKey: ["targets"], queryFn: async () => ok(await api.GET("/v1/targets")).items });
  const configs = useQuery({ queryKey: ["configs"], queryFn: async () => ok(await api.GET("/v1/configs")).items });
  const bindings = useQuery({ queryKey: ["bindings"], queryFn: async () => ok(await api.GET("/v1/bindings")).items });
  const drift = useQuery({ queryKey: ["drifts-graph"], queryFn: async () => ok(await api.GET("/v1/drifts")).items });
  const steps: [string, string, string, boolean | undefined][] = [
    ["Register a schema", "A JSON Schema for a family of configs, e.g. OpenAPI-Payments 2025-07.", "/families", families.data && families.data.length > 0],
    ["Declare a target", "The component that reads it, e.g. payment-api 3.2.1.", "/targets", targets.data && targets.data.length > 0],
    ["Store a config", "Paste the JSON or YAML the target runs with.", "/configs", configs.data && configs.data.length > 0],
    ["Bind it to an environment", "Validated against the schema that version reads; a broken config is refused with every error at its path.", "/configs", bindings.data && bindings.data.length > 0],
    ["Set what runs where", "Deploy a version to an environment: the plan says in words what it would break before anything moves.", "/deployments", drift.data && drift.data.some((r) => r.desired_version)],
    ["Watch for drift", "The heatmap shows every target in every environment whose schema, dependencies, config or running version drift, and why.", "/drift", undefined],
  ];
  return (
    <Page title="Get started" intro="From nothing to a config that is known to fit the version that will run it, and kept that way.">
      <ol className="guide">
        {steps.map(([title, what, to, done]) => (
          <li key={title} className={done ? "done" : ""}>
            <h2>
              <Link to={to}>{title}</Link>
              {done === undefined ? null : done ? <span className="badge ok">done</span> : <span className="badge">to do</span>}
            </h2>
            <p>{what}</p>
          </li>
        ))}
      </ol>
    </Page>
  );
}

export function Organisations() {
  const { api, adopt, session } = useSession();
  const client = useQueryClient();
  const orgs = useQuery({ queryKey: ["orgs", session?.tenantId], queryFn: async () => ok(await api.GET("/v1/orgs")).items });
  const switchTo = useMutation({
    mutationFn: async (slug: string) => ok(await api.POST("/v1/auth/switch", { body: { organisation: slug }, headers: COOKIE_SESSION })),
    onSuccess: (tokens) => {
      adopt(tokens);
      void client.invalidateQueries();
    },
  });
  const create = useMutation({
    mutationFn: async (form: FormData) =>
      ok(await api.POST("/v1/orgs", { body: { slug: text(form, "slug"), name: text(form, "name") || undefined }, headers: COOKIE_SESSION })),
    onSuccess: (created) => {
      adopt(created.tokens);
      void client.invalidateQueries();
    },
  });
  return (
    <Page title="Organisations" intro="You may belong to several; the console works in one at a time.">
      {orgs.isPending && <Loading what="your organisations" />}
      <ProblemView error={orgs.error ?? switchTo.error} />
      {orgs.data?.length === 0 && <Empty>You are in no organisation yet: create one, or open an invite link.</Empty>}
      {orgs.data && orgs.data.length > 0 && (
        <table>
          <caption className="sr-only">Your organisations</caption>
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Your role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {orgs.data.map((o) => (
              <tr key={o.id}>
                <td>
                  {o.name} <span className="muted">({o.slug})</span>
                </td>
                <td>{o.role}</td>
                <td>{when(o.joined_at)}</td>
                <td>
                  {o.current ? (
                    <span className="badge ok">current</span>
                  ) : (
                    <button type="button" className="secondary" onClick={() => switchTo.mutate(o.slug)}>
                      Switch to {o.slug}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Create an organisation</h2>
      <form
        className="card"
        aria-label="Create an organisation"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="row">
          <Field label="Slug" name="slug" required placeholder="acme-labs" />
          <Field label="Name (optional)" name="name" />
        </div>
        <ProblemView error={create.error} />
        <button type="submit" disabled={create.isPending}>
          Create
        </button>
      </form>
    </Page>
  );
}

export function Audit() {
  const api = useApi();
  const [params, set] = useUrlFilters();
  const action = params.get("action") ?? "";
  const who = params.get("q") ?? "";
  const events = useQuery({ queryKey: ["audit"], queryFn: async () => ok(await api.GET("/v1/audit", { params: { query: { limit: 500 } } })).items });
  const actions = [...new Set((events.data ?? []).map((e) => e.action))].sort();
  const shown = (events.data ?? []).filter(
    (e) => (action === "" || e.action === action) && (who === "" || `${e.actor} ${e.object}`.toLowerCase().includes(who.toLowerCase())),
  );
  const verify = useMutation({ mutationFn: async () => ok(await api.GET("/v1/audit/verify")) });
  return (
    <Page title="Audit log" intro="Every change, in a hash chain: altering or removing an event breaks it.">
      <div className="actions">
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          Verify the chain
        </button>
        {verify.data && (
          <span role="status" className={verify.data.ok ? "success" : "problem"}>
            {verify.data.ok ? `The chain holds (${verify.data.events} events).` : "The chain is broken."}
          </span>
        )}
      </div>
      <fieldset className="filters">
        <legend>Filter</legend>
        <label>
          Action{" "}
          <select value={action} onChange={(e) => set("action", e.target.value)}>
            <option value="">every action</option>
            {actions.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Actor or object <input value={who} onChange={(e) => set("q", e.target.value)} placeholder="user:… or config:…" />
        </label>
        <span className="muted" role="status">
          {events.data ? `${shown.length} of ${events.data.length} events` : ""}
        </span>
      </fieldset>
      <ProblemView error={events.error ?? verify.error} />
      {events.isPending && <Loading what="the audit log" />}
      {events.data && shown.length === 0 && <Empty>No event matches.</Empty>}
      {events.data && shown.length > 0 && (
        <table>
          <caption className="sr-only">Audit events</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Object</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id}>
                <td>{e.seq}</td>
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>
                  <code>{e.object}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
