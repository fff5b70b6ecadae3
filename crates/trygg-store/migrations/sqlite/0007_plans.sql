-- From problem to effect: prioritised problems with their evidence, cause
-- analyses, action plans (overall and per unit) with measures on Brå's
-- template, indicators with baselines and targets, values per area and
-- period, tertial follow-up of every measure, and the approval that locks
-- a tertial's figures. Dates are YYYY-MM-DD, periods `2025` or `2025-T2`,
-- instants epoch ms.

CREATE TABLE problems (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    area        TEXT NOT NULL REFERENCES areas (code),
    title       TEXT NOT NULL,
    what        TEXT NOT NULL,
    place       TEXT NOT NULL,
    time        TEXT NOT NULL,
    affected    TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    closed      INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX problems_area ON problems (area);

-- What a problem rests on in the situational picture: kind is area,
-- category, hotspot, survey, statistics or document; reference names it.
CREATE TABLE problem_evidence (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id INTEGER NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    reference  TEXT NOT NULL,
    note       TEXT NOT NULL
);
CREATE INDEX problem_evidence_problem ON problem_evidence (problem_id);

-- The cause analysis (Brå/Polisen/SKL 2018): fishbone bones (victim,
-- offender, place), the problem-analysis triangle's controllers (handler,
-- guardian, manager), risk and protective factors with their level
-- (individual, group, community) and the steps of event chains. A claim
-- without evidence is an assumption.
CREATE TABLE causes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id INTEGER NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    level      TEXT,
    position   INTEGER NOT NULL DEFAULT 0,
    text       TEXT NOT NULL,
    evidence   TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX causes_problem ON causes (problem_id);

-- Indicators as data. factor: percent, per_1000, per_100000 or count;
-- source: how values are computed (crime, events, reports, survey,
-- serious_talks, walks, measures) or `entered`; query: the source's
-- parameters (a crime type, a survey indicator, a category).
CREATE TABLE indicators (
    code            TEXT PRIMARY KEY,
    name_sv         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    numerator       TEXT NOT NULL,
    denominator     TEXT,
    factor          TEXT NOT NULL,
    source          TEXT NOT NULL,
    query           TEXT NOT NULL DEFAULT '',
    disaggregation  TEXT NOT NULL DEFAULT 'sex,age',
    cadence         TEXT NOT NULL,
    polarity        TEXT NOT NULL,
    baseline_value  REAL,
    baseline_period TEXT
);

CREATE TABLE indicator_targets (
    indicator TEXT NOT NULL REFERENCES indicators (code),
    area      TEXT NOT NULL REFERENCES areas (code),
    period    TEXT NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (indicator, area, period)
);

-- Values per area, period and group (all, women, men, age:15-17 …):
-- computed from the store or entered with their source.
CREATE TABLE indicator_values (
    indicator   TEXT NOT NULL REFERENCES indicators (code),
    area        TEXT NOT NULL REFERENCES areas (code),
    period      TEXT NOT NULL,
    grp         TEXT NOT NULL DEFAULT 'all',
    value       REAL NOT NULL,
    numerator   REAL,
    denominator REAL,
    origin      TEXT NOT NULL,
    source      TEXT NOT NULL,
    entered_by  TEXT NOT NULL,
    entered_at  INTEGER NOT NULL,
    PRIMARY KEY (indicator, area, period, grp)
);

-- The overall action plan (shared by the district areas) and unit action
-- plans (one organisation's, under the overall plan), under a strategy version.
CREATE TABLE plans (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    parent_id  INTEGER REFERENCES plans (id),
    strategy   TEXT NOT NULL,
    name       TEXT NOT NULL,
    unit       TEXT,
    area       TEXT NOT NULL REFERENCES areas (code),
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A measure on Brå's template. evidence_base: proven, promising or new.
-- place and comparison_area make it evaluable as a place-based measure.
CREATE TABLE measures (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id            INTEGER NOT NULL REFERENCES plans (id),
    name               TEXT NOT NULL,
    goal               TEXT NOT NULL,
    starts             TEXT NOT NULL,
    ends               TEXT NOT NULL,
    owner              TEXT NOT NULL,
    working_group      TEXT NOT NULL DEFAULT '',
    partners           TEXT NOT NULL DEFAULT '',
    hours              REAL,
    money              REAL,
    staff              REAL,
    competence         TEXT NOT NULL DEFAULT '',
    follow_up          TEXT NOT NULL,
    direction          TEXT,
    working_method     TEXT,
    evidence_base      TEXT NOT NULL,
    evidence_reference TEXT NOT NULL DEFAULT '',
    place              TEXT REFERENCES areas (code),
    comparison_area    TEXT REFERENCES areas (code),
    created_by         TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX measures_plan ON measures (plan_id);

CREATE TABLE measure_causes (
    measure_id INTEGER NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    cause_id   INTEGER NOT NULL REFERENCES causes (id) ON DELETE CASCADE,
    PRIMARY KEY (measure_id, cause_id)
);

CREATE TABLE measure_indicators (
    measure_id INTEGER NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    indicator  TEXT NOT NULL REFERENCES indicators (code),
    PRIMARY KEY (measure_id, indicator)
);

-- How each perspective of the strategy (gender equality, LGBTQ, child
-- rights, disability) was considered for the measure.
CREATE TABLE measure_perspectives (
    measure_id  INTEGER NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    perspective TEXT NOT NULL,
    considered  TEXT NOT NULL,
    PRIMARY KEY (measure_id, perspective)
);

-- Each tertial, each measure's status (green, yellow, red) and comment.
CREATE TABLE measure_followups (
    measure_id  INTEGER NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    period      TEXT NOT NULL,
    status      TEXT NOT NULL,
    comment     TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (measure_id, period)
);

-- Approval of a tertial's follow-up of an area: first the preparation
-- group, then the steering group; the steering group's approval locks the
-- tertial's figures until it is withdrawn (audited).
CREATE TABLE tertial_approvals (
    area        TEXT NOT NULL REFERENCES areas (code),
    period      TEXT NOT NULL,
    stage       TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at INTEGER NOT NULL,
    PRIMARY KEY (area, period, stage)
);
