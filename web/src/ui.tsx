// The console's small set of parts: pages, forms, and problems shown in words with their code.
import { useId, useState, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { ApiError } from "./api/client";

export function Page({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {intro && <p className="intro">{intro}</p>}
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** An error as a person reads it: the server's sentence, its code, and every path it names. */
export function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    const text = error instanceof Error ? error.message : String(error);
    return (
      <div className="problem" role="alert">
        <p>{text}</p>
      </div>
    );
  }
  const p = error.problem;
  return (
    <div className="problem" role="alert" data-code={p?.code}>
      <p>
        <strong>{p?.title ?? "Request failed"}</strong>: {error.message}
        {p?.code && (
          <>
            {" "}
            <code className="code">{p.code}</code>
          </>
        )}
      </p>
      {p?.errors && p.errors.length > 0 && (
        <ul className="at-paths" aria-label="Problems by field">
          {p.errors.map((e) => (
            <li key={e.pointer + e.message}>
              <code>{e.pointer || "/"}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
      {p?.violations && p.violations.length > 0 && (
        <ul className="at-paths" aria-label="Violations by path">
          {p.violations.map((v) => (
            <li key={v.pointer + v.keyword + v.message}>
              <code>{v.pointer || "/"}</code> {v.message} <span className="muted">({v.keyword})</span>
            </li>
          ))}
        </ul>
      )}
      {p?.report !== undefined && p.report !== null && (
        <details open>
          <summary>Compatibility report</summary>
          <pre tabIndex={0} className="report">{JSON.stringify(p.report, null, 2)}</pre>
        </details>
      )}
      {p?.plan !== undefined && p.plan !== null && (
        <details open>
          <summary>Plan</summary>
          <pre tabIndex={0} className="report">{JSON.stringify(p.plan, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}

interface FieldProps {
  label: string;
  name: string;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  defaultValue?: string;
  hint?: string;
}

export function Field({ label, name, type = "text", hint, ...rest }: FieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} type={type} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function TextArea({ label, name, rows = 10, hint, ...rest }: FieldProps & { rows?: number }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} name={name} rows={rows} spellCheck={false} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** A choice among options: plain values, or values shown by a label (an id by its email). */
export function Select({
  label,
  name,
  options,
  required,
}: {
  label: string;
  name: string;
  options: (string | { value: string; label: string })[];
  required?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} required={required}>
        {options.map((o) => {
          const { value, label: shown } = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={value} value={value}>
              {shown}
            </option>
          );
        })}
      </select>
    </div>
  );
}

/** The text of a form field (empty when absent). */
export function text(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v.trim() : "";
}

/** A form field's text, or `undefined` when left empty. */
export function optional(form: FormData, name: string): string | undefined {
  const v = text(form, name);
  return v === "" ? undefined : v;
}

export function when(at: string): string {
  return new Date(at).toLocaleString();
}

/**
 * A view's filters kept in its URL (shareable, and the back button restores them): the current
 * parameters, and a setter that drops a parameter set to "" and replaces the history entry.
 */
export function useUrlFilters(): [URLSearchParams, (key: string, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === "") next.delete(key);
    else next.set(key, value);
    // Synchronously: the filters are controlled inputs, and a URL update left to a transition
    // lets React put the old value back first (a checkbox clicked under load stayed checked).
    setParams(next, { replace: true, flushSync: true });
  };
  return [params, set];
}

/** An amount in minor units as the reader's locale writes it in its currency (`€49.00`). */
export function money(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${currency} ${(cents / 100).toFixed(2)}`;
  }
}

/** Parts per million as a percentage (999500 → `99.95%`). */
export function ppm(value: number): string {
  return `${Number((value / 10_000).toFixed(4))}%`;
}

/** Hands a file the page fetched (with its bearer token) to the browser as a download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/**
 * A button that downloads a PDF the API serves behind the bearer token (a plain link would
 * carry no token: the console keeps it in memory, not in a cookie).
 */
export function PdfButton({ label, filename, fetchPdf }: { label: string; filename: string; fetchPdf: () => Promise<Blob> }) {
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  return (
    <>
      <button
        type="button"
        className="secondary"
        aria-label={label}
        disabled={state.busy}
        onClick={() => {
          setState({ busy: true, error: null });
          fetchPdf()
            .then((blob) => {
              saveBlob(blob, filename);
              setState({ busy: false, error: null });
            })
            .catch((error: unknown) => setState({ busy: false, error }));
        }}
      >
        PDF
      </button>
      <ProblemView error={state.error} />
    </>
  );
}
