-- Imported data: one provenance row per import, and point events (police
-- events, incidents from other systems) with their change history.

CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    accepted    INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL
);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    category      TEXT NOT NULL,
    occurred_at   INTEGER NOT NULL,
    published_at  INTEGER,
    title         TEXT,
    summary       TEXT,
    url           TEXT,
    location_name TEXT,
    municipality  TEXT,
    lat           REAL,
    lon           REAL,
    area          TEXT REFERENCES areas (code),
    area_method   TEXT,
    content_hash  TEXT NOT NULL,
    import_run    INTEGER NOT NULL REFERENCES import_runs (id),
    UNIQUE (source, source_id)
);
CREATE INDEX events_area_time ON events (area, occurred_at);
CREATE INDEX events_time ON events (occurred_at);

CREATE TABLE event_history (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    replaced_at  INTEGER NOT NULL,
    import_run   INTEGER NOT NULL REFERENCES import_runs (id),
    previous     TEXT NOT NULL
);
CREATE INDEX event_history_event ON event_history (event_id);
