// The signed-in person, as the console holds it: the access token in memory (never in storage),
// the refresh token in an HttpOnly cookie the page cannot read. A reload signs back in through
// the cookie (with the CSRF token the server set in a readable cookie).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { ReactNode } from "react";
import { ApiError, COOKIE_SESSION, createApiClient, ok, type ApiClient, type TokenPair } from "./api/client";

export interface Session {
  access: string;
  /** Milliseconds since the epoch, with a margin. */
  renewAt: number;
  tenantId: string | null;
  userId: string;
}

interface SessionState {
  /** `undefined` while the console asks the cookie whether someone is signed in. */
  session: Session | null | undefined;
  api: ApiClient;
  /** Adopts a token pair the server answered (sign-in, sign-up, switch, invites). */
  adopt: (tokens: TokenPair) => void;
  signOut: () => Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

function csrfToken(): string {
  const found = document.cookie.split("; ").find((c) => c.startsWith("vq_csrf="));
  return found ? decodeURIComponent(found.slice("vq_csrf=".length)) : "";
}

function fromPair(tokens: TokenPair): Session {
  return {
    access: tokens.access_token,
    renewAt: Date.now() + Math.max(10, tokens.expires_in - 60) * 1000,
    tenantId: tokens.tenant_id ?? null,
    userId: tokens.user_id,
  };
}

/** A client with no credentials, for the routes before sign-in. */
export const anonymous = createApiClient(window.location.origin);

/**
 * Renews the session through the cookie, one tab at a time: the refresh token rotates on every
 * use, and a token presented twice (two tabs at once) would end every session as a leak.
 */
async function renewFromCookie(): Promise<Session | null> {
  if (typeof navigator !== "undefined" && "locks" in navigator) {
    return navigator.locks.request("versiqii-session-refresh", renewNow);
  }
  return renewNow();
}

async function renewNow(): Promise<Session | null> {
  if (csrfToken() === "") return null;
  const result = await anonymous.POST("/v1/auth/cookie/refresh", {
    params: { header: { "X-CSRF-Token": csrfToken() } },
  });
  if (result.data === undefined) return null;
  return fromPair(result.data);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const current = useRef<Session | null | undefined>(undefined);
  const renewing = useRef<Promise<Session | null> | null>(null);

  const set = useCallback((next: Session | null) => {
    current.current = next;
    setSession(next);
  }, []);

  useEffect(() => {
    let live = true;
    renewFromCookie()
      .catch(() => null)
      .then((s) => live && set(s));
    return () => {
      live = false;
    };
  }, [set]);

  // The access token for the next request, renewed through the cookie shortly before it expires
  // (once, however many requests wait for it).
  const token = useCallback(async (): Promise<string | undefined> => {
    const s = current.current;
    if (!s) return undefined;
    if (Date.now() < s.renewAt) return s.access;
    renewing.current ??= renewFromCookie().finally(() => {
      renewing.current = null;
    });
    const next = await renewing.current;
    set(next);
    return next?.access;
  }, [set]);

  const api = useMemo(() => createApiClient(window.location.origin, token), [token]);

  const adopt = useCallback((tokens: TokenPair) => set(fromPair(tokens)), [set]);

  const signOut = useCallback(async () => {
    try {
      ok(
        await anonymous.POST("/v1/auth/cookie/logout", {
          params: { header: { "X-CSRF-Token": csrfToken() } },
        }),
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
    set(null);
  }, [set]);

  const value = useMemo(() => ({ session, api, adopt, signOut }), [session, api, adopt, signOut]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(Ctx);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}

/** The API client of the signed-in person. */
export function useApi(): ApiClient {
  return useSession().api;
}

export { COOKIE_SESSION };
