// Usage & billing: the plan's quotas as they stand, a month's metered totals, the month's SLA,
// the plans on offer and (owners) a move to another self-serve plan, and (owners) the invoices
// with their PDFs. Every member reads usage; invoices and plan changes are the owners'.
import { useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok, type Schemas } from "../api/client";
import { useCan } from "../role";
import { useApi } from "../session";
import { Empty, Loading, Page, PdfButton, ProblemView, money, ppm, useUrlFilters, when } from "../ui";

type QuotaView = Schemas["QuotaView"];
type SlaView = Schemas["SlaView"];
type PlanView = Schemas["PlanView"];
type InvoiceView = Schemas["InvoiceView"];

const QUOTAS: Record<string, string> = {
  configs: "Configs",
  targets: "Targets",
  seats: "Seats (members and open invites)",
  calls_month: "API calls this month",
};

const KINDS: Record<string, string> = {
  api_reads: "API reads",
  api_writes: "API writes",
  api_validations: "Validations",
  api_migrations: "Migrations run",
  configs: "Configs",
  config_bytes: "Config bytes",
  targets_active: "Targets deployed",
  bindings: "Bindings",
  seats: "Seats",
  deliveries: "Webhook deliveries",
  webhook_deliveries: "Webhook deliveries",
};

const count = (n: number) => n.toLocaleString();

/** This month (UTC), as `2026-11`. */
export function thisMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

/** The month before this one (UTC), as `2026-10`. */
export function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

function QuotaBar({ quota }: { quota: QuotaView }) {
  const id = useId();
  const label = QUOTAS[quota.quota] ?? quota.quota;
  const limit = quota.limit ?? null;
  const percent = quota.percent ?? 0;
  const figure = limit === null ? `${count(quota.used)} used · unlimited` : `${count(quota.used)} of ${count(limit)} (${percent}%)`;
  return (
    <li className="quota">
      <div className="quota-head">
        <span id={id}>{label}</span>
        <span className="muted">{figure}</span>
      </div>
      {limit !== null ? (
        <progress
          aria-labelledby={id}
          aria-valuetext={figure}
          max={Math.max(limit, 1)}
          value={Math.min(quota.used, limit)}
          className={percent >= 100 ? "full" : percent >= 80 ? "high" : undefined}
        >
          {percent}%
        </progress>
      ) : (
        <div className="unlimited" aria-hidden="true" />
      )}
    </li>
  );
}

/** A month's availability against the plan's target, in words. */
export function SlaFacts({ sla }: { sla: SlaView }) {
  const target = sla.target_ppm ?? null;
  return (
    <dl className="facts" aria-label={`SLA for ${sla.month}`}>
      <dt>Availability</dt>
      <dd>
        <strong>{sla.availability}</strong>
        {sla.met === true && <span className="badge ok">met</span>}
        {sla.met === false && <span className="badge bad">not met</span>}
      </dd>
      <dt>Target</dt>
      <dd>{target === null ? "none on this plan" : ppm(target)}</dd>
      <dt>Down minutes</dt>
      <dd>
        {count(sla.down_minutes)} of {count(sla.minutes)} minutes so far
      </dd>
      <dt>p99 latency</dt>
      <dd>{sla.p99_ms === null || sla.p99_ms === undefined ? "no requests measured yet" : `${sla.p99_ms.toFixed(1)} ms`}</dd>
      <dt>Requests</dt>
      <dd>
        {count(sla.requests)} ({count(sla.errors_5xx)} answered 5xx)
      </dd>
      {sla.down.length > 0 && (
        <>
          <dt>Down at</dt>
          <dd>
            {sla.down.slice(0, 10).map(when).join(", ")}
            {sla.down.length > 10 ? ` and ${sla.down.length - 10} more` : ""}
          </dd>
        </>
      )}
    </dl>
  );
}

function planIncludes(p: PlanView): string {
  const parts = [`${count(p.included_calls)} calls`, `${count(p.included_deliveries)} deliveries`, `${count(p.included_seats)} seats`];
  return parts.join(", ");
}

function planQuotas(p: PlanView): string {
  const q = (v: number | null | undefined, what: string) => (v === null || v === undefined ? null : `${count(v)} ${what}`);
  const parts = [q(p.quota_configs, "configs"), q(p.quota_targets, "targets"), q(p.quota_seats, "seats"), q(p.quota_calls_month, "calls/month")].filter(
    (x): x is string => x !== null,
  );
  return parts.length === 0 ? "unlimited" : parts.join(", ");
}

