// The operators' portal (`/operators`): for the people who run the service, not for tenants.
// Its own sign-in (password and TOTP code), session (./session.tsx), layout and navigation, over
// its own API (`/ops/v1`, spec/ops-openapi.json). Support operators read and look read-only;
// admins also change plans, grant credits, suspend and resume, record payments and run billing.
import { useState, type FormEvent } from "react";
import { Link, NavLink, Navigate, Outlet, useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, createApiClient, ok } from "../api/client";
import type { InvoiceSummaryView, OpsSchemas } from "../api/ops";
import { AuthCard } from "../pages/auth";
import { InvoiceStatus, SlaFacts, lastMonth, thisMonth } from "../pages/billing";
import { useTheme } from "../pages/shell";
import { Empty, Field, Loading, Page, PdfButton, ProblemView, money, text, useUrlFilters, when } from "../ui";
import { OpsSessionProvider, opsAnonymous, useOps, useOpsAdmin } from "./session";

type Impersonation = OpsSchemas["Impersonation"];

/** The plans a stock server has (plans are data: the server refuses a name it does not know). */
const PLANS = ["free", "team", "enterprise"];
const PAGE = 25;

export function OpsRoot() {
  return (
    <OpsSessionProvider>
      <Outlet />
    </OpsSessionProvider>
  );
}

