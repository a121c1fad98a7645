//! Every API operation the CLI uses, once: its method, path, request and response types.
//! Names in paths and queries are percent-encoded here, so no caller can forget to.

use super::{encode, with_query, Client, Method};
use crate::error::CliError;
use versiqii_api::ids::{ApiKeyId, ConstraintId, RevisionId, WebhookEndpointId};
use versiqii_api::reference::{TargetRef, TargetVersionRef};
use versiqii_api::v1::*;

/// `GET` with no body: the request type is only there for the compiler.
const NO_BODY: Option<&()> = None;

impl Client {
    // Sessions: no `Authorization` header.

    pub fn signup(&self, body: &SignupRequest) -> Result<SignupResponse, CliError> {
        self.send_anonymous("/v1/auth/signup", body, "signup")
    }

    pub fn login(&self, body: &LoginRequest) -> Result<TokenPair, CliError> {
        self.send_anonymous("/v1/auth/login", body, "login")
    }

    pub fn refresh_session(&self, body: &RefreshRequest) -> Result<TokenPair, CliError> {
        self.send_anonymous("/v1/auth/refresh", body, "token refresh")
    }

    /// Always 204, whether or not the token was known.
    pub fn logout(&self, body: &RefreshRequest) -> Result<(), CliError> {
        let body = super::to_json(body)?;
        self.post_anonymous("/v1/auth/logout", &body).map(drop)
    }

    pub fn switch_organisation(&mut self, body: &SwitchRequest) -> Result<TokenPair, CliError> {
        self.send(
            Method::Post,
            "/v1/auth/switch",
            Some(body),
            "organisation switch",
        )
    }

    pub fn create_organisation(
        &mut self,
        body: &NewOrganisationRequest,
    ) -> Result<OrganisationCreated, CliError> {
        self.send(
            Method::Post,
            "/v1/orgs",
            Some(body),
            "organisation creation",
        )
    }

    pub fn organisations(&mut self) -> Result<OrganisationList, CliError> {
        self.send(Method::Get, "/v1/orgs", NO_BODY, "organisation list")
    }

    pub fn members(&mut self) -> Result<MemberList, CliError> {
        self.send(Method::Get, "/v1/members", NO_BODY, "member list")
    }

    pub fn set_member_role(
        &mut self,
        user: uuid::Uuid,
        body: &MemberRoleRequest,
    ) -> Result<MemberView, CliError> {
        let path = format!("/v1/members/{user}/role");
        self.send(Method::Put, &path, Some(body), "role change")
    }

    pub fn remove_member(&mut self, user: uuid::Uuid) -> Result<(), CliError> {
        self.send_for_status(Method::Delete, &format!("/v1/members/{user}"), NO_BODY)
    }

    pub fn leave_organisation(&mut self) -> Result<(), CliError> {
        self.send_for_status(
            Method::Post,
            "/v1/members/leave",
            Some(&serde_json::json!({})),
        )
    }

    pub fn me(&mut self) -> Result<Me, CliError> {
        self.send(Method::Get, "/v1/me", NO_BODY, "/v1/me")
    }

    // API keys.

    pub fn create_api_key(&mut self, body: &NewApiKeyRequest) -> Result<CreatedApiKey, CliError> {
        self.send(Method::Post, "/v1/api-keys", Some(body), "API key creation")
    }

    pub fn api_keys(&mut self) -> Result<ApiKeyList, CliError> {
        self.send(Method::Get, "/v1/api-keys", NO_BODY, "API key list")
    }

    pub fn revoke_api_key(&mut self, id: ApiKeyId) -> Result<(), CliError> {
        self.send_for_status(Method::Delete, &format!("/v1/api-keys/{id}"), NO_BODY)
    }

    // Webhooks.

    pub fn create_webhook(
        &mut self,
        body: &NewWebhookRequest,
    ) -> Result<WebhookWithSecret, CliError> {
        self.send(Method::Post, "/v1/webhooks", Some(body), "webhook creation")
    }

    pub fn webhooks(&mut self) -> Result<WebhookList, CliError> {
        self.send(Method::Get, "/v1/webhooks", NO_BODY, "webhook list")
    }

    pub fn webhook(&mut self, id: WebhookEndpointId) -> Result<WebhookView, CliError> {
        self.send(
            Method::Get,
            &format!("/v1/webhooks/{id}"),
            NO_BODY,
            "webhook",
        )
    }

