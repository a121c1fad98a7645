//! The server's database role must not be able to step around row-level security: not a
//! superuser, no BYPASSRLS, owning nothing (an owner is exempt from unforced policies and can
//! alter or drop them), and not a member of a role that is or does any of these.

use crate::{Store, StoreError};
use sea_orm::{DbBackend, FromQueryResult, Statement};

/// Why the connected role may not serve, one line per role that makes it unsafe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeRole {
    pub role: String,
    pub reasons: Vec<String>,
}

impl std::fmt::Display for UnsafeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the database role {} may bypass row-level security: {}; connect as the app role \
             (versiqii_app), which owns nothing and has no BYPASSRLS",
            self.role,
            self.reasons.join("; ")
        )
    }
}

#[derive(FromQueryResult)]
struct RoleFacts {
    rolname: String,
    is_self: bool,
    rolsuper: bool,
    rolbypassrls: bool,
    owns: bool,
}

/// The connected role and every role it is a member of (directly or not), with what each
/// could do to row-level security.
const FACTS: &str = "
select r.rolname, r.rolname = current_user as is_self, r.rolsuper, r.rolbypassrls,
       exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relowner = r.oid
                  and n.nspname not in ('pg_catalog', 'information_schema')
                  and n.nspname not like 'pg_toast%')
    or exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where p.proowner = r.oid and n.nspname not in ('pg_catalog', 'information_schema'))
    or exists (select 1 from pg_namespace n
                where n.nspowner = r.oid and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema')
    or exists (select 1 from pg_database d
                where d.datname = current_database() and d.datdba = r.oid) as owns
  from pg_roles r
 where pg_has_role(current_user, r.oid, 'MEMBER')
 order by is_self desc, r.rolname";

impl Store {
    /// `Ok(None)` when the connected role is safe to serve with.
    pub async fn unsafe_role(&self) -> Result<Option<UnsafeRole>, StoreError> {
        let facts =
            RoleFacts::find_by_statement(Statement::from_string(DbBackend::Postgres, FACTS))
                .all(&self.app)
                .await?;
        let mut reasons = Vec::new();
        let mut role = String::new();
        for f in facts {
            let who = if f.is_self {
                role = f.rolname.clone();
                "it".to_owned()
            } else {
                format!("its member role {}", f.rolname)
            };
            if f.rolsuper {
                reasons.push(format!("{who} is a superuser"));
            }
            if f.rolbypassrls {
                reasons.push(format!("{who} has BYPASSRLS"));
            }
            if f.owns {
                reasons.push(format!("{who} owns objects in the database"));
            }
        }
        if reasons.is_empty() {
            return Ok(None);
        }
        Ok(Some(UnsafeRole { role, reasons }))
    }
}
