//! Good examples: short articles for the public results page (migration 10),
//! published through draft → approved → published. Titles and bodies refuse
//! personal data; every change is audited in its transaction
//! (`article.create`, `.update`, `.approve`, `.publish`). A state change
//! is a conditional `UPDATE`, so two people acting at once cannot skip a step.

use crate::{Result, Store, StoreError, audit, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Invalid, find_personal_data};

/// The longest title accepted, in characters.
pub const MAX_ARTICLE_TITLE: usize = 200;
/// The longest body accepted, in characters.
pub const MAX_ARTICLE_BODY: usize = 6_000;

/// Where an article is in its publishing workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArticleState {
    /// Being written; not public.
    Draft,
    /// Approved by the steering group; not yet public.
    Approved,
    /// On the public results page.
    Published,
}

impl ArticleState {
    /// `draft`, `approved` or `published`.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Approved => "approved",
            ArticleState::Published => "published",
        }
    }
}

impl std::str::FromStr for ArticleState {
    type Err = Invalid;

    fn from_str(s: &str) -> std::result::Result<Self, Invalid> {
        match s {
            "draft" => Ok(ArticleState::Draft),
            "approved" => Ok(ArticleState::Approved),
            "published" => Ok(ArticleState::Published),
            other => Err(Invalid::new("state", other, "draft, approved or published")),
        }
    }
}

/// An article's fields, for writing or changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// The area it is about.
    pub area: Code,
    /// Title: 1–[`MAX_ARTICLE_TITLE`] characters, no personal data.
    pub title: String,
    /// Text: 1–[`MAX_ARTICLE_BODY`] characters, no personal data.
    pub body: String,
}

/// A stored article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Database id.
    pub id: i64,
    /// The area it is about.
    pub area: Code,
    /// Title.
    pub title: String,
    /// Text (paragraphs separated by blank lines).
    pub body: String,
    /// Workflow state.
    pub state: ArticleState,
    /// Who wrote it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Who approved it (cleared when the text changes).
    pub approved_by: Option<String>,
    /// When, epoch ms.
    pub approved_at: Option<i64>,
    /// Who published it.
    pub published_by: Option<String>,
    /// When, epoch ms.
    pub published_at: Option<i64>,
}

const COLUMNS: &str = "id, area, title, body, state, created_by, created_at, updated_at, approved_by, \
     approved_at, published_by, published_at";

fn from_row(r: &AnyRow) -> Result<Article> {
    Ok(Article {
        id: r.try_get("id")?,
        area: parse(r, "area")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        state: parse(r, "state")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        approved_by: r.try_get("approved_by")?,
        approved_at: r.try_get("approved_at")?,
        published_by: r.try_get("published_by")?,
        published_at: r.try_get("published_at")?,
    })
}

/// Trims a text and checks its length and that it holds no personal data.
fn clean(field: &'static str, s: &str, max: usize) -> Result<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 || n > max {
        return Err(Invalid::new(field, &format!("{n} characters"), format!("1–{max} characters")).into());
    }
    if let Some(found) = find_personal_data(s).first() {
        let expected = "no personal data (identity numbers, phone, e-mail)";
        return Err(Invalid::new(field, &format!("{found:?}"), expected).into());
    }
    Ok(s.to_owned())
}

fn conflict(id: i64, state: ArticleState, wanted: &str) -> StoreError {
    StoreError::Conflict {
        what: "article state",
        key: format!("article {id} is {}, {wanted}", state.as_str()),
    }
}

