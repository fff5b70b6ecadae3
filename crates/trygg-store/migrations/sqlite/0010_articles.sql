-- Good examples: short articles for the public results page, published
-- through draft -> approved -> published. Instants are epoch ms; every
-- change is in the audit log (article.create, .update, .approve, .publish).

-- state: draft, approved or published.
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    area         TEXT NOT NULL REFERENCES areas (code),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'draft',
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    approved_by  TEXT,
    approved_at  INTEGER,
    published_by TEXT,
    published_at INTEGER
);
CREATE INDEX articles_state ON articles (state, published_at);
