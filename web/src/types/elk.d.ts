// The part of elkjs the console uses. Its own declarations do not type-check under
// `skipLibCheck: false` (which stays off so the generated API types are checked), so tsconfig's
// `paths` points the import here; Vite still bundles the real module.
export interface ElkNode {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  children?: ElkNode[];
  edges?: { id: string; sources: string[]; targets: string[] }[];
  layoutOptions?: Record<string, string>;
}

export default class ELK {
  layout(graph: ElkNode): Promise<ElkNode>;
}