impl Store {
    /// Writes a draft; audited as `article.create`.
    pub async fn create_article(&self, actor: &str, a: &NewArticle) -> Result<Article> {
        let (title, body) =
            (clean("title", &a.title, MAX_ARTICLE_TITLE)?, clean("body", &a.body, MAX_ARTICLE_BODY)?);
        if self.area(&a.area).await?.is_none() {
            return Err(StoreError::NotFound { what: "area", key: a.area.to_string() });
        }
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO articles (area, title, body, state, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, $5, $5) RETURNING id",
        )
        .bind(a.area.as_str())
        .bind(&title)
        .bind(&body)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::append(&mut tx, actor, "article.create", &format!("article:{id}"), a.area.as_str()).await?;
        tx.commit().await?;
        self.require_article(id).await
    }

    /// Changes a draft or approved article's text, which makes it a draft
    /// again (its approval no longer holds); a published article is not
    /// changed ([`StoreError::Conflict`]). Audited as `article.update`.
    pub async fn update_article(&self, actor: &str, id: i64, a: &NewArticle) -> Result<Article> {
        let (title, body) =
            (clean("title", &a.title, MAX_ARTICLE_TITLE)?, clean("body", &a.body, MAX_ARTICLE_BODY)?);
        let current = self.require_article(id).await?;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE articles SET area = $1, title = $2, body = $3, state = 'draft', approved_by = NULL, \
             approved_at = NULL, updated_at = $4 WHERE id = $5 AND state <> 'published'",
        )
        .bind(a.area.as_str())
        .bind(&title)
        .bind(&body)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(conflict(id, current.state, "a published article is not changed"));
        }
        let detail = format!("was {}", current.state.as_str());
        audit::append(&mut tx, actor, "article.update", &format!("article:{id}"), &detail).await?;
        tx.commit().await?;
        self.require_article(id).await
    }

    /// Approves a draft (the steering group's step); audited as `article.approve`.
    pub async fn approve_article(&self, actor: &str, id: i64) -> Result<Article> {
        self.step(
            actor,
            id,
            ArticleState::Draft,
            "approved",
            "approved_by = $1, approved_at = $2",
            "article.approve",
        )
        .await
    }

    /// Publishes an approved article on the results page; audited as `article.publish`.
    pub async fn publish_article(&self, actor: &str, id: i64) -> Result<Article> {
        let set = "published_by = $1, published_at = $2";
        self.step(actor, id, ArticleState::Approved, "published", set, "article.publish").await
    }

    /// Moves an article from `from` to `to`, setting `set` ($1 actor, $2 now), audited as `action`.
    async fn step(
        &self,
        actor: &str,
        id: i64,
        from: ArticleState,
        to: &str,
        set: &str,
        action: &str,
    ) -> Result<Article> {
        let current = self.require_article(id).await?;
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE articles SET state = '{to}', {set}, updated_at = $2 WHERE id = $3 AND state = '{}'",
            from.as_str()
        );
        let changed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(actor)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(conflict(
                id,
                current.state,
                &format!("only a {} article can be {to}", from.as_str()),
            ));
        }
        audit::append(&mut tx, actor, action, &format!("article:{id}"), to).await?;
        tx.commit().await?;
        self.require_article(id).await
    }

    /// One article.
    pub async fn article(&self, id: i64) -> Result<Option<Article>> {
        let sql = format!("SELECT {COLUMNS} FROM articles WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    async fn require_article(&self, id: i64) -> Result<Article> {
        self.article(id).await?.ok_or(StoreError::NotFound { what: "article", key: id.to_string() })
    }

    /// Every article, newest first (for staff).
    pub async fn articles(&self) -> Result<Vec<Article>> {
        let sql = format!("SELECT {COLUMNS} FROM articles ORDER BY updated_at DESC, id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// The published articles, latest publication first (for the public).
    pub async fn published_articles(&self) -> Result<Vec<Article>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM articles WHERE state = 'published' ORDER BY published_at DESC, id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::on_every_backend;
    use trygg_core::{Area, AreaLevel, Name};

    async fn workflow(store: Store) {
        let jarva = Code::new("jarva").unwrap();
        let area = Area::new(jarva.clone(), Name::new("Järva").unwrap(), AreaLevel::DistrictArea);
        store.upsert_area(&area).await.unwrap();
        let new =
            NewArticle { area: jarva.clone(), title: " Läxhjälp ".into(), body: "Biblioteket.".into() };
        for bad in ["Ring 070-123 45 67", "19121212-1212", "skriv till a@example.se", " "] {
            let wrong = NewArticle { body: bad.into(), ..new.clone() };
            assert!(
                matches!(store.create_article("user:1", &wrong).await, Err(StoreError::Invalid(_))),
                "{bad}"
            );
        }
        let unknown = NewArticle { area: Code::new("atlantis").unwrap(), ..new.clone() };
        assert!(matches!(store.create_article("user:1", &unknown).await, Err(StoreError::NotFound { .. })));
        let a = store.create_article("user:1", &new).await.unwrap();
        assert_eq!((a.state, a.title.as_str()), (ArticleState::Draft, "Läxhjälp"));
        assert!(matches!(store.publish_article("user:1", a.id).await, Err(StoreError::Conflict { .. })));
        let a = store.approve_article("user:2", a.id).await.unwrap();
        assert_eq!((a.state, a.approved_by.as_deref()), (ArticleState::Approved, Some("user:2")));
        assert!(matches!(store.approve_article("user:2", a.id).await, Err(StoreError::Conflict { .. })));
        assert!(store.published_articles().await.unwrap().is_empty());
        let a = store.publish_article("user:1", a.id).await.unwrap();
        assert_eq!(a.state, ArticleState::Published);
        assert!(a.published_at.is_some());
        assert!(matches!(store.update_article("user:1", a.id, &new).await, Err(StoreError::Conflict { .. })));
        assert_eq!(store.published_articles().await.unwrap(), vec![a.clone()]);
        assert_eq!(store.articles().await.unwrap().len(), 1);
        let actions: Vec<String> = store
            .audit_entries(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.record == format!("article:{}", a.id))
            .map(|e| e.action)
            .collect();
        for action in ["article.create", "article.approve", "article.publish"] {
            assert_eq!(actions.iter().filter(|x| *x == action).count(), 1, "{action}: {actions:?}");
        }
    }

    #[tokio::test]
    async fn articles_follow_their_workflow_on_every_backend() {
        on_every_backend(workflow).await;
    }
}
