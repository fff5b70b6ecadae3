-- Foundation: geography, strategy, organisation, accounts, sessions, audit.
-- Dates are TEXT 'YYYY-MM-DD'; instants are INTEGER epoch milliseconds (UTC);
-- flags are INTEGER 0/1. The PostgreSQL migration mirrors this file.

CREATE TABLE areas (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('city', 'district_area', 'district', 'place')),
    valid_from      TEXT,
    valid_to        TEXT,
    boundary        TEXT,
    boundary_source TEXT,
    lat             REAL,
    lon             REAL,
    kind            TEXT,
    exposed         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE area_parents (
    child      TEXT NOT NULL REFERENCES areas (code) ON DELETE CASCADE,
    parent     TEXT NOT NULL REFERENCES areas (code),
    valid_from TEXT,
    valid_to   TEXT,
    PRIMARY KEY (child, parent)
);
CREATE INDEX area_parents_parent ON area_parents (parent);

CREATE TABLE strategies (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL
);

CREATE TABLE strategy_areas (
    strategy TEXT NOT NULL REFERENCES strategies (code) ON DELETE CASCADE,
    area     TEXT NOT NULL REFERENCES areas (code),
    PRIMARY KEY (strategy, area)
);

CREATE TABLE strategy_elements (
    strategy    TEXT NOT NULL REFERENCES strategies (code) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (strategy, kind, code)
);

CREATE TABLE partners (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE org_groups (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('steering', 'preparation', 'working')),
    mandate  TEXT NOT NULL,
    end_date TEXT
);

CREATE TABLE group_members (
    group_code TEXT NOT NULL REFERENCES org_groups (code) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    partner    TEXT REFERENCES partners (code),
    role       TEXT,
    PRIMARY KEY (group_code, position)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE user_areas (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area    TEXT NOT NULL REFERENCES areas (code),
    PRIMARY KEY (user_id, area)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    record    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