export function OpsSignIn() {
  const { session, adopt, ended } = useOps();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next") ?? "/operators";
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (session) return <Navigate to={next.startsWith("/operators") ? next : "/operators"} replace />;
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const s = ok(
        await opsAnonymous.POST("/ops/v1/auth/login", {
          body: { email: text(form, "email"), password: text(form, "password"), code: text(form, "code") },
        }),
      );
      adopt(s);
      navigate(next.startsWith("/operators") ? next : "/operators", { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const refused = error instanceof ApiError && error.status === 401;
  return (
    <AuthCard title="Operators' sign-in" brand="Versiqii operators">
      {ended && (
        <p role="status" className="problem">
          Your session ended: sign in again.
        </p>
      )}
      <form onSubmit={(e) => void onSubmit(e)} aria-label="Operators' sign-in">
        <Field label="Email" name="email" type="email" required autoComplete="username" />
        <Field label="Password" name="password" type="password" required autoComplete="current-password" />
        <div className="field">
          <label htmlFor="ops-code">Code</label>
          <input
            id="ops-code"
            name="code"
            required
            inputMode="numeric"
            pattern="[0-9]{6}"
            maxLength={6}
            autoComplete="one-time-code"
            aria-describedby="ops-code-hint"
          />
          <small id="ops-code-hint" className="hint">
            The 6 digits your authenticator app shows now.
          </small>
        </div>
        {refused ? (
          <div className="problem" role="alert" data-code={error.code}>
            <p>
              <strong>Not signed in</strong>: the email, the password or the code is not right. A code works once: if you just used it,
              wait for the next one. <code className="code">{error.code}</code>
            </p>
          </div>
        ) : (
          <ProblemView error={error} />
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="hint">
        For the people who run Versiqii. Organisations sign in at <Link to="/signin">the console</Link>.
      </p>
    </AuthCard>
  );
}

const NAV: [string, string][] = [
  ["/operators", "Tenants"],
  ["/operators/billing", "Billing runs"],
  ["/operators/audit", "Audit chain"],
];

export function OpsShell() {
  const { session, api, signOut } = useOps();
  const location = useLocation();
  const navigate = useNavigate();
  const [theme, toggle] = useTheme();
  // Asks the server whether the kept token still holds: a 401 ends it (and comes back here).
  useQuery({ queryKey: ["ops", "me", session?.token], queryFn: async () => ok(await api.GET("/ops/v1/me")), enabled: Boolean(session), staleTime: 60_000 });
  if (!session) return <Navigate to={`/operators/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return (
    <div className="shell ops">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/operators" className="brand">
          Versiqii operators
        </Link>
        <span className="org" aria-label="Operator">
          {session.operator.email} · {session.operator.role}
        </span>
        <button type="button" className="secondary" onClick={toggle} aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}>
          {theme === "dark" ? "Light" : "Dark"} theme
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void signOut().then(() => navigate("/operators/signin"));
          }}
        >
          Sign out
        </button>
      </header>
      <nav aria-label="Operators" className="side">
        <ul>
          {NAV.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to} end={to === "/operators"}>
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

export function OpsTenants() {
  const { api } = useOps();
  const [params, setParams] = useSearchParams();
  const [, set] = useUrlFilters();
  const q = params.get("q") ?? "";
  const before = params.get("before") ?? "";
  const tenants = useQuery({
    queryKey: ["ops", "tenants", q, before],
    queryFn: async () =>
      ok(await api.GET("/ops/v1/tenants", { params: { query: { q: q || undefined, before: before || undefined, limit: PAGE } } })),
  });
  return (
    <Page title="Tenants" intro="Every organisation, newest first. Search matches slugs, names and members' emails.">
      <form
        role="search"
        aria-label="Search tenants"
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const next = new URLSearchParams();
          const typed = text(new FormData(e.currentTarget), "q");
          if (typed) next.set("q", typed);
          setParams(next);
        }}
      >
        <label>
          Search <input key={q} name="q" type="search" defaultValue={q} placeholder="slug, name or email" />
        </label>
        <button type="submit">Search</button>
        {q && (
          <button type="button" className="secondary" onClick={() => setParams(new URLSearchParams())}>
            Clear
          </button>
        )}
      </form>
      <ProblemView error={tenants.error} />
      {tenants.isPending && <Loading what="tenants" />}
      {tenants.data?.items.length === 0 && <Empty>{q ? `No tenant matches “${q}”.` : "No tenants yet."}</Empty>}
      {tenants.data && tenants.data.items.length > 0 && (
        <table>
          <caption className="sr-only">Tenants</caption>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Plan</th>
              <th scope="col">Members</th>
              <th scope="col">Owner</th>
              <th scope="col">Since</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {tenants.data.items.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/operators/tenants/${t.id}`}>{t.slug}</Link>
                  {t.name !== t.slug && <div className="hint">{t.name}</div>}
                </td>
                <td>{t.plan}</td>
                <td>{t.members}</td>
                <td>{t.owner_email ?? "–"}</td>
                <td>{when(t.created_at)}</td>
                <td>{t.suspended_at ? <span className="badge bad">suspended</span> : <span className="badge ok">active</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions pager">
        {before && (
          <button type="button" className="secondary" onClick={() => set("before", "")}>
            Newest
          </button>
        )}
        {tenants.data?.next_before && (
          <button type="button" className="secondary" onClick={() => set("before", tenants.data.next_before ?? "")}>
            Older tenants
          </button>
        )}
      </div>
    </Page>
  );
}

/** A form with a reason (the audit chains keep it), its problem and what it did. */
function ReasonForm({
  label,
  submit,
  danger,
  busy,
  error,
  done,
  onSubmit,
  children,
}: {
  label: string;
  submit: string;
  danger?: boolean;
  busy: boolean;
  error: unknown;
  done?: string | null;
  onSubmit: (form: FormData, element: HTMLFormElement) => void;
  children?: React.ReactNode;
}) {
  return (
    <form
      className="card"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(new FormData(e.currentTarget), e.currentTarget);
      }}
    >
      <h3>{label}</h3>
      <div className="row">
        {children}
        <Field label="Reason" name="reason" required hint="Kept in both audit chains." />
      </div>
      <ProblemView error={error} />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <button type="submit" className={danger ? "danger" : undefined} disabled={busy}>
        {submit}
      </button>
    </form>
  );
}

export function OpsTenant() {
  const { id = "" } = useParams();
  const { api } = useOps();
  const admin = useOpsAdmin();
  const client = useQueryClient();
  const [done, setDone] = useState<{ what: string; text: string } | null>(null);
  const detail = useQuery({
    queryKey: ["ops", "tenant", id],
    queryFn: async () => ok(await api.GET("/ops/v1/tenants/{id}", { params: { path: { id } } })),
  });
  const invoices = useQuery({
    queryKey: ["ops", "invoices", id],
    queryFn: async () => ok(await api.GET("/ops/v1/tenants/{id}/invoices", { params: { path: { id } } })).items,
  });
  const sla = useQuery({
    queryKey: ["ops", "sla", id],
    queryFn: async () => ok(await api.GET("/ops/v1/tenants/{id}/sla", { params: { path: { id } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ["ops"] });
  const succeeded = (what: string, message: string) => (_: unknown, vars: { element: HTMLFormElement }) => {
    vars.element.reset();
    setDone({ what, text: message });
    refresh();
  };
  const plan = useMutation({
    mutationFn: async ({ form }: { form: FormData; element: HTMLFormElement }) =>
      ok(await api.PUT("/ops/v1/tenants/{id}/plan", { params: { path: { id } }, body: { plan: text(form, "plan"), reason: text(form, "reason") } })),
    onSuccess: (t, vars) => succeeded("plan", `Moved to the ${t.plan} plan.`)(t, vars),
  });
  const credit = useMutation({
    mutationFn: async ({ form }: { form: FormData; element: HTMLFormElement }) =>
      ok(
        await api.POST("/ops/v1/tenants/{id}/credits", {
          params: { path: { id } },
          body: { amount_cents: Math.round(Number(text(form, "amount")) * 100), reason: text(form, "reason") },
        }),
      ),
    onSuccess: (c, vars) => succeeded("credit", `Granted a credit of ${(c.amount_cents / 100).toFixed(2)}.`)(c, vars),
  });
  const standing = useMutation({
    mutationFn: async ({ form, suspend }: { form: FormData; element: HTMLFormElement; suspend: boolean }) => {
      const options = { params: { path: { id } }, body: { reason: text(form, "reason") } };
      return ok(suspend ? await api.POST("/ops/v1/tenants/{id}/suspend", options) : await api.POST("/ops/v1/tenants/{id}/resume", options));
    },
    onSuccess: (t, vars) =>
      succeeded("standing", t.suspended_at ? "Suspended: its keys and sessions are refused." : "Resumed: its keys and sessions work again.")(t, vars),
  });
  const d = detail.data;
  const t = d?.tenant;
  const currency = invoices.data?.[0]?.currency;
  const amount = (cents: number) => (currency ? money(cents, currency) : (cents / 100).toFixed(2));
  return (
    <Page title={t ? `Tenant ${t.slug}` : "Tenant"}>
      <p>
        <Link to="/operators">All tenants</Link>
      </p>
      <ProblemView error={detail.error} />
      {detail.isPending && <Loading what="the tenant" />}
      {t && d && (
        <>
          {t.suspended_at && (
            <div className="problem" role="status">
              <p>
                <span className="badge bad">suspended</span> since {when(t.suspended_at)}: {t.suspended_reason ?? "no reason given"}
              </p>
            </div>
          )}
          <dl className="facts" aria-label="Summary">
            <dt>Name</dt>
            <dd>{t.name}</dd>
            <dt>Slug</dt>
            <dd>{t.slug}</dd>
            <dt>Id</dt>
            <dd>
              <code>{t.id}</code>
            </dd>
            <dt>Plan</dt>
            <dd>{t.plan}</dd>
            <dt>Since</dt>
            <dd>{when(t.created_at)}</dd>
            <dt>Members</dt>
            <dd>{t.members}</dd>
            <dt>Owner</dt>
            <dd>{t.owner_email ?? "–"}</dd>
            <dt>Status</dt>
            <dd>{t.suspended_at ? <span className="badge bad">suspended</span> : <span className="badge ok">active</span>}</dd>
          </dl>

          <section aria-labelledby="usage-heading">
            <h2 id="usage-heading">Usage this month</h2>
            {d.usage.length === 0 ? (
              <Empty>Nothing metered this month.</Empty>
            ) : (
              <table>
                <caption className="sr-only">Usage this month</caption>
                <thead>
                  <tr>
                    <th scope="col">What</th>
                    <th scope="col">This month</th>
                  </tr>
                </thead>
                <tbody>
                  {d.usage.map((u) => (
                    <tr key={u.kind}>
                      <td>
                        <code>{u.kind}</code>
                      </td>
                      <td>{u.value.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="sla-heading">
            <h2 id="sla-heading">SLA this month</h2>
            <ProblemView error={sla.error} />
            {sla.isPending && <Loading what="this month's SLA" />}
            {sla.data && <SlaFacts sla={sla.data} />}
          </section>

          <section aria-labelledby="credits-heading">
            <h2 id="credits-heading">Credits</h2>
            {d.credits.length === 0 ? (
              <Empty>No credits granted.</Empty>
            ) : (
              <table>
                <caption className="sr-only">Credits granted</caption>
                <thead>
                  <tr>
                    <th scope="col">Amount</th>
                    <th scope="col">Why</th>
                    <th scope="col">By</th>
                    <th scope="col">When</th>
                  </tr>
                </thead>
                <tbody>
                  {d.credits.map((c) => (
                    <tr key={c.id}>
                      <td>{amount(c.amount_cents)}</td>
                      <td>{c.reason}</td>
                      <td>{c.granted_by}</td>
                      <td>{when(c.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="invoices-heading">
            <h2 id="invoices-heading">Invoices</h2>
            <ProblemView error={invoices.error} />
            {invoices.isPending && <Loading what="invoices" />}
            {invoices.data?.length === 0 && <Empty>No invoices yet.</Empty>}
            {invoices.data && invoices.data.length > 0 && (
              <table>
                <caption className="sr-only">Invoices</caption>
                <thead>
                  <tr>
                    <th scope="col">Period</th>
                    <th scope="col">Number</th>
                    <th scope="col">Status</th>
                    <th scope="col">Total</th>
                    <th scope="col">Payment</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invoices.data.map((i) => (
                    <InvoiceRow key={i.id} tenant={id} invoice={i} admin={admin} />
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="actions-heading">
            <h2 id="actions-heading">Change the tenant</h2>
            {!admin && <p className="hint">Changing a tenant needs the admin role; you may look at it read-only below.</p>}
            {admin && (
              <div className="forms">
                <ReasonForm
                  label="Change plan"
                  submit="Change plan"
                  busy={plan.isPending}
                  error={plan.error}
                  done={done?.what === "plan" ? done.text : null}
                  onSubmit={(form, element) => plan.mutate({ form, element })}
                >
                  <div className="field">
                    <label htmlFor="ops-plan">New plan</label>
                    <input id="ops-plan" name="plan" required list="ops-plans" defaultValue="" placeholder={t.plan} />
                    <datalist id="ops-plans">
                      {PLANS.map((p) => (
                        <option key={p} value={p} />
                      ))}
                    </datalist>
                  </div>
                </ReasonForm>
                <ReasonForm
                  label="Grant a credit"
                  submit="Grant credit"
                  busy={credit.isPending}
                  error={credit.error}
                  done={done?.what === "credit" ? done.text : null}
                  onSubmit={(form, element) => credit.mutate({ form, element })}
                >
                  <div className="field">
                    <label htmlFor="ops-amount">Amount</label>
                    <input id="ops-amount" name="amount" type="number" min="0.01" step="0.01" required placeholder="10.00" aria-describedby="ops-amount-hint" />
                    <small id="ops-amount-hint" className="hint">
                      In the billing currency; taken off the next invoices.
                    </small>
                  </div>
                </ReasonForm>
                <ReasonForm
                  label={t.suspended_at ? "Resume" : "Suspend"}
                  submit={t.suspended_at ? "Resume tenant" : "Suspend tenant"}
                  danger={!t.suspended_at}
                  busy={standing.isPending}
                  error={standing.error}
                  done={done?.what === "standing" ? done.text : null}
                  onSubmit={(form, element) => standing.mutate({ form, element, suspend: !t.suspended_at })}
                />
              </div>
            )}
          </section>

          <ReadOnlyLook tenant={id} slug={t.slug} />
        </>
      )}
    </Page>
  );
}

function InvoiceRow({ tenant, invoice: i, admin }: { tenant: string; invoice: InvoiceSummaryView; admin: boolean }) {
  const { api } = useOps();
  const client = useQueryClient();
  const pay = useMutation({
    mutationFn: async (reference: string) =>
      ok(
        await api.POST("/ops/v1/tenants/{id}/invoices/{invoice}/payments", {
          params: { path: { id: tenant, invoice: i.id } },
          body: { reference },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["ops", "invoices", tenant] }),
  });
  const name = i.number ?? i.period;
  return (
    <tr>
      <td>
        {i.period} <span className="muted">({i.plan})</span>
      </td>
      <td>{i.number ?? <span className="muted">draft</span>}</td>
      <td>
        <InvoiceStatus status={i.status} paidAt={i.paid_at} />
      </td>
      <td>{money(i.total_cents, i.currency)}</td>
      <td>{i.paid_at ? `${when(i.paid_at)}: ${i.payment_reference ?? ""}` : "–"}</td>
      <td>
        <div className="actions">
          {i.status !== "draft" && (
            <PdfButton
              label={`Download the PDF of invoice ${name}`}
              filename={`${name}.pdf`}
              fetchPdf={async () => ok(await api.GET("/ops/v1/invoices/{id}/pdf", { params: { path: { id: i.id } }, parseAs: "blob" }))}
            />
          )}
          {admin && i.status === "final" && !i.paid_at && (
            <form
              className="inline"
              aria-label={`Record a payment of invoice ${name}`}
              onSubmit={(e) => {
                e.preventDefault();
                pay.mutate(text(new FormData(e.currentTarget), "reference"));
              }}
            >
              <label>
                Reference <input name="reference" required placeholder="bank transfer reference" />
              </label>
              <button type="submit" disabled={pay.isPending}>
                Record payment
              </button>
              <ProblemView error={pay.error} />
            </form>
          )}
        </div>
      </td>
    </tr>
  );
}

/** A read-only look: an impersonation token for the tenants' API, used for a few reads here. */
function ReadOnlyLook({ tenant, slug }: { tenant: string; slug: string }) {
  const { api } = useOps();
  const [look, setLook] = useState<Impersonation | null>(null);
  const start = useMutation({
    mutationFn: async ({ form }: { form: FormData; element: HTMLFormElement }) =>
      ok(await api.POST("/ops/v1/tenants/{id}/impersonate", { params: { path: { id: tenant } }, body: { reason: text(form, "reason") } })),
    onSuccess: (made, { element }) => {
      element.reset();
      setLook(made);
    },
  });
  return (
    <section aria-labelledby="look-heading">
      <h2 id="look-heading">Look read-only</h2>
      <p className="hint">
        A token that reads {slug}'s API as a viewer for a few minutes and is refused any change; the look and its reason go into the
        tenant's audit log too.
      </p>
      {!look && (
        <ReasonForm label="Start a read-only look" submit="Look read-only" busy={start.isPending} error={start.error} onSubmit={(form, element) => start.mutate({ form, element })} />
      )}
      {look && <LookView look={look} onEnd={() => setLook(null)} />}
    </section>
  );
}

function LookView({ look, onEnd }: { look: Impersonation; onEnd: () => void }) {
  const [tenantApi] = useState(() => createApiClient(window.location.origin, look.access_token));
  const key = ["look", look.access_token];
  const envs = useQuery({ queryKey: [...key, "envs"], queryFn: async () => ok(await tenantApi.GET("/v1/envs")).items });
  const usage = useQuery({ queryKey: [...key, "usage"], queryFn: async () => ok(await tenantApi.GET("/v1/usage")) });
  const families = useQuery({ queryKey: [...key, "families"], queryFn: async () => ok(await tenantApi.GET("/v1/families")).items });
  return (
    <div className="card look" role="region" aria-label={`Read-only look at ${look.tenant_slug}`}>
      <h3>
        {look.tenant_slug} <span className="badge warn">read-only</span>
      </h3>
      <p role="status">
        Reading as a viewer until <strong>{when(look.expires_at)}</strong>, through the tenants' API. Any change is refused.
      </p>
      <ProblemView error={envs.error ?? usage.error ?? families.error} />
      <div className="editor-grid">
        <div>
          <h4>Environments</h4>
          {envs.isPending && <Loading what="environments" />}
          {envs.data?.length === 0 && <Empty>None.</Empty>}
          {envs.data && envs.data.length > 0 && (
            <ul>
              {envs.data.map((e) => (
                <li key={e.name}>{e.name}</li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h4>Schema families</h4>
          {families.isPending && <Loading what="schema families" />}
          {families.data?.length === 0 && <Empty>None.</Empty>}
          {families.data && families.data.length > 0 && (
            <ul>
              {families.data.map((f) => (
                <li key={f.name}>{f.name}</li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h4>Quotas ({usage.data?.plan ?? "…"} plan)</h4>
          {usage.isPending && <Loading what="usage" />}
          {usage.data && (
            <ul>
              {usage.data.quotas.map((q) => (
                <li key={q.quota}>
                  {q.quota}: {q.used.toLocaleString()} of {q.limit === null || q.limit === undefined ? "unlimited" : q.limit.toLocaleString()}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <button type="button" className="secondary" onClick={onEnd}>
        End the look
      </button>
    </div>
  );
}

export function OpsBilling() {
  const { api } = useOps();
  const admin = useOpsAdmin();
  const client = useQueryClient();
  const run = useMutation({
    mutationFn: async (form: FormData) =>
      ok(await api.POST("/ops/v1/billing/run", { body: { period: text(form, "period"), finalize: form.get("finalize") === "on" } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["ops", "invoices"] }),
  });
  return (
    <Page
      title="Billing runs"
      intro="Each instance drafts last month's invoices on its own and finalizes them once the grace days have passed; run a month now here."
    >
      {!admin && <p className="hint">Running billing needs the admin role.</p>}
      {admin && (
        <form
          className="card"
          aria-label="Run billing"
          onSubmit={(e) => {
            e.preventDefault();
            run.mutate(new FormData(e.currentTarget));
          }}
        >
          <div className="row">
            <Field label="Period" name="period" type="month" required defaultValue={lastMonth()} hint={`A month up to ${thisMonth()}.`} />
            <label className="check">
              <input type="checkbox" name="finalize" /> Finalize: numbers and PDFs, final (the month must have ended)
            </label>
          </div>
          <ProblemView error={run.error} />
          <button type="submit" disabled={run.isPending}>
            {run.isPending ? "Running…" : "Run billing"}
          </button>
        </form>
      )}
      {run.data && (
        <section aria-label="Run summary" className="card" aria-live="polite">
          <h2>Invoices for {run.data.period}</h2>
          <dl className="facts">
            <dt>Drafted</dt>
            <dd>{run.data.drafted}</dd>
            <dt>Finalized</dt>
            <dd>{run.data.finalized}</dd>
            <dt>Already final</dt>
            <dd>{run.data.unchanged}</dd>
            <dt>Nothing due</dt>
            <dd>{run.data.skipped}</dd>
            <dt>Failed</dt>
            <dd>{run.data.failed > 0 ? <span className="badge bad">{run.data.failed} failed: see the server's log</span> : 0}</dd>
          </dl>
        </section>
      )}
    </Page>
  );
}

export function OpsAudit() {
  const { api } = useOps();
  const [params, set] = useUrlFilters();
  const before = params.get("before") ?? "";
  const entries = useQuery({
    queryKey: ["ops", "audit", before],
    queryFn: async () => ok(await api.GET("/ops/v1/audit", { params: { query: { before: before ? Number(before) : undefined, limit: 100 } } })),
  });
  const verify = useMutation({ mutationFn: async () => ok(await api.GET("/ops/v1/audit/verify")) });
  const older = entries.data?.next_before;
  return (
    <Page title="Audit chain" intro="Every operator's sign-in and action, hash-chained: altering or removing an entry breaks it.">
      <div className="actions">
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          Verify chain
        </button>
        {verify.data && (
          <span role="status" className={verify.data.first_broken == null ? "success" : "problem"}>
            {verify.data.first_broken == null
              ? `The chain holds (${verify.data.events} entries recomputed).`
              : `The chain breaks at #${verify.data.first_broken}: ${verify.data.reason ?? ""}`}
          </span>
        )}
      </div>
      <ProblemView error={entries.error ?? verify.error} />
      {entries.isPending && <Loading what="the audit chain" />}
      {entries.data?.items.length === 0 && <Empty>No entries.</Empty>}
      {entries.data && entries.data.items.length > 0 && (
        <table>
          <caption className="sr-only">Operators' audit entries</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Object</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.data.items.map((e) => (
              <tr key={e.id}>
                <td>{e.seq}</td>
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>
                  {e.tenant_id ? <Link to={`/operators/tenants/${e.tenant_id}`}>{e.object}</Link> : <code>{e.object}</code>}
                </td>
                <td className="detail">{e.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions pager">
        {before && (
          <button type="button" className="secondary" onClick={() => set("before", "")}>
            Newest
          </button>
        )}
        {older != null && (
          <button type="button" className="secondary" onClick={() => set("before", String(older))}>
            Older entries
          </button>
        )}
      </div>
    </Page>
  );
}
