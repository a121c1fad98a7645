-- Invoices (issue 16): one per tenant and calendar month. A draft while the month's grace
-- period runs (recomputed from usage, SLA and credits as they settle), then finalized: numbered
-- without gaps, its PDF rendered, and immutable from then on but for recording its payment.

-- The last number given per year. Only the definer function below touches it, inside the
-- finalizing transaction: a rollback gives the number back, so numbers have no gaps.
create table invoice_numbers (
    year  int primary key,
    last  bigint not null check (last >= 0)
);

create table invoices (
    tenant_id             uuid not null references tenants(id),
    id                    uuid primary key,
    period                text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    status                text not null check (status in ('draft', 'final', 'paid')),
    number                text unique,
    plan                  text not null,
    currency              text not null check (currency ~ '^[A-Z]{3}$'),
    -- The month's usage priced (calls, deliveries, seats) and the priced lines, as JSON.
    usage                 jsonb not null,
    lines                 jsonb not null,
    subtotal_cents        bigint not null,
    availability_ppm      int,
    sla_target_ppm        int,
    sla_credit_percent    int not null,
    sla_credit_cents      bigint not null,
    credit_applied_cents  bigint not null check (credit_applied_cents >= 0),
    tax_rate_bp           int not null,
    tax_cents             bigint not null,
    total_cents           bigint not null check (total_cents >= 0),
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    finalized_at          timestamptz,
    pdf                   bytea,
    paid_at               timestamptz,
    payment_provider      text,
    payment_reference     text check (length(payment_reference) between 1 and 200),
    unique (tenant_id, period),
    check ((status = 'draft') = (number is null)),
    check (status = 'draft' or (finalized_at is not null and pdf is not null)),
    check ((status = 'paid') = (paid_at is not null))
);
create index invoices_tenant on invoices (tenant_id, period desc);

alter table invoices enable row level security;
alter table invoices force row level security;
create policy tenant_isolation on invoices
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update on invoices to versiqii_app;

-- A finalized invoice never changes, whoever asks, except to record its payment once (final →
-- paid, touching nothing else); no finalized invoice is ever deleted. Checked after the row is
-- written (and after row security has had its say), refusing the whole statement.
create function invoices_guard() returns trigger
    language plpgsql as $$
begin
    if old.status = 'draft' then
        return null;
    end if;
    if tg_op = 'UPDATE' and old.status = 'final' and new.status = 'paid'
       and (to_jsonb(new) - array['status', 'paid_at', 'payment_provider', 'payment_reference'])
         = (to_jsonb(old) - array['status', 'paid_at', 'payment_provider', 'payment_reference']) then
        return null;
    end if;
    raise exception 'invoice % is finalized and cannot change', old.number
        using errcode = 'insufficient_privilege';
end $$;
create trigger invoices_guard after update or delete on invoices
    for each row execute function invoices_guard();
create trigger invoices_no_truncate before truncate on invoices
    for each statement execute function refuse_append_only_change();

-- The next invoice number of `p_year`, in the caller's transaction.
create function invoice_next_number(p_year int) returns bigint
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    insert into invoice_numbers (year, last) values (p_year, 1)
    on conflict (year) do update set last = invoice_numbers.last + 1
    returning last $$;
revoke all on function invoice_next_number(int) from public;
grant execute on function invoice_next_number(int) to versiqii_app;

-- Every tenant that existed before `p_before` (the billing run goes through them one by one, each
-- in its own row-secured transaction).
create function billing_tenants(p_before timestamptz) returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id from tenants where created_at < p_before order by created_at, id $$;
revoke all on function billing_tenants(timestamptz) from public;
grant execute on function billing_tenants(timestamptz) to versiqii_app;

-- For the portal: a tenant's invoices (without their PDFs), and one invoice's PDF.
create function op_tenant_invoices(p_tenant uuid)
    returns table (id uuid, period text, status text, number text, plan text, currency text,
                   total_cents bigint, finalized_at timestamptz, paid_at timestamptz,
                   payment_reference text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id, period, status, number, plan, currency, total_cents, finalized_at, paid_at,
                 payment_reference
            from invoices where tenant_id = p_tenant order by period desc $$;
create function op_invoice_pdf(p_invoice uuid) returns table (number text, pdf bytea)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select number, pdf from invoices where id = p_invoice and pdf is not null $$;
revoke all on function op_tenant_invoices(uuid), op_invoice_pdf(uuid) from public;
grant execute on function op_tenant_invoices(uuid), op_invoice_pdf(uuid) to versiqii_operator;
