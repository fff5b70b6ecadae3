//! Accounts, sessions and login-failure counting. Sessions and failures live
//! in the database so that several app servers can share them.

use crate::{Result, Store, StoreError, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Email, Name, Password, Role, hash_password};

/// A user account (the password hash is never loaded into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Login and contact address.
    pub email: Email,
    /// Display name.
    pub name: Name,
    /// Role.
    pub role: Role,
    /// The areas the role applies to.
    pub areas: Vec<Code>,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// The partner organisation the user works for, if any (its report queue is theirs).
    pub partner: Option<Code>,
}

/// What it takes to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login and contact address (unique).
    pub email: Email,
    /// Display name.
    pub name: Name,
    /// Role; `public` is not an account role.
    pub role: Role,
    /// The areas the role applies to.
    pub areas: Vec<Code>,
    /// An argon2id PHC string from [`trygg_core::hash_password`].
    pub password_hash: String,
}

/// A user to create from a plain password (see [`Store::add_user`]).
pub struct NewAccount {
    /// Login and contact address (unique).
    pub email: Email,
    /// Display name.
    pub name: Name,
    /// Role; `public` is not an account role.
    pub role: Role,
    /// The areas the role applies to.
    pub areas: Vec<Code>,
    /// The password, checked against the policy.
    pub password: Password,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The token forms must echo (synchronizer-token CSRF protection).
    pub csrf_token: String,
    /// When the session ends, epoch ms.
    pub expires_at: i64,
}

impl Store {
    /// Creates a user; a taken e-mail address is [`StoreError::Conflict`].
    pub async fn create_user(&self, u: &NewUser) -> Result<User> {
        if u.role == Role::Public {
            return Err(trygg_core::Invalid::new(
                "role",
                "public",
                "an account role (public is for anonymous visitors)",
            )
            .into());
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
        )
        .bind(u.email.as_str())
        .bind(u.name.as_str())
        .bind(u.role.as_str())
        .bind(&u.password_hash)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_or(e, "user", u.email.as_str()))?;
        for area in &u.areas {
            sqlx::query("INSERT INTO user_areas (user_id, area) VALUES ($1, $2)")
                .bind(id)
                .bind(area.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(ref d) if d.is_foreign_key_violation() => {
                        StoreError::NotFound { what: "area", key: area.to_string() }
                    }
                    e => e.into(),
                })?;
        }
        tx.commit().await?;
        Ok(User {
            id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            areas: u.areas.clone(),
            disabled: false,
            partner: None,
        })
    }

    /// Hashes the password on a blocking thread, creates the user and
    /// records `user.create` by `actor` in the audit log.
    pub async fn add_user(&self, actor: &str, account: NewAccount) -> Result<User> {
        let NewAccount { email, name, role, areas, password } = account;
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Internal(format!("password hashing failed: {e}")))?;
        let user = self.create_user(&NewUser { email, name, role, areas, password_hash }).await?;
        self.audit(actor, "user.create", &format!("user:{}", user.id), role.as_str()).await?;
        Ok(user)
    }

    /// All users by e-mail address.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT id, email, name, role, disabled, partner FROM users ORDER BY email")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.user_from_row(&row).await?);
        }
        Ok(out)
    }

    /// A user with their password hash, for signing in.
    pub async fn user_for_login(&self, email: &Email) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT id, email, name, role, disabled, partner, password_hash FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((self.user_from_row(&row).await?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, email, name, role, disabled, partner FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.user_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    /// Replaces a user's password hash and ends all their sessions.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound { what: "user", key: user_id.to_string() });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links a user to the partner organisation they work for (or unlinks:
    /// `None`), and records it in the audit log.
    pub async fn set_user_partner(&self, actor: &str, user_id: i64, partner: Option<&Code>) -> Result<()> {
        let n = sqlx::query("UPDATE users SET partner = $1 WHERE id = $2")
            .bind(partner.map(Code::as_str))
            .bind(user_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound { what: "user", key: user_id.to_string() });
        }
        let detail = partner.map_or("", Code::as_str);
        self.audit(actor, "user.partner", &format!("user:{user_id}"), detail).await.map(|_| ())
    }

    /// Enables or disables an account; disabling ends its sessions.
    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn user_from_row(&self, row: &AnyRow) -> Result<User> {
        let id: i64 = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let areas = sqlx::query("SELECT area FROM user_areas WHERE user_id = $1 ORDER BY area")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| parse(r, "area"))
            .collect::<Result<_>>()?;
        Ok(User {
            id,
            email: parse(row, "email")?,
            name: Name::new(&name)?,
            role: parse(row, "role")?,
            areas,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
            partner: row.try_get::<Option<String>, _>("partner")?.map(|p| Code::new(&p)).transpose()?,
        })
    }

    /// Stores a new session under the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session with this token hash, if any (expired sessions and
    /// disabled users give `None`).
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.csrf_token, s.expires_at, u.id, u.email, u.name, u.role, u.disabled, u.partner \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(Session {
                user: self.user_from_row(&row).await?,
                csrf_token: row.try_get("csrf_token")?,
                expires_at: row.try_get("expires_at")?,
            })),
            None => Ok(None),
        }
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes expired sessions and login failures older than `keep_ms`.
    pub async fn prune(&self, keep_ms: i64) -> Result<()> {
        let now = now_ms();
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - keep_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed login for `key` (an e-mail address or a client address).
    pub async fn record_login_failure(&self, key: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many failed logins `key` has had since `since_ms`.
    pub async fn login_failures_since(&self, key: &str, since_ms: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
            .bind(key)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Forgets the failures of `key` (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }
}
