-- Published reports (situation and tertial reports), kept exactly as they
-- were published: the whole document as JSON, which every output (web
-- page, HTML, PDF, XLSX) is rendered from. Versions of one report (kind,
-- area, period, language) count up from 1; a row is never changed.

CREATE TABLE report_snapshots (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    area         TEXT NOT NULL REFERENCES areas (code),
    period       TEXT NOT NULL,
    lang         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    document     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    UNIQUE (kind, area, period, lang, version)
);
