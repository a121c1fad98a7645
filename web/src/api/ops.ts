// The operators' portal's typed client. `ops-schema.d.ts` is generated from
// ../spec/ops-openapi.json by `npm run gen:api` (next to the tenants' `schema.d.ts`, and like it
// not committed), so a change to the portal's API that breaks its pages stops type-checking.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./ops-schema";

export type OpsSchemas = components["schemas"];
export type OperatorSession = OpsSchemas["OperatorSession"];
export type OperatorView = OpsSchemas["OperatorView"];
export type TenantSummaryView = OpsSchemas["TenantSummaryView"];
export type InvoiceSummaryView = OpsSchemas["InvoiceSummaryView"];
export type OpsClient = ReturnType<typeof createOpsClient>;

/**
 * A client for `/ops/v1`. `token` gives the operator's session token (`vqop_…`) for each
 * request; `onUnauthorized` is told of any 401, which means the session ended or was never
 * valid (the sign-in call itself goes through a client without it).
 */
export function createOpsClient(baseUrl: string, token?: () => string | undefined, onUnauthorized?: () => void) {
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    onRequest({ request }) {
      const value = token?.();
      if (value !== undefined) request.headers.set("Authorization", `Bearer ${value}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized?.();
      return response;
    },
  };
  client.use(auth);
  return client;
}
