// The console's typed API client. `schema.d.ts` is generated from ../spec/openapi.json by
// `npm run gen:api` (scripts/openapi-client-check.sh does it in `make test`) and is not committed.
// Every call is typed through the spec's paths and schemas, so a spec whose operations are
// renamed or retyped stops type-checking here, and the console with it.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type TokenPair = Schemas["TokenPair"];
export type BindingView = Schemas["BindingView"];
export type NewBindingRequest = Schemas["NewBindingRequest"];
export type ConfigRevisionView = Schemas["ConfigRevisionView"];
export type ListBindingsQuery = NonNullable<operations["listBindings"]["parameters"]["query"]>;

export type ApiClient = ReturnType<typeof createApiClient>;

/** Asks the server for the refresh token as an HttpOnly cookie: the page never holds it. */
export const COOKIE_SESSION = { "X-Versiqii-Session": "cookie" } as const;

/**
 * A client for one Versiqii server. `token` gives the access token (or API key) for each
 * request: the console keeps it in memory only and renews it before it expires.
 */
export function createApiClient(baseUrl: string, token?: string | (() => Promise<string | undefined>)) {
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    async onRequest({ request }) {
      const value = typeof token === "function" ? await token() : token;
      if (value !== undefined && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${value}`);
      }
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** A problem+json answer (or a body-less failure) as an exception. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(response: Response, problem: Problem | undefined) {
    super(problem ? problem.detail : `The server answered HTTP ${response.status}`);
    this.name = "ApiError";
    this.status = response.status;
    this.problem = problem;
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

function fail(response: Response, error: unknown): never {
  const problem =
    typeof error === "object" && error !== null && "code" in error ? (error as Problem) : undefined;
  throw new ApiError(response, problem);
}

/** The data of an openapi-fetch answer, or its problem thrown as an [`ApiError`]. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    // No body: 204, or a 202 that only says the work is queued.
    if (result.response.ok && (result.response.status === 204 || result.response.status === 202)) return undefined as T;
    fail(result.response, result.error);
  }
  return result.data;
}

/** GET /v1/bindings: the current binding of each target in each environment (or in one). */
export async function listBindings(
  client: ApiClient,
  query: ListBindingsQuery = {},
): Promise<BindingView[]> {
  return ok(await client.GET("/v1/bindings", { params: { query } })).items;
}

/** POST /v1/bindings: binds a config revision to its target in an environment. */
export async function createBinding(
  client: ApiClient,
  body: NewBindingRequest,
): Promise<BindingView> {
  return ok(await client.POST("/v1/bindings", { body }));
}

/** GET /v1/configs/{id}: one config revision. */
export async function getConfigRevision(
  client: ApiClient,
  id: string,
): Promise<ConfigRevisionView> {
  return ok(await client.GET("/v1/configs/{id}", { params: { path: { id } } }));
}
