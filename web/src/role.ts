// What the signed-in person's role lets them do, to show only the actions they may take. The
// server decides (Casbin, backend/server/rbac/policy.csv); this mirrors it so a viewer is not
// offered buttons that would only be refused.
import { useQuery } from "@tanstack/react-query";
import { ok } from "./api/client";
import { useSession } from "./session";

export type Ability =
  | "registry:write"
  | "members:write"
  | "api-keys:read"
  | "api-keys:write"
  | "audit:read"
  | "webhooks:read"
  | "billing:read"
  | "billing:write";

const RANK: Record<string, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };
const NEEDS: Record<Ability, number> = {
  "registry:write": 1,
  "members:write": 2,
  "api-keys:read": 2,
  "api-keys:write": 2,
  "audit:read": 2,
  "webhooks:read": 2,
  "billing:read": 3,
  "billing:write": 3,
};

export function allows(role: string | undefined, ability: Ability): boolean {
  return role !== undefined && (RANK[role] ?? -1) >= NEEDS[ability];
}

/** The session's organisation and role (`/v1/me`). */
export function useMe() {
  const { api, session } = useSession();
  return useQuery({
    queryKey: ["me", session?.tenantId],
    queryFn: async () => ok(await api.GET("/v1/me")),
    enabled: Boolean(session?.tenantId),
    staleTime: 60_000,
  });
}

/** Whether the signed-in person may do `ability` here (false while it is not known yet). */
export function useCan(ability: Ability): boolean {
  return allows(useMe().data?.role, ability);
}
