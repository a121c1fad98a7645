// A compatibility report as a person reads it: each break with its path and rule, and the schema
// that was refused with every place a break points at marked.
import type { ReactNode } from "react";

export interface Break {
  pointer: string;
  rule: string;
  message: string;
  against: string;
}

export interface Report {
  level: string;
  compatible: boolean;
  checked_against: string[];
  breaks: Break[];
}

export function isReport(value: unknown): value is Report {
  return typeof value === "object" && value !== null && Array.isArray((value as Report).breaks);
}

/** The instance path a schema location constrains (`properties/x` → `/x`, `items` → `/*`). */
function child(pointer: string, key: string, parentKey: string | null): string {
  if (parentKey === "properties") return `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return pointer;
}

function instanceOf(pointer: string, key: string): string {
  if (key === "items" || key === "additionalProperties") return `${pointer}/*`;
  return pointer;
}

function render(value: unknown, pointer: string, marked: Map<string, Break[]>, indent: number, parentKey: string | null): ReactNode {
  const pad = "  ".repeat(indent);
  if (Array.isArray(value)) {
    return (
      <>
        {"[\n"}
        {value.map((v, i) => (
          <span key={i}>
            {pad}  {render(v, pointer, marked, indent + 1, null)}
            {i < value.length - 1 ? ",\n" : "\n"}
          </span>
        ))}
        {pad}]
      </>
    );
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return (
      <>
        {"{\n"}
        {entries.map(([k, v], i) => {
          const at = parentKey === "properties" ? child(pointer, k, parentKey) : pointer;
          const inner = parentKey === "properties" ? at : instanceOf(pointer, k);
          const breaks = parentKey === "properties" ? marked.get(at) : undefined;
          const line = (
            <>
              {pad}  {JSON.stringify(k)}: {render(v, inner, marked, indent + 1, k)}
              {i < entries.length - 1 ? "," : ""}
            </>
          );
          return (
            <span key={k}>
              {breaks ? (
                <mark title={breaks.map((b) => b.message).join("\n")} data-pointer={at}>
                  {line}
                </mark>
              ) : (
                line
              )}
              {"\n"}
            </span>
          );
        })}
        {pad}
        {"}"}
      </>
    );
  }
  return JSON.stringify(value);
}

export function ReportView({ report, schema }: { report: Report; schema?: unknown }) {
  const marked = new Map<string, Break[]>();
  for (const b of report.breaks) marked.set(b.pointer, [...(marked.get(b.pointer) ?? []), b]);
  const root = marked.get("");
  return (
    <div className="report-view">
      <p>
        {report.compatible ? "Compatible" : `Not ${report.level} compatible`} with {report.checked_against.join(", ") || "no earlier version"}:{" "}
        {report.breaks.length} break(s).
      </p>
      <ul className="at-paths" aria-label="Breaks by path">
        {report.breaks.map((b, i) => (
          <li key={i}>
            <code>{b.pointer || "/"}</code> {b.message} <span className="muted">({b.rule}{b.against ? `, against ${b.against}` : ""})</span>
          </li>
        ))}
      </ul>
      {schema !== undefined && (
        <pre tabIndex={0} className={`schema-marked ${root ? "root-break" : ""}`} aria-label="The schema, breaks marked">
          {render(schema, "", marked, 0, null)}
        </pre>
      )}
    </div>
  );
}
