//! The checks an archive's rows must pass before anything is written: every content hash
//! recomputed, every reference resolved, numbering contiguous, keys unique.

use super::{ArchiveError, TenantRows};
use crate::canonical::content_hash;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

fn fail<T>(msg: String) -> Result<T, ArchiveError> {
    Err(ArchiveError::new(msg))
}

fn unique(seen: &mut BTreeSet<String>, key: String, file: &str) -> Result<(), ArchiveError> {
    if !seen.insert(key.clone()) {
        return fail(format!("{file}: `{key}` appears twice"));
    }
    Ok(())
}

fn one_of(file: &str, what: &str, value: &str, allowed: &[&str]) -> Result<(), ArchiveError> {
    if !allowed.contains(&value) {
        return fail(format!(
            "{file}: {what} `{value}` is not one of {allowed:?}"
        ));
    }
    Ok(())
}

/// Checks `rows` as a whole; the error names the file and the row that failed.
pub fn verify_rows(rows: &TenantRows) -> Result<(), ArchiveError> {
    const LEVELS: &[&str] = &[
        "BACKWARD",
        "BACKWARD_TRANSITIVE",
        "FORWARD",
        "FORWARD_TRANSITIVE",
        "FULL",
        "FULL_TRANSITIVE",
        "NONE",
    ];
    let mut families = BTreeSet::new();
    for f in &rows.families {
        unique(&mut families, f.name.clone(), "families.jsonl")?;
        one_of("families.jsonl", "compat_level", &f.compat_level, LEVELS)?;
        one_of(
            "families.jsonl",
            "format",
            &f.format,
            &["json_schema", "avro", "protobuf"],
        )?;
        one_of(
            "families.jsonl",
            "buf_category",
            &f.buf_category,
            &["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
        )?;
    }
    let formats: BTreeMap<&str, &str> = rows
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.format.as_str()))
        .collect();

    let mut schemas = BTreeSet::new();
    let mut seqs: BTreeMap<&str, i32> = BTreeMap::new();
    for s in &rows.schema_versions {
        let file = "schema_versions.jsonl";
        let key = format!("{}@{}", s.family, s.version);
        if !families.contains(&s.family) {
            return fail(format!("{file}: `{key}`'s family is not in the archive"));
        }
        unique(&mut schemas, key.clone(), file)?;
        let next = seqs.entry(&s.family).or_insert(0);
        *next += 1;
        if s.seq != *next {
            return fail(format!(
                "{file}: `{key}` has seq {} where {next} is due",
                s.seq
            ));
        }
        if content_hash(&s.document) != s.hash {
            return fail(format!(
                "{file}: `{key}`'s document does not match its hash"
            ));
        }
        one_of(file, "compat_level", &s.compat_level, LEVELS)?;
        let format = crate::contract::format_of(&s.document);
        if formats.get(s.family.as_str()) != Some(&format.as_str()) {
            return fail(format!(
                "{file}: `{key}` is a {} document in a family of another format",
                format.as_str()
            ));
        }
    }
    for s in &rows.schema_versions {
        let key = format!("{}@{}", s.family, s.version);
        for r in &s.references {
            if !schemas.contains(r) || r == &key {
                return fail(format!(
                    "schema_versions.jsonl: `{key}` references `{r}`, which is not another version in the archive"
                ));
            }
        }
    }

    let mut targets = BTreeMap::new();
    for t in &rows.targets {
        if !families.contains(&t.family) {
            return fail(format!(
                "targets.jsonl: `{}`'s family `{}` is not in the archive",
                t.name, t.family
            ));
        }
        if targets.insert(t.name.clone(), t.family.clone()).is_some() {
            return fail(format!("targets.jsonl: `{}` appears twice", t.name));
        }
    }

    let mut target_versions = BTreeSet::new();
    for v in &rows.target_versions {
        let file = "target_versions.jsonl";
        let key = format!("{}@{}", v.target, v.version);
        if !targets.contains_key(&v.target) {
            return fail(format!("{file}: `{key}`'s target is not in the archive"));
        }
        unique(&mut target_versions, key.clone(), file)?;
        one_of(file, "scheme", &v.scheme, &["semver", "git", "date"])?;
        if !schemas.contains(&format!("{}@{}", v.schema_family, v.schema_version)) {
            return fail(format!(
                "{file}: `{key}`'s schema version is not in the archive"
            ));
        }
    }

    let mut migrations = BTreeSet::new();
    for m in &rows.migrations {
        let file = "migrations.jsonl";
        let key = m.key();
        for end in [&m.from, &m.to] {
            if !schemas.contains(&format!("{}@{end}", m.family)) {
                return fail(format!(
                    "{file}: `{key}` names a schema version not in the archive"
                ));
            }
        }
        if m.from == m.to {
            return fail(format!("{file}: `{key}` goes nowhere"));
        }
        unique(&mut migrations, key.clone(), file)?;
        one_of(file, "kind", &m.kind, &["lens", "wasm"])?;
        let source = base64::engine::general_purpose::STANDARD
            .decode(&m.source)
            .map_err(|_| ArchiveError::new(format!("{file}: `{key}`'s source is not base64")))?;
        if hex::encode(Sha256::digest(&source)) != m.hash {
            return fail(format!("{file}: `{key}`'s source does not match its hash"));
        }
    }

    let mut configs = BTreeSet::new();
    for c in &rows.configs {
        unique(&mut configs, c.name.clone(), "configs.jsonl")?;
    }

    let mut revisions = BTreeSet::new();
    let mut latest: BTreeMap<&str, i32> = BTreeMap::new();
    for r in &rows.revisions {
        let file = "config_revisions.jsonl";
        let key = format!("{}#{}", r.config, r.revision);
        if !configs.contains(&r.config) {
            return fail(format!("{file}: `{key}`'s config is not in the archive"));
        }
        let next = latest.entry(&r.config).or_insert(0);
        *next += 1;
        if r.revision != *next {
            return fail(format!("{file}: `{key}` where revision {next} is due"));
        }
        if content_hash(&r.canonical) != r.hash {
            return fail(format!("{file}: `{key}`'s data does not match its hash"));
        }
        if !target_versions.contains(&format!("{}@{}", r.target, r.target_version)) {
            return fail(format!(
                "{file}: `{key}`'s target version is not in the archive"
            ));
        }
        one_of(file, "format", &r.format, &["json", "yaml"])?;
        if let Some(parent) = &r.parent {
            if !revisions.contains(parent) {
                return fail(format!(
                    "{file}: `{key}`'s parent `{parent}` comes before it nowhere"
                ));
            }
        }
        for step in r
            .migrated_by
            .iter()
            .flat_map(|m| m.as_array().into_iter().flatten())
        {
            let named = step
                .get("migration")
                .and_then(|m| m.as_str())
                .unwrap_or_default();
            if !migrations.contains(named) {
                return fail(format!(
                    "{file}: `{key}` was migrated by `{named}`, not in the archive"
                ));
            }
        }
        revisions.insert(key);
    }
    for (config, _) in latest {
        configs.remove(config);
    }
    if let Some(empty) = configs.first() {
        return fail(format!("configs.jsonl: `{empty}` has no revision"));
    }

    let mut envs = BTreeSet::new();
    for e in &rows.environments {
        unique(&mut envs, e.name.clone(), "environments.jsonl")?;
    }

    let mut constraints = BTreeSet::new();
    for c in &rows.constraints {
        let file = "constraints.jsonl";
        let version = format!("{}@{}", c.target, c.target_version);
        if !target_versions.contains(&version) {
            return fail(format!(
                "{file}: target version `{version}` is not in the archive"
            ));
        }
        one_of(file, "kind", &c.kind, &["requires", "accepts"])?;
        unique(
            &mut constraints,
            format!("{version} {} {}", c.kind, c.other_target),
            file,
        )?;
    }

    for (i, b) in rows.bindings.iter().enumerate() {
        let at = format!("bindings.jsonl line {}", i + 1);
        if !envs.contains(&b.env) {
            return fail(format!(
                "{at}: environment `{}` is not in the archive",
                b.env
            ));
        }
        if !target_versions.contains(&format!("{}@{}", b.target, b.target_version)) {
            return fail(format!("{at}: its target version is not in the archive"));
        }
        if !revisions.contains(&format!("{}#{}", b.config, b.revision)) {
            return fail(format!("{at}: its config revision is not in the archive"));
        }
        if !schemas.contains(&format!("{}@{}", b.schema_family, b.schema_version)) {
            return fail(format!("{at}: its schema version is not in the archive"));
        }
    }

    for (i, d) in rows.deployments.iter().enumerate() {
        let at = format!("deployments.jsonl line {}", i + 1);
        if !envs.contains(&d.env) {
            return fail(format!(
                "{at}: environment `{}` is not in the archive",
                d.env
            ));
        }
        if !target_versions.contains(&format!("{}@{}", d.target, d.target_version)) {
            return fail(format!("{at}: its target version is not in the archive"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{
        ConfigRec, FamilyRec, RevisionRec, SchemaVersionRec, TargetRec, TargetVersionRec,
    };
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn rows() -> TenantRows {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let doc = json!({"type": "object"});
        let revision = |n: i32, data: serde_json::Value| RevisionRec {
            config: "c".into(),
            revision: n,
            hash: content_hash(&data),
            target: "t".into(),
            target_version: "1.0.0".into(),
            format: "json".into(),
            original: data.to_string(),
            canonical: data,
            parent: (n > 1).then(|| format!("c#{}", n - 1)),
            migrated_by: None,
            created_by: "user:1".into(),
            created_at: at,
        };
        TenantRows {
            families: vec![FamilyRec {
                name: "F".into(),
                compat_level: "BACKWARD".into(),
                format: "json_schema".into(),
                buf_category: "WIRE_JSON".into(),
                created_at: at,
            }],
            schema_versions: vec![SchemaVersionRec {
                family: "F".into(),
                version: "v1".into(),
                seq: 1,
                hash: content_hash(&doc),
                document: doc,
                compat_level: "BACKWARD".into(),
                report: json!({}),
                references: vec![],
                created_by: "user:1".into(),
                created_at: at,
            }],
            targets: vec![TargetRec {
                name: "t".into(),
                family: "F".into(),
                created_at: at,
            }],
            target_versions: vec![TargetVersionRec {
                target: "t".into(),
                version: "1.0.0".into(),
                scheme: "semver".into(),
                schema_family: "F".into(),
                schema_version: "v1".into(),
                created_at: at,
            }],
            configs: vec![ConfigRec {
                name: "c".into(),
                created_at: at,
            }],
            revisions: vec![revision(1, json!({"a": 1})), revision(2, json!({"a": 2}))],
            ..TenantRows::default()
        }
    }

    #[test]
    fn consistent_rows_pass_and_each_break_is_named() {
        assert_eq!(verify_rows(&rows()), Ok(()));
        let mut changed = rows();
        changed.revisions[1].canonical = json!({"a": 3});
        assert!(verify_rows(&changed).expect_err("hash").0.contains("c#2"));
        let mut gap = rows();
        gap.revisions[1].revision = 3;
        assert!(verify_rows(&gap).is_err());
        let mut orphan = rows();
        orphan.revisions[0].parent = Some("c#2".into());
        assert!(verify_rows(&orphan)
            .expect_err("parent")
            .0
            .contains("parent"));
        let mut unknown = rows();
        unknown.target_versions[0].schema_version = "v9".into();
        assert!(verify_rows(&unknown).is_err());
        let mut dangling = rows();
        dangling.schema_versions[0].references = vec!["G@1".into()];
        assert!(verify_rows(&dangling)
            .expect_err("reference")
            .0
            .contains("`G@1`"));
        let mut mixed = rows();
        mixed.families[0].format = "avro".into();
        assert!(verify_rows(&mixed)
            .expect_err("format")
            .0
            .contains("json_schema document"));
    }
}
