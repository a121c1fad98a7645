use sea_orm::{DbErr, RuntimeErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; names the constraint so callers can say what clashed.
    #[error("already exists: {0}")]
    Conflict(String),
    /// Text Postgres cannot keep (U+0000, in `text` or in a `jsonb` string or key): the input's
    /// fault, so nothing was written and the caller says so.
    #[error("text with a U+0000 (NUL) character cannot be stored")]
    Unstorable,
    #[error("database: {0}")]
    Db(DbErr),
}

/// Postgres' SQLSTATE for a character its UTF-8 text cannot hold: `untranslatable_character`
/// (a `\u0000` escape in `jsonb`) and `character_not_in_repertoire` (a NUL byte in `text`).
const UNSTORABLE: [&str; 2] = ["22P05", "22021"];

fn sqlstate(err: &DbErr) -> Option<String> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    Some(e.as_database_error()?.code()?.into_owned())
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::Conflict(detail),
            _ if sqlstate(&err).is_some_and(|c| UNSTORABLE.contains(&c.as_str())) => {
                StoreError::Unstorable
            }
            _ => StoreError::Db(err),
        }
    }
}
