// The operator signed in to the portal: the session token (`vqop_…`) in memory and in this
// tab's sessionStorage (a reload keeps it, another tab or a closed browser does not), never in
// localStorage and never in a cookie, so the tenants' cookie session and the portal's never mix.
// Signing out ends it on the server and here; any 401 from the portal ends it here.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { createOpsClient, type OperatorSession, type OpsClient } from "../api/ops";

const KEY = "vq-operator-session";

interface OpsSessionState {
  session: OperatorSession | null;
  api: OpsClient;
  adopt: (session: OperatorSession) => void;
  signOut: () => Promise<void>;
  /** Why the last session ended without signing out (a 401), to say so on the sign-in page. */
  ended: boolean;
}

const Ctx = createContext<OpsSessionState | null>(null);

function stored(): OperatorSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as OperatorSession;
    return typeof s.token === "string" && Date.parse(s.expires_at) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

/** A client for the sign-in call: no token, and its 401 is only a wrong password or code. */
export const opsAnonymous = createOpsClient(window.location.origin);

export function OpsSessionProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [session, setSession] = useState<OperatorSession | null>(stored);
  const [ended, setEnded] = useState(false);
  const current = useRef<OperatorSession | null>(session);

  const set = useCallback(
    (next: OperatorSession | null) => {
      current.current = next;
      if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
      else {
        sessionStorage.removeItem(KEY);
        queries.removeQueries({ queryKey: ["ops"] });
      }
      setSession(next);
    },
    [queries],
  );

  const api = useMemo(
    () =>
      createOpsClient(
        window.location.origin,
        () => current.current?.token,
        () => {
          if (current.current) {
            setEnded(true);
            set(null);
          }
        },
      ),
    [set],
  );

  const adopt = useCallback(
    (s: OperatorSession) => {
      setEnded(false);
      set(s);
    },
    [set],
  );

  const signOut = useCallback(async () => {
    // The server ends the token; here it ends whatever the server said.
    await api.POST("/ops/v1/auth/logout").catch(() => undefined);
    setEnded(false);
    set(null);
  }, [api, set]);

  const value = useMemo(() => ({ session, api, adopt, signOut, ended }), [session, api, adopt, signOut, ended]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useOps(): OpsSessionState {
  const state = useContext(Ctx);
  if (!state) throw new Error("useOps outside OpsSessionProvider");
  return state;
}

/** Whether the signed-in operator may change tenants (admins), as the server decides. */
export function useOpsAdmin(): boolean {
  return useOps().session?.operator.role === "admin";
}
