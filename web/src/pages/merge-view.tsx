// Two texts side by side with their differences marked (CodeMirror's merge view), read-only.
// Loaded on demand: the editor is only needed where a diff is shown.
import { useEffect, useRef } from "react";
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { json } from "@codemirror/lang-json";

export default function SideBySide({ before, after, labels }: { before: string; after: string; labels: [string, string] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false), json(), EditorView.lineWrapping];
    const view = new MergeView({
      a: { doc: before, extensions: [...readOnly, EditorView.contentAttributes.of({ "aria-label": labels[0] })] },
      b: { doc: after, extensions: [...readOnly, EditorView.contentAttributes.of({ "aria-label": labels[1] })] },
      parent: host.current,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => view.destroy();
  }, [before, after, labels]);
  return <div className="merge" ref={host} />;
}
