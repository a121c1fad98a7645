//! The wire types' OpenAPI schemas against the checked-in contract, `spec/openapi.json`: the
//! server's document, generated from these types, must not move when it switches to them.
//! Run with `cargo test -p versiqii-api --features openapi`.

use super::*;
use serde_json::Value;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, PartialSchema, ToSchema};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/openapi.json");
    let text = std::fs::read_to_string(path).expect("spec/openapi.json");
    serde_json::from_str(&text).expect("spec/openapi.json is JSON")
}

fn schema_of<T: ToSchema + PartialSchema>() -> (String, Value) {
    (
        T::name().into_owned(),
        serde_json::to_value(T::schema()).unwrap(),
    )
}

macro_rules! schemas {
    ($($ty:ty),* $(,)?) => { vec![$(schema_of::<$ty>()),*] };
}

#[test]
fn component_schemas_match_the_spec() {
    let spec = spec();
    let components = spec["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let ours = schemas![
        Health,
        SignupRequest,
        LoginRequest,
        RefreshRequest,
        TokenPair,
        TenantView,
        UserView,
        SignupResponse,
        Me,
        ForgotPasswordRequest,
        ForgotPasswordAccepted,
        ResetPasswordRequest,
        SwitchRequest,
        VerifyEmailRequest,
        EmailVerified,
        OrganisationView,
        OrganisationList,
        NewOrganisationRequest,
        OrganisationCreated,
        MemberView,
        MemberList,
        MemberRoleRequest,
        NewInviteRequest,
        InviteView,
        InviteList,
        AcceptInviteRequest,
        AcceptInviteSignupRequest,
        NewApiKeyRequest,
        ApiKeyView,
        CreatedApiKey,
        WebhookFormat,
        NewWebhookRequest,
        WebhookUpdateRequest,
        WebhookView,
        WebhookWithSecret,
        WebhookList,
        DeliveryView,
        DeliveryList,
        AttemptView,
        DeliveryDetail,
        ReplayRequest,
        ReplayResult,
        DigestRequest,
        DigestView,
        DigestList,
        QuotaView,
        UsageTotal,
        UsageDay,
        UsageView,
        ValidateRequest,
        ValidateDocument,
        ValidateResult,
        ValidateResponse,
        ImportSummary,
        SlaView,
        PlanView,
        PlanList,
        ChoosePlanRequest,
        InvoiceLineView,
        InvoiceView,
        InvoiceList,
        ApiKeyList,
        AuditEventView,
        AuditPage,
        AuditBreak,
        AuditVerification,
        NewSchemaRequest,
        SchemaVersionView,
        ProtoFileSource,
        FamilyVersion,
        FamilyView,
        FamilySummaryView,
        FamilyList,
        NewTargetVersionRequest,
        TargetVersionView,
        TargetSummaryView,
        TargetList,
        TargetSchema,
        NewConfigRequest,
        ConfigRevisionView,
        ConfigSummaryView,
        ConfigList,
        RevisionList,
        PathChangeView,
        ConfigDiff,
        NewEnvRequest,
        EnvView,
        EnvList,
        EnvConfigs,
        EnvConfig,
        ResolvedConfig,
        NewBindingRequest,
        BindingView,
        BindingList,
        NewConstraintRequest,
        ConstraintView,
        ConstraintList,
        SetVersionRequest,
        PlanProblem,
        Plan,
        DeploymentView,
        DeploymentList,
        RollbackRequest,
        RestoredConfig,
        RollbackPlan,
        PromotionRequest,
        PromotedConfig,
        PromotedTarget,
        PromotionPlan,
        ObservationRequest,
        ObservationView,
        DriftList,
        DriftRow,
        DriftDimensions,
        ImpactBreak,
        FailingBinding,
        EnvImpact,
        ImpactView,
        NewMigrationRequest,
        DryRunResult,
        MigrationView,
        MigrationList,
        MigrationPreviewRequest,
        MigrationPreview,
        MigratedConfig,
        StepView,
        crate::FieldError,
        crate::ViolationView,
    ];
    let mut mismatches = Vec::new();
    for (name, schema) in &ours {
        match components.get(name) {
            None => mismatches.push(format!("{name}: not in the spec")),
            Some(theirs) if theirs != schema => {
                mismatches.push(format!("{name}:\n  spec: {theirs}\n  ours: {schema}"))
            }
            Some(_) => {}
        }
    }
    // Every component but `Problem` and `ErrorCode` (from error.rs).
    for name in components.keys() {
        if name != "Problem" && name != "ErrorCode" && !ours.iter().any(|(n, _)| n == name) {
            mismatches.push(format!("{name}: in the spec, not here"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// As the server's handlers use them: in `web::Query`, which utoipa's actix extras read as
/// query parameters.
fn params_of<T: IntoParams>() -> Vec<Value> {
    T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|p| serde_json::to_value(p).unwrap())
        .collect()
}

#[test]
fn query_parameters_match_the_spec() {
    let spec = spec();
    let cases = [
        ("/v1/audit", params_of::<AuditQuery>()),
        ("/v1/configs/diff", params_of::<DiffQuery>()),
        ("/v1/bindings", params_of::<BindingQuery>()),
        ("/v1/constraints", params_of::<ConstraintQuery>()),
        ("/v1/envs/{env}/deployments", params_of::<HistoryQuery>()),
        ("/v1/drifts", params_of::<DriftQuery>()),
        ("/v1/envs/{env}/configs", params_of::<EnvConfigsQuery>()),
        ("/v1/impact", params_of::<ImpactQuery>()),
    ];
    for (path, ours) in cases {
        let theirs: Vec<&Value> = spec["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path} has parameters"))
            .iter()
            .filter(|p| p["in"] == "query")
            .collect();
        assert_eq!(
            theirs.len(),
            ours.len(),
            "GET {path}: {theirs:?} vs {ours:?}"
        );
        for (theirs, ours) in theirs.into_iter().zip(&ours) {
            assert_eq!(theirs, ours, "GET {path}");
        }
    }
}
