//! Substring search over the trigram indexes (migrations 000014, 000017, 000023): on
//! SQLite the tables' FTS5 trigram shadows (`{table}_fts`), on PostgreSQL `LIKE` served by
//! pg_trgm GIN indexes. Areas use it for their search boxes and autocompletes.
use app::domain::records::like_pattern;
use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, LikeExpr},
};

/// The substring search on `search_key`: on SQLite, through the table's FTS5 trigram index
/// (queries of three characters or more; see migration 000014); otherwise `LIKE`, which
/// PostgreSQL serves from its trigram GIN index.
pub fn search(
    backend: sea_orm::DbBackend,
    table: &str,
    col: impl sea_orm::ColumnTrait,
    query: &str,
) -> Option<sea_orm::sea_query::SimpleExpr> {
    let pattern = like_pattern(query)?;
    let q = query.trim().to_lowercase();
    if backend == sea_orm::DbBackend::Sqlite && q.chars().count() >= 3 {
        let phrase = format!("\"{}\"", q.chars().take(100).collect::<String>().replace('"', "\"\""));
        return Some(Expr::cust_with_values(
            format!("{table}.id IN (SELECT {table}_id FROM {table}_fts WHERE {table}_fts MATCH ?)"),
            [phrase],
        ));
    }
    Some(like(col, pattern))
}

/// Autocomplete: ids of up to `limit` rows of `table` (`contact` or `previous_recipient`)
/// in the practice whose `search_key` contains `query`, with no ordering, so the database
/// stops at the first matches: on SQLite the FTS5 index drives a join; on PostgreSQL a
/// `LIKE` served from the pg_trgm index as a bitmap scan.
/// It takes the pool, not a transaction: its `SET LOCAL` must end with its own transaction.
pub async fn first_matches(
    db: &sea_orm::DatabaseConnection,
    table: &'static str,
    practice_id: &str,
    query: &str,
    limit: u64,
) -> Result<Vec<String>, sea_orm::DbErr> {
    #[derive(sea_orm::FromQueryResult)]
    struct Id {
        id: String,
    }
    let backend = db.get_database_backend();
    let q = query.trim().to_lowercase();
    let (sql, values): (String, Vec<sea_orm::Value>) = if backend == sea_orm::DbBackend::Sqlite
        && q.chars().count() >= 3
    {
        let phrase = format!("\"{}\"", q.chars().take(100).collect::<String>().replace('"', "\"\""));
        (
            format!(
                "SELECT {table}.id AS id FROM {table}_fts JOIN {table} ON {table}.id = {table}_fts.{table}_id \
                 WHERE {table}_fts MATCH $1 AND {table}.practice_id = $2 LIMIT {limit}"
            ),
            vec![phrase.into(), practice_id.into()],
        )
    } else {
        let Some(pattern) = like_pattern(query) else { return Ok(Vec::new()) };
        (
            format!("SELECT id FROM {table} WHERE practice_id = $1 AND search_key LIKE $2 ESCAPE '\\' LIMIT {limit}"),
            vec![practice_id.into(), pattern.into()],
        )
    };
    let stmt = sea_orm::Statement::from_sql_and_values(backend, crate::platform::db::sql(backend, &sql), values);
    use sea_orm::FromQueryResult;
    if backend != sea_orm::DbBackend::Postgres {
        return Ok(Id::find_by_statement(stmt).all(db).await?.into_iter().map(|r| r.id).collect());
    }
    // With a LIMIT and no order, PostgreSQL's planner expects a sequential scan to meet
    // enough matches early and picks it, which reads the whole table when the term is rare
    // or absent (60 ms at 100,000 contacts). Inside this transaction only plain scans are
    // ruled out, so it takes the pg_trgm GIN index as a bitmap: a few ms, common or rare.
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    txn.execute_unprepared("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off").await?;
    let ids = Id::find_by_statement(stmt).all(&txn).await?.into_iter().map(|r| r.id).collect();
    txn.commit().await?;
    Ok(ids)
}

/// The smallest string greater than every string starting with `prefix` (for an index
/// range `prefix <= key < upper`).
pub fn prefix_upper(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::from(char::MAX)
}

pub fn like(col: impl sea_orm::ColumnTrait, pattern: String) -> sea_orm::sea_query::SimpleExpr {
    Expr::col(col).like(LikeExpr::new(pattern).escape('\\'))
}
