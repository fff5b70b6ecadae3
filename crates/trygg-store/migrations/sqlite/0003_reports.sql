-- Rapid action: incident report categories, responsibility zones, reports
-- with their updates and photos, partner API keys (Open311), the mail
-- outbox, and the weekly EST meeting's decision log.

ALTER TABLE partners ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN partner TEXT REFERENCES partners (code);

CREATE TABLE report_categories (
    code                  TEXT PRIMARY KEY,
    parent                TEXT REFERENCES report_categories (code),
    name_sv               TEXT NOT NULL,
    name_en               TEXT NOT NULL,
    description           TEXT NOT NULL,
    deadline_hours        INTEGER,
    deadline_working_days INTEGER,
    responsible_kind      TEXT NOT NULL,
    public                INTEGER NOT NULL,
    police                INTEGER NOT NULL,
    duplicate_radius_m    REAL NOT NULL,
    position              INTEGER NOT NULL,
    CHECK ((deadline_hours IS NULL) <> (deadline_working_days IS NULL))
);

CREATE TABLE responsibility_zones (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    partner    TEXT NOT NULL REFERENCES partners (code),
    boundary   TEXT NOT NULL,
    area_m2    REAL NOT NULL,
    categories TEXT NOT NULL
);

CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    category         TEXT NOT NULL REFERENCES report_categories (code),
    lat              REAL,
    lon              REAL,
    place            TEXT REFERENCES areas (code),
    area             TEXT NOT NULL REFERENCES areas (code),
    seen_at          INTEGER NOT NULL,
    description      TEXT NOT NULL,
    reporter_kind    TEXT NOT NULL CHECK (reporter_kind IN ('staff', 'partner', 'resident')),
    reporter_user    INTEGER REFERENCES users (id),
    reporter_partner TEXT REFERENCES partners (code),
    reporter_role    TEXT,
    reporter_email   TEXT,
    responsible      TEXT NOT NULL REFERENCES partners (code),
    zone             TEXT REFERENCES responsibility_zones (code),
    state            TEXT NOT NULL,
    due_at           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    acknowledged_at  INTEGER,
    fixed_at         INTEGER,
    closed_at        INTEGER,
    reopened         INTEGER NOT NULL DEFAULT 0,
    duplicate_of     INTEGER REFERENCES reports (id),
    token_hash       TEXT NOT NULL UNIQUE,
    source           TEXT NOT NULL
);
CREATE INDEX reports_area_created ON reports (area, created_at);
CREATE INDEX reports_responsible_state ON reports (responsible, state);
CREATE INDEX reports_category_created ON reports (category, created_at);
CREATE INDEX reports_updated ON reports (updated_at);

CREATE TABLE report_updates (
    id        INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    actor_org TEXT,
    state     TEXT,
    note      TEXT NOT NULL,
    public    INTEGER NOT NULL
);
CREATE INDEX report_updates_report ON report_updates (report_id, at);
CREATE INDEX report_updates_at ON report_updates (at);

CREATE TABLE report_photos (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        BLOB NOT NULL
);
CREATE INDEX report_photos_report ON report_photos (report_id);

CREATE TABLE partner_keys (
    id         INTEGER PRIMARY KEY,
    partner    TEXT NOT NULL REFERENCES partners (code),
    key_hash   TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    record          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

CREATE TABLE est_decisions (
    id    INTEGER PRIMARY KEY,
    area  TEXT NOT NULL REFERENCES areas (code),
    week  TEXT NOT NULL,
    text  TEXT NOT NULL,
    actor TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX est_decisions_area_week ON est_decisions (area, week);
