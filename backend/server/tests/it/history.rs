//! Current rows are found per cell, not by reading histories: after a long history (written in
//! SQL behind the API's back) and writes on top of it, every current binding, deployment and
//! observation is the newest of its cell, in one environment and in all of them, and the drift
//! matrix a write loaded in the background agrees with one computed from scratch.

use crate::harness::{block_on, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SCHEMA: &str = r#"{"type": "object", "properties": {"timeout": {"type": "integer"}}}"#;

/// (env, target name) → config id, from a bindings list.
fn bound(list: &Value) -> BTreeMap<(String, String), String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let target = b["target"].as_str().unwrap();
            let name = target.split('@').next().unwrap().to_owned();
            let env = b["env"].as_str().unwrap().to_owned();
            ((env, name), b["config_id"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// (env, target) → (desired version, observed version, bound config) from the drift matrix.
type DriftCells = BTreeMap<(String, String), (Value, Value, Value)>;

fn drift_cells(rows: &Value) -> DriftCells {
    rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["env"].as_str().unwrap().to_owned(),
                    r["target"].as_str().unwrap().to_owned(),
                ),
                (
                    r["desired_version"].clone(),
                    r["observed_version"].clone(),
                    r["bound_config"].clone(),
                ),
            )
        })
        .collect()
}

#[test]
fn current_rows_are_the_newest_of_each_cell_after_a_long_history() {
    let app = TestApp::spawn();
    let s = app.signup("history-co");
    let t = Some(s.access.as_str());
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let r = app.post(
        "/v1/families/Svc/schemas",
        t,
        &json!({"version": "v1", "schema": schema}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let targets = ["alpha", "beta", "gamma"];
    let mut configs: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for target in targets {
        for version in ["1.0.0", "2.0.0"] {
            let r = app.post(
                "/v1/targets",
                t,
                &json!({"name": target, "family": "Svc", "version": version}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
        }
        for timeout in [10, 20] {
            let r = app.post(
                "/v1/configs",
                t,
                &json!({"target": format!("{target}@1.0.0"), "name": format!("{target}.json"),
                        "content": format!(r#"{{"timeout": {timeout}}}"#)}),
            );
            assert!(r.status == 201 || r.status == 200, "{}", r.body);
            let label = format!("{target}.json#{}", r.body["revision"]);
            configs
                .entry(target)
                .or_default()
                .push((r.body["id"].as_str().unwrap().to_owned(), label));
        }
    }
    let envs = ["prod", "stage"];
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    let bind = |env: &str, target: &str, which: usize| {
        let r = app.post(
            "/v1/bindings",
            t,
            &json!({"config_id": configs[target][which].0, "env": env}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    };
    // The first write of the tenant: its drift matrix is not loaded yet.
    for env in envs {
        for target in targets {
            bind(env, target, 0);
            expected.insert((env.to_owned(), target.to_owned()), 0);
        }
    }
    let deploy = |env: &str, target: &str, version: &str| {
        let r = app.put_json(
            &format!("/v1/envs/{env}/targets/{target}/version"),
            t,
            &json!({"version": version, "force": true}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    let observe = |env: &str, target: &str, version: &str| {
        let r = app.post(
            &format!("/v1/envs/{env}/observations"),
            t,
            &json!({"target": target, "version": version}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    };
    for env in envs {
        for target in targets {
            deploy(env, target, "1.0.0");
            observe(env, target, "1.0.0");
        }
    }

    // A long history behind every cell: each binding, deployment and observation repeated,
    // the other config bound in half of the copies, all older than what follows.
    let owner = app.owner_db();
    for sql in [
        // Odd copies bind the config's other revision (written for the same target version).
        "insert into bindings (tenant_id, id, environment_id, target_id, target_version_id,
                               config_revision_id, schema_version_id, created_by)
         select h.tenant_id, gen_random_uuid(), h.environment_id, h.target_id, h.target_version_id,
                case when g % 2 = 1 then other.id else h.config_revision_id end,
                h.schema_version_id, h.created_by
         from bindings h
         join config_revisions r on r.id = h.config_revision_id
         join config_revisions other on other.config_id = r.config_id and other.id <> r.id,
         generate_series(1, 400) g order by g",
        "insert into deployments (tenant_id, id, environment_id, target_id, target_version_id,
                                  forced, plan, created_by)
         select h.tenant_id, gen_random_uuid(), h.environment_id, h.target_id, h.target_version_id,
                h.forced, h.plan, h.created_by
         from deployments h, generate_series(1, 400) g order by g",
        "insert into observations (tenant_id, id, environment_id, target_id, version,
                                   target_version_id, config_hash, reported_by)
         select h.tenant_id, gen_random_uuid(), h.environment_id, h.target_id, h.version,
                h.target_version_id, h.config_hash, h.reported_by
         from observations h, generate_series(1, 400) g order by g",
    ] {
        block_on(owner.execute_unprepared(sql)).unwrap();
    }

    // Writes on top of it, each cell's newest different from its history's newest copy.
    for (i, (env, target)) in envs
        .iter()
        .flat_map(|e| targets.iter().map(move |t| (*e, *t)))
        .enumerate()
    {
        if i % 3 == 2 {
            continue; // left as the history has it: its newest is a copy
        }
        bind(env, target, 1);
        expected.insert((env.to_owned(), target.to_owned()), 1);
    }
    deploy("prod", "beta", "2.0.0");
    observe("stage", "gamma", "2.0.0");

    let want = |env: Option<&str>| -> BTreeMap<(String, String), String> {
        expected
            .iter()
            .filter(|((e, _), _)| env.is_none_or(|env| e == env))
            .map(|((e, tg), which)| {
                (
                    (e.clone(), tg.clone()),
                    configs[tg.as_str()][*which].0.clone(),
                )
            })
            .collect()
    };
    // The cells left to history: their newest copy is the original revision (even copies).
    for env in envs {
        let list = app.get(&format!("/v1/bindings?env={env}"), t);
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(bound(&list.body), want(Some(env)), "{env}");
    }
    let all = app.get("/v1/bindings", t);
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(bound(&all.body), want(None));

    let drifts = app.get("/v1/drifts", t);
    assert_eq!(drifts.status, 200, "{}", drifts.body);
    let cells = drift_cells(&drifts.body);
    assert_eq!(cells.len(), 6, "{}", drifts.body);
    for ((env, target), (desired, observed, bound_config)) in &cells {
        let which = expected[&(env.clone(), target.clone())];
        assert_eq!(
            bound_config,
            &json!(configs[target.as_str()][which].1),
            "{env}/{target}"
        );
        let deployed = if (env.as_str(), target.as_str()) == ("prod", "beta") {
            "2.0.0"
        } else {
            "1.0.0"
        };
        assert_eq!(desired, &json!(deployed), "{env}/{target}");
        let runs = if (env.as_str(), target.as_str()) == ("stage", "gamma") {
            "2.0.0"
        } else {
            "1.0.0"
        };
        assert_eq!(observed, &json!(runs), "{env}/{target}");
    }
    // This instance's matrix was loaded by a write and kept by the writes since; another
    // instance computes it from Postgres alone.
    let other = app.another_instance();
    let fresh = other.get("/v1/drifts", t);
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert_eq!(drift_cells(&fresh.body), cells);
    assert_eq!(fresh.body["items"], drifts.body["items"]);
}