    pub fn update_webhook(
        &mut self,
        id: WebhookEndpointId,
        body: &WebhookUpdateRequest,
    ) -> Result<WebhookView, CliError> {
        self.send(
            Method::Patch,
            &format!("/v1/webhooks/{id}"),
            Some(body),
            "webhook update",
        )
    }

    /// `enable` or `disable`.
    pub fn set_webhook_state(
        &mut self,
        id: WebhookEndpointId,
        action: &str,
    ) -> Result<WebhookView, CliError> {
        let path = format!("/v1/webhooks/{id}/{action}");
        self.send(
            Method::Post,
            &path,
            Some(&serde_json::json!({})),
            "webhook state",
        )
    }

    pub fn delete_webhook(&mut self, id: WebhookEndpointId) -> Result<(), CliError> {
        self.send_for_status(Method::Delete, &format!("/v1/webhooks/{id}"), NO_BODY)
    }

    pub fn rotate_webhook_secret(
        &mut self,
        id: WebhookEndpointId,
    ) -> Result<WebhookWithSecret, CliError> {
        let path = format!("/v1/webhooks/{id}/rotate-secret");
        self.send(
            Method::Post,
            &path,
            Some(&serde_json::json!({})),
            "secret rotation",
        )
    }

    pub fn test_webhook(&mut self, id: WebhookEndpointId) -> Result<(), CliError> {
        let path = format!("/v1/webhooks/{id}/test");
        self.send_for_status(Method::Post, &path, Some(&serde_json::json!({})))
    }

    pub fn webhook_deliveries(
        &mut self,
        id: WebhookEndpointId,
        query: &DeliveryQuery,
    ) -> Result<DeliveryList, CliError> {
        let limit = query.limit.map(|l| l.to_string());
        let before = query.before.map(|b| b.to_string());
        let path = with_query(
            &format!("/v1/webhooks/{id}/deliveries"),
            &[
                ("status", query.status.as_deref()),
                ("before", before.as_deref()),
                ("limit", limit.as_deref()),
            ],
        );
        self.send(Method::Get, &path, NO_BODY, "delivery list")
    }

    pub fn webhook_delivery(
        &mut self,
        id: WebhookEndpointId,
        delivery: i64,
    ) -> Result<DeliveryDetail, CliError> {
        let path = format!("/v1/webhooks/{id}/deliveries/{delivery}");
        self.send(Method::Get, &path, NO_BODY, "delivery")
    }

    pub fn resend_webhook_delivery(
        &mut self,
        id: WebhookEndpointId,
        delivery: i64,
    ) -> Result<(), CliError> {
        let path = format!("/v1/webhooks/{id}/deliveries/{delivery}/resend");
        self.send_for_status(Method::Post, &path, Some(&serde_json::json!({})))
    }

    pub fn replay_webhook(
        &mut self,
        id: WebhookEndpointId,
        body: &ReplayRequest,
    ) -> Result<ReplayResult, CliError> {
        let path = format!("/v1/webhooks/{id}/replay");
        self.send(Method::Post, &path, Some(body), "replay")
    }

    pub fn usage(&mut self, month: Option<&str>) -> Result<UsageView, CliError> {
        let path = match month {
            Some(m) => format!("/v1/usage?month={}", super::encode(m)),
            None => "/v1/usage".to_owned(),
        };
        self.send(Method::Get, &path, NO_BODY, "usage")
    }

    pub fn sla(&mut self, month: Option<&str>) -> Result<SlaView, CliError> {
        let path = match month {
            Some(m) => format!("/v1/sla?month={}", super::encode(m)),
            None => "/v1/sla".to_owned(),
        };
        self.send(Method::Get, &path, NO_BODY, "SLA report")
    }

    pub fn digests(&mut self) -> Result<DigestList, CliError> {
        self.send(Method::Get, "/v1/digests", NO_BODY, "digest list")
    }

    pub fn set_digest(
        &mut self,
        user: uuid::Uuid,
        body: &DigestRequest,
    ) -> Result<DigestView, CliError> {
        self.send(
            Method::Put,
            &format!("/v1/digests/{user}"),
            Some(body),
            "digest",
        )
    }

    pub fn delete_digest(&mut self, user: uuid::Uuid) -> Result<(), CliError> {
        self.send_for_status(Method::Delete, &format!("/v1/digests/{user}"), NO_BODY)
    }

