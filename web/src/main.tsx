import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter } from "react-router";
// From react-router/dom: it brings ReactDOM.flushSync, which the URL-kept filters ask for.
import { RouterProvider } from "react-router/dom";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "./api/client";
import { SessionProvider } from "./session";
import { AcceptInvite, Forgot, Reset, SignIn, SignUp, Verify } from "./pages/auth";
import { Audit, Organisations, Shell, Start } from "./pages/shell";
import { Families, Targets } from "./pages/registry";
import { Bindings, ConfigDetail, Configs } from "./pages/configs";
import { ApiKeys, Team } from "./pages/team";
import { Drift } from "./pages/drift";
import { Deployments } from "./pages/deployments";
import { Migrations } from "./pages/migrations";
import { Environments } from "./pages/envs";
import { Family } from "./pages/family";
import { WebhookDeliveries, Webhooks } from "./pages/webhooks";
import { Billing } from "./pages/billing";
import { OpsAudit, OpsBilling, OpsRoot, OpsShell, OpsSignIn, OpsTenant, OpsTenants } from "./operators/pages";

// The graph brings its layout engine and renderer: loaded only when opened.
const Graph = lazy(() => import("./pages/graph"));
import "./app.css";

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      // Shown at once from the cache, and fetched again whenever a page opens: another user or a
      // pipeline may have changed it.
      staleTime: 0,
    },
  },
});

const router = createBrowserRouter([
  // The operators' portal: its own sign-in, session and layout, under a prefix the API (/ops/v1)
  // does not use.
  {
    path: "/operators",
    element: <OpsRoot />,
    children: [
      { path: "signin", element: <OpsSignIn /> },
      {
        element: <OpsShell />,
        children: [
          { index: true, element: <OpsTenants /> },
          { path: "tenants/:id", element: <OpsTenant /> },
          { path: "billing", element: <OpsBilling /> },
          { path: "audit", element: <OpsAudit /> },
          { path: "*", element: <p>There is no such page in the operators' portal.</p> },
        ],
      },
    ],
  },
  { path: "/signin", element: <SignIn /> },
  { path: "/signup", element: <SignUp /> },
  { path: "/verify", element: <Verify /> },
  { path: "/forgot", element: <Forgot /> },
  { path: "/reset", element: <Reset /> },
  { path: "/invites/accept", element: <AcceptInvite /> },
  {
    path: "/",
    element: <Shell />,
    children: [
      { index: true, element: <Start /> },
      { path: "families", element: <Families /> },
      { path: "families/:family", element: <Family /> },
      { path: "families/:family/:version", element: <Family /> },
      { path: "targets", element: <Targets /> },
      { path: "configs", element: <Configs /> },
      { path: "configs/:id", element: <ConfigDetail /> },
      { path: "bindings", element: <Bindings /> },
      { path: "audit", element: <Audit /> },
      { path: "team", element: <Team /> },
      { path: "drift", element: <Drift /> },
      { path: "deployments", element: <Deployments /> },
      { path: "migrations", element: <Migrations /> },
      { path: "envs", element: <Environments /> },
      {
        path: "graph",
        element: (
          <Suspense fallback={<p role="status">Loading the graph…</p>}>
            <Graph />
          </Suspense>
        ),
      },
      { path: "api-keys", element: <ApiKeys /> },
      { path: "webhooks", element: <Webhooks /> },
      { path: "webhooks/:id", element: <WebhookDeliveries /> },
      { path: "billing", element: <Billing /> },
      { path: "orgs", element: <Organisations /> },
      { path: "*", element: <p>There is no such page. </p> },
    ],
  },
]);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queries}>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
