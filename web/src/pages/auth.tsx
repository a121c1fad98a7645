// Sessions in the browser: sign-up, sign-in, email verification, forgotten passwords, invites.
import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError, COOKIE_SESSION, ok } from "../api/client";
import { anonymous, useSession } from "../session";
import { Field, ProblemView, optional, text } from "../ui";

export function AuthCard({ title, brand = "Versiqii", children }: { title: string; brand?: string; children: React.ReactNode }) {
  return (
    <main className="auth" aria-labelledby="auth-title">
      <div className="auth-card">
        <p className="brand">{brand}</p>
        <h1 id="auth-title">{title}</h1>
        {children}
      </div>
    </main>
  );
}

function useSubmit<T>(run: (form: FormData) => Promise<T>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(new FormData(e.currentTarget));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit };
}

export function SignIn() {
  const { adopt } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next") ?? "/";
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    const tokens = ok(
      await anonymous.POST("/v1/auth/login", {
        body: { email: text(form, "email"), password: text(form, "password"), organisation: optional(form, "organisation") },
        headers: COOKIE_SESSION,
      }),
    );
    adopt(tokens);
    navigate(next.startsWith("/") ? next : "/");
  });
  return (
    <AuthCard title="Sign in">
      <form onSubmit={onSubmit} aria-label="Sign in">
        <Field label="Email" name="email" type="email" required autoComplete="email" />
        <Field label="Password" name="password" type="password" required autoComplete="current-password" />
        <Field label="Organisation (optional)" name="organisation" hint="Its slug; the one you joined first when empty." />
        <ProblemView error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        <Link to="/forgot">Forgot your password?</Link> · New here? <Link to="/signup">Sign up</Link>
      </p>
    </AuthCard>
  );
}

export function SignUp() {
  const { adopt } = useSession();
  const navigate = useNavigate();
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    const created = ok(
      await anonymous.POST("/v1/auth/signup", {
        body: {
          email: text(form, "email"),
          password: text(form, "password"),
          display_name: optional(form, "display_name"),
          tenant_slug: optional(form, "tenant_slug"),
          tenant_name: optional(form, "tenant_slug") ? optional(form, "tenant_name") : undefined,
        },
        headers: COOKIE_SESSION,
      }),
    );
    adopt(created.tokens);
    navigate(created.tenant ? "/?welcome=1" : "/orgs");
  });
  return (
    <AuthCard title="Create your account">
      <form onSubmit={onSubmit} aria-label="Sign up">
        <Field label="Email" name="email" type="email" required autoComplete="email" />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" hint="At least 12 characters." />
        <Field label="Your name (optional)" name="display_name" autoComplete="name" />
        <Field
          label="Organisation slug"
          name="tenant_slug"
          placeholder="acme"
          hint="Lowercase letters, digits and hyphens. Leave empty if you are joining a team by invite."
        />
        <Field label="Organisation name (optional)" name="tenant_name" placeholder="Acme Inc." />
        <ProblemView error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Sign up"}
        </button>
      </form>
      <p>
        Have an account? <Link to="/signin">Sign in</Link>
      </p>
    </AuthCard>
  );
}

export function Verify() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [state, setState] = useState<"working" | "done" | unknown>("working");
  useEffect(() => {
    let live = true;
    anonymous
      .POST("/v1/auth/verify", { body: { token } })
      .then((r) => ok(r))
      .then(() => live && setState("done"))
      .catch((e: unknown) => live && setState(e));
    return () => {
      live = false;
    };
  }, [token]);
  return (
    <AuthCard title="Verify your email">
      {state === "working" && <p role="status">Checking your link…</p>}
      {state === "done" && (
        <p role="status" className="success">
          Your email is verified. <Link to="/">Open the console</Link>
        </p>
      )}
      {state !== "working" && state !== "done" && <ProblemView error={state} />}
    </AuthCard>
  );
}

export function Forgot() {
  const [sent, setSent] = useState(false);
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    ok(await anonymous.POST("/v1/auth/password/forgot", { body: { email: text(form, "email") } }));
    setSent(true);
  });
  return (
    <AuthCard title="Forgot your password">
      {sent ? (
        <p role="status" className="success">
          If an account has this email, a reset link is on its way. It works once, for an hour.
        </p>
      ) : (
        <form onSubmit={onSubmit} aria-label="Forgot password">
          <Field label="Email" name="email" type="email" required autoComplete="email" />
          <ProblemView error={error} />
          <button type="submit" disabled={busy}>
            Send a reset link
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}

export function Reset() {
  const [params] = useSearchParams();
  const [done, setDone] = useState(false);
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    ok(
      await anonymous.POST("/v1/auth/password/reset", {
        body: { token: params.get("token") ?? "", password: text(form, "password") },
      }),
    );
    setDone(true);
  });
  return (
    <AuthCard title="Choose a new password">
      {done ? (
        <p role="status" className="success">
          Your password is changed and every session ended. <Link to="/signin">Sign in</Link>
        </p>
      ) : (
        <form onSubmit={onSubmit} aria-label="Reset password">
          <Field label="New password" name="password" type="password" required autoComplete="new-password" hint="At least 12 characters." />
          <ProblemView error={error} />
          <button type="submit" disabled={busy}>
            Set the password
          </button>
        </form>
      )}
    </AuthCard>
  );
}

export function AcceptInvite() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { session, api, adopt } = useSession();
  const navigate = useNavigate();
  const signedIn = useSubmit(async () => {
    adopt(ok(await api.POST("/v1/invites/accept", { body: { token }, headers: COOKIE_SESSION })));
    navigate("/");
  });
  const newcomer = useSubmit(async (form) => {
    const result = await anonymous.POST("/v1/invites/accept/signup", {
      body: { token, password: text(form, "password"), display_name: optional(form, "display_name") },
      headers: COOKIE_SESSION,
    });
    adopt(ok(result));
    navigate("/");
  });
  const taken = newcomer.error instanceof ApiError && newcomer.error.code === "email_taken";
  return (
    <AuthCard title="Join your team">
      {session ? (
        <form onSubmit={signedIn.onSubmit} aria-label="Accept invite">
          <p>You are signed in. Accept the invite to join its organisation.</p>
          <ProblemView error={signedIn.error} />
          <button type="submit" disabled={signedIn.busy}>
            Accept the invite
          </button>
        </form>
      ) : (
        <form onSubmit={newcomer.onSubmit} aria-label="Accept invite by signing up">
          <p>New to Versiqii? Choose a password to create your account and join.</p>
          <Field label="Your name (optional)" name="display_name" autoComplete="name" />
          <Field label="Password" name="password" type="password" required autoComplete="new-password" hint="At least 12 characters." />
          <ProblemView error={newcomer.error} />
          {taken && (
            <p>
              <Link to={`/signin?next=${encodeURIComponent(`/invites/accept?token=${token}`)}`}>Sign in to accept</Link>
            </p>
          )}
          <button type="submit" disabled={newcomer.busy}>
            Create account and join
          </button>
        </form>
      )}
    </AuthCard>
  );
}