    pub fn audit(&mut self, query: &AuditQuery) -> Result<AuditPage, CliError> {
        let limit = query.limit.map(|l| l.to_string());
        let before = query.before.map(|b| b.to_string());
        let path = with_query(
            "/v1/audit",
            &[("limit", limit.as_deref()), ("before", before.as_deref())],
        );
        self.send(Method::Get, &path, NO_BODY, "audit log")
    }

    pub fn verify_audit(&mut self) -> Result<AuditVerification, CliError> {
        self.send(
            Method::Get,
            "/v1/audit/verify",
            NO_BODY,
            "audit verification",
        )
    }

    // Families and schemas.

    pub fn add_schema(
        &mut self,
        family: &str,
        body: &NewSchemaRequest,
    ) -> Result<SchemaVersionView, CliError> {
        let path = format!("/v1/families/{}/schemas", encode(family));
        self.send(Method::Post, &path, Some(body), "schema version")
    }

    pub fn families(&mut self) -> Result<FamilyList, CliError> {
        self.send(Method::Get, "/v1/families", NO_BODY, "family list")
    }

    pub fn family(&mut self, family: &str) -> Result<FamilyView, CliError> {
        let path = format!("/v1/families/{}", encode(family));
        self.send(Method::Get, &path, NO_BODY, "schema")
    }

    /// `FAMILY@VERSION`.
    pub fn schema_version(&mut self, schema: &TargetRef) -> Result<SchemaVersionView, CliError> {
        let path = format!(
            "/v1/families/{}/schemas/{}",
            encode(schema.name()),
            encode(schema.version())
        );
        self.send(Method::Get, &path, NO_BODY, "schema")
    }

    pub fn add_migration(
        &mut self,
        family: &str,
        body: &NewMigrationRequest,
    ) -> Result<MigrationView, CliError> {
        let path = format!("/v1/families/{}/migrations", encode(family));
        self.send(Method::Post, &path, Some(body), "migration")
    }

    pub fn migrations(&mut self, family: &str) -> Result<MigrationList, CliError> {
        let path = format!("/v1/families/{}/migrations", encode(family));
        self.send(Method::Get, &path, NO_BODY, "migration list")
    }

    // Targets.

    pub fn create_target_version(
        &mut self,
        body: &NewTargetVersionRequest,
    ) -> Result<TargetVersionView, CliError> {
        self.send(Method::Post, "/v1/targets", Some(body), "target creation")
    }

    pub fn targets(&mut self) -> Result<TargetList, CliError> {
        self.send(Method::Get, "/v1/targets", NO_BODY, "target list")
    }

    pub fn target_version(
        &mut self,
        target: &TargetVersionRef,
    ) -> Result<TargetVersionView, CliError> {
        self.send(
            Method::Get,
            &target_version_path(target),
            NO_BODY,
            "target version",
        )
    }

    pub fn target_schema(&mut self, target: &TargetRef) -> Result<TargetSchema, CliError> {
        let path = format!(
            "/v1/targets/{}/versions/{}/schema",
            encode(target.name()),
            encode(target.version())
        );
        self.send(Method::Get, &path, NO_BODY, "target schema")
    }

    // Configs.

    pub fn create_config(
        &mut self,
        body: &NewConfigRequest,
    ) -> Result<ConfigRevisionView, CliError> {
        self.send(Method::Post, "/v1/configs", Some(body), "config creation")
    }

    pub fn configs(&mut self) -> Result<ConfigList, CliError> {
        self.send(Method::Get, "/v1/configs", NO_BODY, "config list")
    }

    pub fn config_revision(&mut self, id: RevisionId) -> Result<ConfigRevisionView, CliError> {
        self.send(Method::Get, &format!("/v1/configs/{id}"), NO_BODY, "config")
    }

    pub fn config_history(&mut self, id: RevisionId) -> Result<RevisionList, CliError> {
        let path = format!("/v1/configs/{id}/history");
        self.send(Method::Get, &path, NO_BODY, "config history")
    }

    pub fn config_diff(&mut self, query: &DiffQuery) -> Result<ConfigDiff, CliError> {
        let path = format!("/v1/configs/diff?from={}&to={}", query.from, query.to);
        self.send(Method::Get, &path, NO_BODY, "config diff")
    }

    // Environments, bindings and deployments.

    pub fn create_env(&mut self, body: &NewEnvRequest) -> Result<EnvView, CliError> {
        self.send(Method::Post, "/v1/envs", Some(body), "environment creation")
    }

