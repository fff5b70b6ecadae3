-- Safety walks (trygghetsvandringar): a walk in an area on a day along a
-- route, who took part (per organisation and group, with the gender
-- balance), and the findings along the route with who answers for them,
-- their deadline and how they were closed. Dates are YYYY-MM-DD, instants
-- epoch ms, flags 0/1.

-- route: a GeoJSON LineString, {"type":"LineString","coordinates":[[lon,lat],...]}.
CREATE TABLE walks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    area       TEXT NOT NULL REFERENCES areas (code),
    walked_on  TEXT NOT NULL,
    route      TEXT NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX walks_area ON walks (area, walked_on);

-- grp: residents, pupils, police, property_owners, district_administration or other.
CREATE TABLE walk_participants (
    walk_id      INTEGER NOT NULL REFERENCES walks (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    organisation TEXT NOT NULL,
    grp          TEXT NOT NULL,
    women        INTEGER NOT NULL,
    men          INTEGER NOT NULL,
    other        INTEGER NOT NULL,
    PRIMARY KEY (walk_id, position)
);

-- state: open, done (done_on, optional photo) or declined (reason).
-- deadline: the walk's day + 6 months, or + 12 months when rebuild = 1.
CREATE TABLE walk_findings (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    walk_id            INTEGER NOT NULL REFERENCES walks (id) ON DELETE CASCADE,
    lat                REAL NOT NULL,
    lon                REAL NOT NULL,
    category           TEXT NOT NULL REFERENCES report_categories (code),
    description        TEXT NOT NULL,
    photo_type         TEXT,
    photo_width        INTEGER,
    photo_height       INTEGER,
    photo              BLOB,
    responsible        TEXT REFERENCES partners (code),
    rebuild            INTEGER NOT NULL DEFAULT 0,
    deadline           TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'open',
    done_on            TEXT,
    done_photo_type    TEXT,
    done_photo_width   INTEGER,
    done_photo_height  INTEGER,
    done_photo         BLOB,
    decline_reason     TEXT,
    report_id          INTEGER REFERENCES reports (id),
    measure_id         INTEGER REFERENCES measures (id),
    created_by         TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_by         TEXT NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX walk_findings_walk ON walk_findings (walk_id);
