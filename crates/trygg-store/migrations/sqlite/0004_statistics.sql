-- Aggregate figures: reported crimes per region, period and crime type;
-- survey values per wave; population per region, year, sex and age band.
-- `region` is the name or code the source uses; `area` the matched area, if
-- any. Every row names the import that last wrote it.

CREATE TABLE crime_counts (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    region      TEXT NOT NULL,
    area        TEXT REFERENCES areas (code),
    period      TEXT NOT NULL,
    crime_type  TEXT NOT NULL,
    count       INTEGER NOT NULL,
    import_run  INTEGER NOT NULL REFERENCES import_runs (id),
    UNIQUE (source, region, period, crime_type)
);
CREATE INDEX crime_counts_area ON crime_counts (area, period);

CREATE TABLE survey_values (
    id             INTEGER PRIMARY KEY,
    survey         TEXT NOT NULL,
    wave           INTEGER NOT NULL,
    region         TEXT NOT NULL,
    area           TEXT REFERENCES areas (code),
    indicator      TEXT NOT NULL,
    grp            TEXT NOT NULL,
    respondents    INTEGER,
    yes_count      INTEGER,
    share          REAL NOT NULL,
    weighted_share REAL,
    source_url     TEXT,
    import_run     INTEGER NOT NULL REFERENCES import_runs (id),
    UNIQUE (survey, wave, region, indicator, grp)
);
CREATE INDEX survey_values_area ON survey_values (area, indicator, wave);

CREATE TABLE population (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    region      TEXT NOT NULL,
    area        TEXT REFERENCES areas (code),
    year        INTEGER NOT NULL,
    sex         TEXT NOT NULL,
    age         TEXT NOT NULL,
    persons     INTEGER NOT NULL,
    import_run  INTEGER NOT NULL REFERENCES import_runs (id),
    UNIQUE (source, region, year, sex, age)
);
CREATE INDEX population_area ON population (area, year);