export function Billing() {
  const api = useApi();
  const owner = useCan("billing:read");
  const [params, set] = useUrlFilters();
  const now = thisMonth();
  const month = params.get("month") ?? now;
  const usage = useQuery({ queryKey: ["usage", now], queryFn: async () => ok(await api.GET("/v1/usage")) });
  const picked = useQuery({
    queryKey: ["usage", month],
    queryFn: async () => ok(await api.GET("/v1/usage", { params: { query: { month } } })),
  });
  const sla = useQuery({ queryKey: ["sla", now], queryFn: async () => ok(await api.GET("/v1/sla")) });
  return (
    <Page title="Usage & billing" intro="Your plan's quotas as they stand, what the organisation used, its availability this month, and its invoices.">
      <ProblemView error={usage.error} />
      <section aria-labelledby="quotas-heading">
        <h2 id="quotas-heading">Quotas{usage.data && <span className="badge">{usage.data.plan} plan</span>}</h2>
        {usage.isPending && <Loading what="your quotas" />}
        {usage.data && (
          <ul className="quotas" aria-label="Quotas">
            {usage.data.quotas.map((q) => (
              <QuotaBar key={q.quota} quota={q} />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">Usage in {month}</h2>
        <div className="filters">
          <label>
            Month{" "}
            <input type="month" value={month} max={now} required onChange={(e) => set("month", e.target.value === now ? "" : e.target.value)} />
          </label>
          {month !== now && (
            <button type="button" className="secondary" onClick={() => set("month", "")}>
              This month
            </button>
          )}
        </div>
        <ProblemView error={picked.error} />
        {picked.isPending && <Loading what={`the usage of ${month}`} />}
        {picked.data && picked.data.totals.every((t) => t.value === 0) && <Empty>Nothing metered in {month}.</Empty>}
        {month === now && <p className="hint">Counted as requests are admitted, and stored every few seconds.</p>}
        {picked.data && picked.data.totals.length > 0 && (
          <table>
            <caption className="sr-only">Usage totals in {month}</caption>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Total</th>
                <th scope="col">Counted as</th>
              </tr>
            </thead>
            <tbody>
              {picked.data.totals.map((t) => (
                <tr key={t.kind}>
                  <td>
                    {KINDS[t.kind] ?? t.kind} <code className="muted">{t.kind}</code>
                  </td>
                  <td>{count(t.value)}</td>
                  <td>{t.aggregate === "peak" ? "the month's peak" : "the month's sum"}</td>
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

      <Plans />
      {owner && <Invoices />}
    </Page>
  );
}

function Plans() {
  const api = useApi();
  const client = useQueryClient();
  const owner = useCan("billing:write");
  const plans = useQuery({ queryKey: ["plans"], queryFn: async () => ok(await api.GET("/v1/plans")) });
  const [chosen, setChosen] = useState("");
  const [confirming, setConfirming] = useState<string | null>(null);
  const [moved, setMoved] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: async (plan: string) => ok(await api.PUT("/v1/plan", { body: { plan } })),
    onSuccess: (list) => {
      setConfirming(null);
      setChosen("");
      setMoved(list.current);
      client.setQueryData(["plans"], list);
      void client.invalidateQueries({ queryKey: ["usage"] });
      void client.invalidateQueries({ queryKey: ["sla"] });
    },
  });
  const current = plans.data?.current;
  const others = (plans.data?.items ?? []).filter((p) => p.self_serve && p.name !== current);
  const target = plans.data?.items.find((p) => p.name === confirming);
  return (
    <section aria-labelledby="plans-heading">
      <h2 id="plans-heading">Plans</h2>
      <ProblemView error={plans.error} />
      {plans.isPending && <Loading what="the plans" />}
      {plans.data && (
        <table>
          <caption className="sr-only">Plans on offer</caption>
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">A month</th>
              <th scope="col">Includes</th>
              <th scope="col">Quotas</th>
              <th scope="col">SLA</th>
            </tr>
          </thead>
          <tbody>
            {plans.data.items.map((p) => (
              <tr key={p.name} aria-current={p.name === current ? "true" : undefined}>
                <th scope="row">
                  {p.name}
                  {p.name === current && <span className="badge ok">current</span>}
                  {!p.self_serve && <div className="hint">set up with us</div>}
                </th>
                <td>{money(p.price_cents, p.currency)}</td>
                <td>
                  {planIncludes(p)}
                  {p.seat_cents > 0 && <div className="hint">then {money(p.seat_cents, p.currency)} a seat</div>}
                </td>
                <td>{planQuotas(p)}</td>
                <td>{p.sla_target_ppm ? ppm(p.sla_target_ppm) : "none"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {moved && (
        <p role="status" className="success">
          You are on the {moved} plan now.
        </p>
      )}
      {plans.data && !owner && <p className="hint">Only the organisation's owners change its plan.</p>}
      {plans.data && owner && others.length === 0 && <p className="hint">Other plans are set up with us: write to sales.</p>}
      {plans.data && owner && others.length > 0 && confirming === null && (
        <form
          className="card"
          aria-label="Change plan"
          onSubmit={(e) => {
            e.preventDefault();
            if (chosen) {
              setMoved(null);
              change.reset();
              setConfirming(chosen);
            }
          }}
        >
          <div className="row">
            <div className="field">
              <label htmlFor="plan-choice">New plan</label>
              <select id="plan-choice" value={chosen} required onChange={(e) => setChosen(e.target.value)}>
                <option value="">choose a plan…</option>
                {others.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name} ({money(p.price_cents, p.currency)} a month)
                  </option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit" disabled={!chosen}>
            Change plan…
          </button>
        </form>
      )}
      {confirming !== null && (
        <div className="card confirm" role="group" aria-labelledby="confirm-plan">
          <p id="confirm-plan">
            Move from the <strong>{current}</strong> plan to the <strong>{confirming}</strong> plan
            {target ? ` (${money(target.price_cents, target.currency)} a month)` : ""}? Its quotas, request rate and prices apply from now on; a
            month's invoice is priced on the plan you have when it is drafted.
          </p>
          <ProblemView error={change.error} />
          <div className="actions">
            <button type="button" autoFocus disabled={change.isPending} onClick={() => change.mutate(confirming)}>
              Move to {confirming}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

/** Availability and the SLA credit it earned, in words. */
function invoiceSla(i: InvoiceView): string {
  if (i.availability_ppm === null || i.availability_ppm === undefined) return "–";
  const of = i.sla_target_ppm ? ` of ${ppm(i.sla_target_ppm)}` : "";
  const credit = i.sla_credit_percent > 0 ? ` · SLA credit ${i.sla_credit_percent}% (−${money(i.sla_credit_cents, i.currency)})` : "";
  return `${ppm(i.availability_ppm)}${of}${credit}`;
}

function Invoices() {
  const api = useApi();
  const invoices = useQuery({ queryKey: ["invoices"], queryFn: async () => ok(await api.GET("/v1/invoices")) });
  const currency = invoices.data?.items[0]?.currency ?? "EUR";
  return (
    <section aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      <ProblemView error={invoices.error} />
      {invoices.isPending && <Loading what="your invoices" />}
      {invoices.data && invoices.data.credit_balance_cents > 0 && (
        <p>
          Credit left for your next invoices: <strong>{money(invoices.data.credit_balance_cents, currency)}</strong>
        </p>
      )}
      {invoices.data?.items.length === 0 && <Empty>No invoices yet: the first comes after a month with something due.</Empty>}
      {invoices.data && invoices.data.items.length > 0 && (
        <table>
          <caption className="sr-only">Invoices</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Number</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
              <th scope="col">Availability</th>
              <th scope="col">Credits</th>
              <th scope="col">
                <span className="sr-only">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invoices.data.items.map((i) => (
              <tr key={i.id}>
                <td>
                  {i.period} <span className="muted">({i.plan})</span>
                </td>
                <td>{i.number ?? <span className="muted">not yet</span>}</td>
                <td>
                  <InvoiceStatus status={i.status} paidAt={i.paid_at} />
                </td>
                <td>
                  <strong>{money(i.total_cents, i.currency)}</strong>
                  {i.tax_cents > 0 && <div className="hint">incl. {money(i.tax_cents, i.currency)} tax</div>}
                </td>
                <td>{invoiceSla(i)}</td>
                <td>{i.credit_applied_cents > 0 ? `−${money(i.credit_applied_cents, i.currency)}` : "–"}</td>
                <td>
                  {i.pdf_url ? (
                    <PdfButton
                      label={`Download the PDF of invoice ${i.number ?? i.period}`}
                      filename={`${i.number ?? i.period}.pdf`}
                      fetchPdf={async () => ok(await api.GET("/v1/invoices/{id}/pdf", { params: { path: { id: i.id } }, parseAs: "blob" }))}
                    />
                  ) : (
                    <span className="hint">PDF when final</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function InvoiceStatus({ status, paidAt }: { status: string; paidAt?: string | null }) {
  if (paidAt) return <span className="badge ok" title={`paid ${when(paidAt)}`}>paid</span>;
  return <span className={status === "draft" ? "badge" : "badge warn"}>{status}</span>;
}
