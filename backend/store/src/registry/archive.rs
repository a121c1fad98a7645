//! A tenant's registry read whole for an archive, and written whole from a verified one. Rows
//! are named by natural keys in the archive; ids are this installation's, made on import.

use crate::{StoreError, TenantTx};
use sea_orm::ConnectionTrait;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;
use versiqii_core::archive::{migration_key, EvidenceRec, TenantRows};

/// Rows per insert statement, and the JSON bytes one statement carries at most (a single
/// larger row goes alone): each statement's parameter and time stay bounded.
const CHUNK_ROWS: usize = 1000;
const CHUNK_BYTES: usize = 4 << 20;

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Db(sea_orm::DbErr::Json(e.to_string())))
}

impl TenantTx {
    /// Whether the tenant holds no registry data and no carried evidence (an import's target).
    pub async fn registry_is_empty(&self) -> Result<bool, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select not (exists (select 1 from families) or exists (select 1 from targets)
                   or exists (select 1 from configs) or exists (select 1 from environments)
                   or exists (select 1 from audit_evidence)) as empty",
                [],
            ))
            .await?;
        Ok(row.map_or(Ok(false), |r| r.try_get("", "empty"))?)
    }

    /// Serialises imports into this tenant until the transaction ends.
    pub async fn lock_import(&self) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("import:{}", self.tenant().0).into()],
            ))
            .await?;
        Ok(())
    }

    /// `inner`'s rows as JSON objects (its columns are the archive's fields but `_seq`, which
    /// only orders), sorted by `order` over `x`; names sort by bytes (`collate "C"`), the same
    /// on every installation.
    async fn json_rows<T: DeserializeOwned>(
        &self,
        inner: &str,
        order: &str,
    ) -> Result<Vec<T>, StoreError> {
        self.connection()
            .query_all(Self::stmt(
                &format!("select to_jsonb(x) - '_seq' as row from ({inner}) x order by {order}"),
                [],
            ))
            .await?
            .into_iter()
            .map(|r| decode(r.try_get::<Value>("", "row")?))
            .collect()
    }

    /// Everything an archive carries, in the archive's orders.
    pub async fn export_rows(&self) -> Result<TenantRows, StoreError> {
        let mut rows = TenantRows {
            families: self
                .json_rows(
                    "select name, compat_level, format, buf_category, created_at from families",
                    r#"x.name collate "C""#,
                )
                .await?,
            schema_versions: self
                .json_rows(
                    "select f.name as family, s.version, s.seq, s.hash, s.document, s.compat_level,
                            s.report, s.created_by, s.created_at,
                            coalesce((select jsonb_agg(r.label order by r.position)
                                      from schema_version_refs r where r.schema_version_id = s.id),
                                     '[]') as \"references\"
                     from schema_versions s join families f on f.id = s.family_id",
                    r#"x.family collate "C", x.seq"#,
                )
                .await?,
            targets: self
                .json_rows(
                    "select t.name, f.name as family, t.created_at
                     from targets t join families f on f.id = t.family_id",
                    r#"x.name collate "C""#,
                )
                .await?,
            target_versions: self
                .json_rows(
                    "select t.name as target, v.version, v.scheme, f.name as schema_family,
                            s.version as schema_version, v.created_at
                     from target_versions v join targets t on t.id = v.target_id
                     join schema_versions s on s.id = v.schema_version_id
                     join families f on f.id = s.family_id",
                    r#"x.target collate "C", x.version collate "C""#,
                )
                .await?,
            migrations: self
                .json_rows(
                    r#"select f.name as family, a.version as "from", b.version as "to", m.kind,
                            translate(encode(m.source, 'base64'), E'\n', '') as source, m.hash,
                            m.created_by, m.created_at
                     from migrations m join families f on f.id = m.family_id
                     join schema_versions a on a.id = m.from_schema_version_id
                     join schema_versions b on b.id = m.to_schema_version_id"#,
                    r#"x.family collate "C", x."from" collate "C", x."to" collate "C""#,
                )
                .await?,
            configs: self
                .json_rows(
                    "select name, created_at from configs",
                    r#"x.name collate "C""#,
                )
                .await?,
            revisions: self
                .json_rows(
                    "select c.name as config, r.revision, r.hash, t.name as target,
                            v.version as target_version, r.format, r.original, r.canonical,
                            pc.name || '#' || p.revision as parent, r.migrated_by, r.created_by,
                            r.created_at
                     from config_revisions r join configs c on c.id = r.config_id
                     join target_versions v on v.id = r.target_version_id
                     join targets t on t.id = v.target_id
                     left join config_revisions p on p.id = r.parent_id
                     left join configs pc on pc.id = p.config_id",
                    r#"x.config collate "C", x.revision"#,
                )
                .await?,
            environments: self
                .json_rows(
                    "select name, created_at from environments",
                    r#"x.name collate "C""#,
                )
                .await?,
            constraints: self
                .json_rows(
                    "select t.name as target, v.version as target_version, k.kind, k.other_target,
                            k.range, k.created_by, k.created_at
                     from constraints k join target_versions v on v.id = k.target_version_id
                     join targets t on t.id = v.target_id",
                    r#"x.target collate "C", x.target_version collate "C", x.kind collate "C",
                       x.other_target collate "C""#,
                )
                .await?,
            bindings: self
                .json_rows(
                    "select e.name as env, t.name as target, v.version as target_version,
                            c.name as config, r.revision, f.name as schema_family,
                            s.version as schema_version, b.created_by, b.created_at,
                            b.seq as _seq
                     from bindings b join environments e on e.id = b.environment_id
                     join targets t on t.id = b.target_id
                     join target_versions v on v.id = b.target_version_id
                     join config_revisions r on r.id = b.config_revision_id
                     join configs c on c.id = r.config_id
                     join schema_versions s on s.id = b.schema_version_id
                     join families f on f.id = s.family_id",
                    "x._seq",
                )
                .await?,
            deployments: self
                .json_rows(
                    "select e.name as env, t.name as target, v.version as target_version,
                            d.forced, d.plan, d.created_by, d.created_at, d.seq as _seq
                     from deployments d join environments e on e.id = d.environment_id
                     join targets t on t.id = d.target_id
                     join target_versions v on v.id = d.target_version_id",
                    "x._seq",
                )
                .await?,
            evidence: self.evidence().await?,
        };
        self.name_migrations_in_steps(&mut rows).await?;
        Ok(rows)
    }

    /// Carried evidence, then this tenant's own chain after its last import (all of it when it
    /// never imported): the history an export passes on.
    async fn evidence(&self) -> Result<Vec<EvidenceRec>, StoreError> {
        let carried: Vec<Value> = self
            .connection()
            .query_all(Self::stmt(
                "select event from audit_evidence order by pos",
                [],
            ))
            .await?
            .into_iter()
            .map(|r| r.try_get("", "event"))
            .collect::<Result<_, _>>()?;
        let mut out: Vec<EvidenceRec> =
            carried.into_iter().map(decode).collect::<Result<_, _>>()?;
        let tenant = self.tenant().0;
        let own: Vec<EvidenceRec> = self
            .json_rows(
                &format!(
                    "select '{tenant}'::uuid as tenant, seq, id, actor, action, object,
                            before_hash, after_hash, prev_hash, hash, at, hash_version
                     from audit_events
                     where seq > coalesce((select max(seq) from audit_events
                                           where action = 'tenant.import'), 0)"
                ),
                "x.seq",
            )
            .await?;
        out.extend(own);
        Ok(out)
    }

    /// `migrated_by` steps name their migration by id; the archive names it by its edge.
    async fn name_migrations_in_steps(&self, rows: &mut TenantRows) -> Result<(), StoreError> {
        let names: BTreeMap<String, String> = self
            .connection()
            .query_all(Self::stmt(
                "select m.id::text as id, f.name as family, a.version as from_v,
                        b.version as to_v
                 from migrations m join families f on f.id = m.family_id
                 join schema_versions a on a.id = m.from_schema_version_id
                 join schema_versions b on b.id = m.to_schema_version_id",
                [],
            ))
            .await?
            .into_iter()
            .map(|r| {
                Ok((
                    r.try_get::<String>("", "id")?,
                    migration_key(
                        &r.try_get::<String>("", "family")?,
                        &r.try_get::<String>("", "from_v")?,
                        &r.try_get::<String>("", "to_v")?,
                    ),
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        for rev in &mut rows.revisions {
            for step in steps(&mut rev.migrated_by) {
                if let Some(Value::String(id)) = step.remove("migration_id") {
                    let name = names.get(&id).cloned().unwrap_or(id);
                    step.insert("migration".into(), Value::String(name));
                }
            }
        }
        Ok(())
    }

    /// Writes a verified archive's rows (see `versiqii_core::archive::verify_rows`) with new
    /// ids. Every reference is resolved here from the archive's own keys.
    pub async fn import_rows(&self, rows: &TenantRows) -> Result<(), StoreError> {
        let mut ids: BTreeMap<String, Uuid> = BTreeMap::new();
        let mut id = |kind: &str, key: &str| -> Uuid {
            *ids.entry(format!("{kind}:{key}"))
                .or_insert_with(Uuid::new_v4)
        };
        let families: Vec<Value> = rows
            .families
            .iter()
            .map(|f| {
                json!({"id": id("f", &f.name), "name": f.name, "compat_level": f.compat_level,
                "format": f.format, "buf_category": f.buf_category, "created_at": f.created_at})
            })
            .collect();
        let schemas: Vec<Value> = rows
            .schema_versions
            .iter()
            .map(|s| json!({
                "id": id("s", &format!("{}@{}", s.family, s.version)), "family_id": id("f", &s.family),
                "version": s.version, "seq": s.seq, "hash": s.hash, "document": s.document,
                "compat_level": s.compat_level, "report": s.report, "created_by": s.created_by,
                "created_at": s.created_at}))
            .collect();
        let mut schema_refs: Vec<Value> = Vec::new();
        for s in &rows.schema_versions {
            let from = id("s", &format!("{}@{}", s.family, s.version));
            for (position, label) in s.references.iter().enumerate() {
                schema_refs.push(
                    json!({"schema_version_id": from, "referenced_id": id("s", label),
                    "label": label, "position": position}),
                );
            }
        }
        let targets: Vec<Value> = rows
            .targets
            .iter()
            .map(|t| json!({"id": id("t", &t.name), "name": t.name, "family_id": id("f", &t.family), "created_at": t.created_at}))
            .collect();
        let versions: Vec<Value> = rows
            .target_versions
            .iter()
            .map(|v| json!({
                "id": id("v", &format!("{}@{}", v.target, v.version)), "target_id": id("t", &v.target),
                "version": v.version, "scheme": v.scheme,
                "schema_version_id": id("s", &format!("{}@{}", v.schema_family, v.schema_version)),
                "created_at": v.created_at}))
            .collect();
        let migrations: Vec<Value> = rows
            .migrations
            .iter()
            .map(|m| {
                json!({
                "id": id("m", &m.key()), "family_id": id("f", &m.family),
                "from_schema_version_id": id("s", &format!("{}@{}", m.family, m.from)),
                "to_schema_version_id": id("s", &format!("{}@{}", m.family, m.to)),
                "kind": m.kind, "source": m.source, "hash": m.hash, "created_by": m.created_by,
                "created_at": m.created_at})
            })
            .collect();
        let configs: Vec<Value> = rows
            .configs
            .iter()
            .map(|c| json!({"id": id("c", &c.name), "name": c.name, "created_at": c.created_at}))
            .collect();
        let mut revisions = Vec::with_capacity(rows.revisions.len());
        for r in &rows.revisions {
            let mut migrated_by = r.migrated_by.clone();
            for step in steps(&mut migrated_by) {
                if let Some(Value::String(name)) = step.remove("migration") {
                    step.insert("migration_id".into(), json!(id("m", &name)));
                }
            }
            revisions.push(json!({
                "id": id("r", &format!("{}#{}", r.config, r.revision)), "config_id": id("c", &r.config),
                "revision": r.revision, "hash": r.hash,
                "target_version_id": id("v", &format!("{}@{}", r.target, r.target_version)),
                "format": r.format, "original": r.original, "canonical": r.canonical,
                "parent_id": r.parent.as_ref().map(|p| id("r", p)), "migrated_by": migrated_by,
                "created_by": r.created_by, "created_at": r.created_at}));
        }
        let envs: Vec<Value> = rows
            .environments
            .iter()
            .map(|e| json!({"id": id("e", &e.name), "name": e.name, "created_at": e.created_at}))
            .collect();
        let constraints: Vec<Value> = rows
            .constraints
            .iter()
            .map(|c| {
                json!({
                "id": Uuid::new_v4(),
                "target_version_id": id("v", &format!("{}@{}", c.target, c.target_version)),
                "kind": c.kind, "other_target": c.other_target, "range": c.range,
                "created_by": c.created_by, "created_at": c.created_at})
            })
            .collect();
        let bindings: Vec<Value> = rows
            .bindings
            .iter()
            .map(|b| json!({
                "id": Uuid::new_v4(), "environment_id": id("e", &b.env), "target_id": id("t", &b.target),
                "target_version_id": id("v", &format!("{}@{}", b.target, b.target_version)),
                "config_revision_id": id("r", &format!("{}#{}", b.config, b.revision)),
                "schema_version_id": id("s", &format!("{}@{}", b.schema_family, b.schema_version)),
                "created_by": b.created_by, "created_at": b.created_at}))
            .collect();
        let deployments: Vec<Value> = rows
            .deployments
            .iter()
            .map(|d| json!({
                "id": Uuid::new_v4(), "environment_id": id("e", &d.env), "target_id": id("t", &d.target),
                "target_version_id": id("v", &format!("{}@{}", d.target, d.target_version)),
                "forced": d.forced, "plan": d.plan, "created_by": d.created_by,
                "created_at": d.created_at}))
            .collect();
        let evidence: Vec<Value> = rows
            .evidence
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"pos": i + 1, "event": e}))
            .collect();

        self.bulk_insert(
            "families",
            "id uuid, name text, compat_level text, format text, buf_category text, created_at timestamptz",
            "id, name, compat_level, format, buf_category, created_at",
            &families,
        )
        .await?;
        self.bulk_insert("schema_versions", "id uuid, family_id uuid, version text, seq int, hash text, document jsonb, compat_level text, report jsonb, created_by text, created_at timestamptz", "id, family_id, version, seq, hash, document, compat_level, report, created_by, created_at", &schemas).await?;
        self.bulk_insert(
            "schema_version_refs",
            "schema_version_id uuid, referenced_id uuid, label text, position int",
            "schema_version_id, referenced_id, label, position",
            &schema_refs,
        )
        .await?;
        self.bulk_insert(
            "targets",
            "id uuid, name text, family_id uuid, created_at timestamptz",
            "id, name, family_id, created_at",
            &targets,
        )
        .await?;
        self.bulk_insert("target_versions", "id uuid, target_id uuid, version text, scheme text, schema_version_id uuid, created_at timestamptz", "id, target_id, version, scheme, schema_version_id, created_at", &versions).await?;
        self.bulk_insert_mapped("migrations", "id uuid, family_id uuid, from_schema_version_id uuid, to_schema_version_id uuid, kind text, source text, hash text, created_by text, created_at timestamptz", "id, family_id, from_schema_version_id, to_schema_version_id, kind, source, hash, created_by, created_at", "id, family_id, from_schema_version_id, to_schema_version_id, kind, decode(source, 'base64'), hash, created_by, created_at", &migrations).await?;
        self.bulk_insert(
            "configs",
            "id uuid, name text, created_at timestamptz",
            "id, name, created_at",
            &configs,
        )
        .await?;
        self.bulk_insert("config_revisions", "id uuid, config_id uuid, revision int, hash text, target_version_id uuid, format text, original text, canonical jsonb, parent_id uuid, migrated_by jsonb, created_by text, created_at timestamptz", "id, config_id, revision, hash, target_version_id, format, original, canonical, parent_id, migrated_by, created_by, created_at", &revisions).await?;
        self.bulk_insert(
            "environments",
            "id uuid, name text, created_at timestamptz",
            "id, name, created_at",
            &envs,
        )
        .await?;
        self.bulk_insert("constraints", "id uuid, target_version_id uuid, kind text, other_target text, range text, created_by text, created_at timestamptz", "id, target_version_id, kind, other_target, range, created_by, created_at", &constraints).await?;
        self.bulk_insert("bindings", "id uuid, environment_id uuid, target_id uuid, target_version_id uuid, config_revision_id uuid, schema_version_id uuid, created_by text, created_at timestamptz", "id, environment_id, target_id, target_version_id, config_revision_id, schema_version_id, created_by, created_at", &bindings).await?;
        self.bulk_insert("deployments", "id uuid, environment_id uuid, target_id uuid, target_version_id uuid, forced boolean, plan jsonb, created_by text, created_at timestamptz", "id, environment_id, target_id, target_version_id, forced, plan, created_by, created_at", &deployments).await?;
        self.bulk_insert(
            "audit_evidence",
            "pos int, event jsonb",
            "pos, event",
            &evidence,
        )
        .await?;
        Ok(())
    }

    async fn bulk_insert(
        &self,
        table: &str,
        record: &str,
        columns: &str,
        rows: &[Value],
    ) -> Result<(), StoreError> {
        self.bulk_insert_mapped(table, record, columns, columns, rows)
            .await
    }

    /// Inserts `rows` (objects with `record`'s fields) in their order (a function scan keeps
    /// the array's), so serial columns (bindings' and deployments' seq) number them as the
    /// source did.
    async fn bulk_insert_mapped(
        &self,
        table: &str,
        record: &str,
        columns: &str,
        values: &str,
        rows: &[Value],
    ) -> Result<(), StoreError> {
        let sql = format!(
            "insert into {table} (tenant_id, {columns})
             select $1, {values}
             from jsonb_to_recordset($2) as x({record})"
        );
        let mut start = 0;
        while start < rows.len() {
            let (mut end, mut bytes) = (start, 0);
            while end < rows.len() && end - start < CHUNK_ROWS && bytes < CHUNK_BYTES {
                bytes += rows[end].to_string().len();
                end += 1;
            }
            self.connection()
                .execute(Self::stmt(
                    &sql,
                    [
                        self.tenant().0.into(),
                        Value::Array(rows[start..end].to_vec()).into(),
                    ],
                ))
                .await?;
            start = end;
        }
        Ok(())
    }
}

/// The steps of a `migrated_by` list, as objects.
fn steps(
    migrated_by: &mut Option<Value>,
) -> impl Iterator<Item = &mut serde_json::Map<String, Value>> {
    migrated_by
        .as_mut()
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}
