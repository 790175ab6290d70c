-- Volunteers: people who offer to go and see a reported child in their area. A registration is
-- 'pending' until an admin or staff member approves it, because volunteers will see where children
-- are. When a volunteer leaves (or is removed) their personal data is erased and only the status
-- is kept; the audit log (events, report_id NULL) keeps their id and who did what.

CREATE TABLE volunteers (
    user_id     INTEGER PRIMARY KEY,                  -- Telegram user id
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'removed', 'left')),
    name        TEXT,                                 -- as they typed it (at most 60 characters)
    phone       TEXT,                                 -- normalised, +98912… / +<digits>
    latitude    REAL,                                 -- centre of the area they can cover
    longitude   REAL,
    radius_km   INTEGER CHECK (radius_km IS NULL OR radius_km BETWEEN 1 AND 50),
    languages   TEXT,                                 -- comma-separated codes, e.g. 'fa,en'
    available   INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),  -- /available, /away
    created_at  TEXT    NOT NULL,                     -- when this registration was submitted
    approved_by INTEGER,                              -- admin or staff member who approved it
    approved_at TEXT,
    updated_at  TEXT    NOT NULL,
    CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
    CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
    -- Active registrations hold every detail; erased ones ('removed', 'left') hold none.
    CHECK (status NOT IN ('pending', 'approved') OR (
        name IS NOT NULL AND phone IS NOT NULL AND latitude IS NOT NULL
        AND longitude IS NOT NULL AND radius_km IS NOT NULL AND languages IS NOT NULL)),
    CHECK (status IN ('pending', 'approved') OR (
        name IS NULL AND phone IS NULL AND latitude IS NULL AND longitude IS NULL
        AND radius_km IS NULL AND languages IS NULL AND available = 0)),
    CHECK (status != 'approved' OR (approved_by IS NOT NULL AND approved_at IS NOT NULL))
);
-- nearby(): approved, available volunteers, narrowed by latitude before the exact distance.
CREATE INDEX volunteers_available ON volunteers (status, available, latitude);
