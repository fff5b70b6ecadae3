-- Serious talks (allvarssamtal) within 48 hours: pseudonymous records kept
-- for the retention period, and the figures of the records already deleted.
-- A record has no name, identity number or address: a random reference, the
-- district area, age band, sex (optional), offence category, when social
-- services became aware, when the talk was held, who attended, a reason if
-- late and one short comment. Instants are epoch ms, flags 0/1.

CREATE TABLE serious_talks (
    reference       TEXT PRIMARY KEY,
    area            TEXT NOT NULL REFERENCES areas (code),
    age_band        TEXT NOT NULL,
    sex             TEXT,
    offence         TEXT NOT NULL,
    aware_at        BIGINT NOT NULL,
    held_at         BIGINT,
    guardian        BIGINT NOT NULL DEFAULT 0,
    police          BIGINT NOT NULL DEFAULT 0,
    social_services BIGINT NOT NULL DEFAULT 0,
    other_attendee  BIGINT NOT NULL DEFAULT 0,
    late_reason     TEXT,
    comment         TEXT
);
CREATE INDEX serious_talks_area_aware ON serious_talks (area, aware_at);
CREATE INDEX serious_talks_aware ON serious_talks (aware_at);

-- The figures of deleted records, per district area, month of awareness
-- (YYYY-MM, Stockholm time), age band, sex ('unstated' when not given) and
-- whole hours from awareness to talk (-1: not held). Rows only ever grow.
CREATE TABLE serious_talk_aggregates (
    area         TEXT NOT NULL REFERENCES areas (code),
    month        TEXT NOT NULL,
    age_band     TEXT NOT NULL,
    sex          TEXT NOT NULL,
    hours        BIGINT NOT NULL,
    talks        BIGINT NOT NULL,
    decided      BIGINT NOT NULL,
    held_in_time BIGINT NOT NULL,
    guardian     BIGINT NOT NULL,
    police       BIGINT NOT NULL,
    PRIMARY KEY (area, month, age_band, sex, hours)
);
