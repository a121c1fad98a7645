// The console's typed API client. `schema.d.ts` is generated from ../spec/openapi.json by
// `npm run gen:api` (scripts/openapi-client-check.sh does it in `make test`) and is not committed.
// The calls below are typed through the spec's operationIds and request/response schemas, so a
// spec whose operations are merged, renamed or retyped stops type-checking here.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type BindingView = Schemas["BindingView"];
export type NewBindingRequest = Schemas["NewBindingRequest"];
export type ConfigRevisionView = Schemas["ConfigRevisionView"];
export type ListBindingsQuery = NonNullable<operations["listBindings"]["parameters"]["query"]>;

export type ApiClient = ReturnType<typeof createApiClient>;

/** A client for one Versiqii server; `token` is an access token or an API key. */
export function createApiClient(baseUrl: string, token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
}

/** A problem+json answer (or a body-less failure) as an exception. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(response: Response, problem: Problem | undefined) {
    super(problem ? `${problem.code}: ${problem.detail}` : `HTTP ${response.status}`);
    this.name = "ApiError";
    this.status = response.status;
    this.problem = problem;
  }
}

function fail(response: Response, error: unknown): never {
  const problem =
    typeof error === "object" && error !== null && "code" in error ? (error as Problem) : undefined;
  throw new ApiError(response, problem);
}

/** GET /v1/bindings: the current binding of each target in each environment (or in one). */
export async function listBindings(
  client: ApiClient,
  query: ListBindingsQuery = {},
): Promise<BindingView[]> {
  const { data, error, response } = await client.GET("/v1/bindings", { params: { query } });
  if (data === undefined) fail(response, error);
  return data.items;
}

/** POST /v1/bindings: binds a config revision to its target in an environment. */
export async function createBinding(
  client: ApiClient,
  body: NewBindingRequest,
): Promise<BindingView> {
  const { data, error, response } = await client.POST("/v1/bindings", { body });
  if (data === undefined) fail(response, error);
  return data;
}

/** GET /v1/configs/{id}: one config revision. */
export async function getConfigRevision(
  client: ApiClient,
  id: string,
): Promise<ConfigRevisionView> {
  const { data, error, response } = await client.GET("/v1/configs/{id}", {
    params: { path: { id } },
  });
  if (data === undefined) fail(response, error);
  return data;
}
