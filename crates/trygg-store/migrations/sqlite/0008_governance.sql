-- Governance of the safety work: meetings of the steering, preparation and
-- working groups with their decisions, and the agreements (the
-- collaboration agreement with the police, citizen promises) with their
-- signatories, commitments and tertial follow-up. Dates are YYYY-MM-DD,
-- periods `2026-T2`, instants epoch ms.

-- attendees: the organisations present, one a line (free text).
CREATE TABLE meetings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_code TEXT NOT NULL REFERENCES org_groups (code),
    area       TEXT NOT NULL REFERENCES areas (code),
    held_on    TEXT NOT NULL,
    attendees  TEXT NOT NULL,
    agenda     TEXT NOT NULL,
    minutes    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX meetings_group ON meetings (group_code);

-- status: open, done (with done_on) or cancelled.
CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    owner      TEXT NOT NULL,
    due        TEXT NOT NULL,
    measure_id INTEGER REFERENCES measures (id),
    problem_id INTEGER REFERENCES problems (id),
    status     TEXT NOT NULL DEFAULT 'open',
    done_on    TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX decisions_meeting ON decisions (meeting_id);

-- kind: collaboration (samverkansöverenskommelse with the police) or
-- citizen_promise (medborgarlöfte).
CREATE TABLE agreements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    area       TEXT NOT NULL REFERENCES areas (code),
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Who signed: the organisation and the signer's role or function.
CREATE TABLE agreement_signatories (
    agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    partner      TEXT NOT NULL REFERENCES partners (code),
    signed_as    TEXT NOT NULL,
    PRIMARY KEY (agreement_id, position)
);

-- What the parties commit to, in order, each optionally carried out by a measure.
CREATE TABLE agreement_commitments (
    agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    text         TEXT NOT NULL,
    measure_id   INTEGER REFERENCES measures (id),
    PRIMARY KEY (agreement_id, position)
);

-- Each tertial, the agreement's status (green, yellow, red) and comment.
CREATE TABLE agreement_followups (
    agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    period       TEXT NOT NULL,
    status       TEXT NOT NULL,
    comment      TEXT NOT NULL,
    reported_by  TEXT NOT NULL,
    reported_at  INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, period)
);