    pub fn envs(&mut self) -> Result<EnvList, CliError> {
        self.send(Method::Get, "/v1/envs", NO_BODY, "environment list")
    }

    pub fn env_configs(&mut self, env: &str) -> Result<EnvConfigs, CliError> {
        let path = format!("/v1/envs/{}/configs", encode(env));
        self.send(Method::Get, &path, NO_BODY, "environment's configs")
    }

    pub fn validate(&mut self, body: &ValidateRequest) -> Result<ValidateResponse, CliError> {
        self.send(Method::Post, "/v1/validate", Some(body), "validation")
    }

    pub fn create_binding(&mut self, body: &NewBindingRequest) -> Result<BindingView, CliError> {
        self.send(Method::Post, "/v1/bindings", Some(body), "binding creation")
    }

    pub fn bindings(&mut self, query: &BindingQuery) -> Result<BindingList, CliError> {
        let path = with_query("/v1/bindings", &[("env", query.env.as_deref())]);
        self.send(Method::Get, &path, NO_BODY, "binding list")
    }

    pub fn set_version(
        &mut self,
        env: &str,
        target: &str,
        body: &SetVersionRequest,
    ) -> Result<Plan, CliError> {
        let path = format!(
            "/v1/envs/{}/targets/{}/version",
            encode(env),
            encode(target)
        );
        self.send(Method::Put, &path, Some(body), "deployment plan")
    }

    pub fn deployment_history(
        &mut self,
        env: &str,
        query: &HistoryQuery,
    ) -> Result<DeploymentList, CliError> {
        let path = with_query(
            &format!("/v1/envs/{}/deployments", encode(env)),
            &[("target", query.target.as_deref())],
        );
        self.send(Method::Get, &path, NO_BODY, "deployment history")
    }

    pub fn rollback(
        &mut self,
        env: &str,
        target: &str,
        body: &RollbackRequest,
    ) -> Result<RollbackPlan, CliError> {
        let path = format!(
            "/v1/envs/{}/targets/{}/rollback",
            encode(env),
            encode(target)
        );
        self.send(Method::Post, &path, Some(body), "rollback plan")
    }

    // The version graph.

    pub fn create_constraint(
        &mut self,
        body: &NewConstraintRequest,
    ) -> Result<ConstraintView, CliError> {
        self.send(
            Method::Post,
            "/v1/constraints",
            Some(body),
            "constraint creation",
        )
    }

    pub fn constraints(&mut self, query: &ConstraintQuery) -> Result<ConstraintList, CliError> {
        let path = with_query("/v1/constraints", &[("target", query.target.as_deref())]);
        self.send(Method::Get, &path, NO_BODY, "constraint list")
    }

    pub fn delete_constraint(&mut self, id: ConstraintId) -> Result<(), CliError> {
        self.send_for_status(Method::Delete, &format!("/v1/constraints/{id}"), NO_BODY)
    }

    // Drift.

    pub fn record_observation(
        &mut self,
        env: &str,
        body: &ObservationRequest,
    ) -> Result<ObservationView, CliError> {
        let path = format!("/v1/envs/{}/observations", encode(env));
        self.send(Method::Post, &path, Some(body), "observation")
    }

    pub fn drifts(&mut self, query: &DriftQuery) -> Result<DriftList, CliError> {
        let path = with_query(
            "/v1/drifts",
            &[
                ("env", query.env.as_deref()),
                ("target", query.target.as_deref()),
                ("dimension", query.dimension.as_deref()),
            ],
        );
        self.send(Method::Get, &path, NO_BODY, "drift matrix")
    }

    pub fn impact(&mut self, query: &ImpactQuery) -> Result<ImpactView, CliError> {
        let path = with_query(
            "/v1/impact",
            &[
                ("target", Some(query.target.as_str())),
                ("version", Some(query.version.as_str())),
            ],
        );
        self.send(Method::Get, &path, NO_BODY, "impact")
    }
}

/// A target version by id (`/v1/target-versions/{id}`) or by name and version.
pub fn target_version_path(target: &TargetVersionRef) -> String {
    match target {
        TargetVersionRef::Id(id) => format!("/v1/target-versions/{id}"),
        TargetVersionRef::Name(name) => format!(
            "/v1/targets/{}/versions/{}",
            encode(name.name()),
            encode(name.version())
        ),
    }
}
