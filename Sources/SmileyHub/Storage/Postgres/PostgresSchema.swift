import Logging
import PostgresNIO

/// One named step of the PostgreSQL schema. Steps are append-only: a shipped step is never edited,
/// a change is a new step at the end (as GRDB's migrations are on SQLite).
struct PostgresMigration: Sendable {
    var name: String
    /// Run in order, in the migration's transaction (the extended protocol takes one statement at a time).
    var statements: [String]
    /// Run after the statements, in the same transaction: fills what the hub's own rules decide (in Swift)
    /// rather than SQL.
    var fill: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
}

/// The hub's PostgreSQL schema and the runner that brings a database up to it.
///
/// Types are PostgreSQL's own: `bigint` for ids, sequences, milliseconds and counts, `boolean` for flags,
/// `date` for holidays, `timestamptz` where a person reads the time (when a migration ran). Keys and
/// hour labels compare bytewise (`COLLATE "C"`), as SQLite compares them, whatever the server's locale.
/// Every constraint the SQLite schema has is here too: NOT NULL, UNIQUE, CHECK and foreign keys.
enum PostgresSchema {
    /// The advisory lock migrations hold (`pg_advisory_xact_lock`): two hubs starting together take
    /// turns, and the second finds the work done. The bytes spell "smileydb".
    static let migrationLockKey: Int64 = 0x736D_696C_6579_6462

    static let migrations: [PostgresMigration] = [
        PostgresMigration(
            name: "pg-1: centres, devices, tokens, presses, hourly rollup, heartbeats",
            statements: [
                """
                CREATE TABLE centre (
                    id text COLLATE "C" PRIMARY KEY,
                    name text NOT NULL,
                    time_zone text NOT NULL,
                    -- Canonical text of OpeningHours; NULL means every hour counts as open.
                    opening_hours text
                )
                """,
                """
                CREATE TABLE centre_holiday (
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    date date NOT NULL,
                    PRIMARY KEY (centre_id, date)
                )
                """,
                """
                CREATE TABLE device (
                    id text COLLATE "C" PRIMARY KEY,
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    first_seen_millis bigint NOT NULL,
                    last_seen_millis bigint NOT NULL,
                    -- Every press from 1 up to this sequence number is held.
                    contiguous_sequence bigint NOT NULL DEFAULT 0,
                    -- Base64 of the device's Ed25519 public key: checks its export files' signatures.
                    signing_public_key text
                )
                """,
                """
                CREATE TABLE device_token (
                    device_id text COLLATE "C" PRIMARY KEY REFERENCES device(id),
                    token_sha256 text NOT NULL UNIQUE,
                    created_millis bigint NOT NULL,
                    revoked_millis bigint,
                    first_used_millis bigint
                )
                """,
                """
                CREATE TABLE boot_clock (
                    device_id text COLLATE "C" NOT NULL REFERENCES device(id),
                    boot text COLLATE "C" NOT NULL,
                    offset_millis bigint NOT NULL,
                    source text NOT NULL CHECK (source IN ('synchronised', 'hub-exchange')),
                    updated_millis bigint NOT NULL,
                    PRIMARY KEY (device_id, boot)
                )
                """,
                """
                CREATE TABLE press (
                    device_id text COLLATE "C" NOT NULL REFERENCES device(id),
                    sequence bigint NOT NULL CHECK (sequence >= 1),
                    boot text COLLATE "C" NOT NULL,
                    question text NOT NULL,
                    answer text NOT NULL,
                    score integer NOT NULL,
                    monotonic_nanos bigint NOT NULL,
                    wall_clock_millis bigint NOT NULL,
                    clock_synchronised boolean NOT NULL,
                    suppressed boolean NOT NULL,
                    time_status text NOT NULL CHECK (time_status IN ('device-clock', 'corrected', 'uncertain')),
                    placed_millis bigint,
                    local_hour text COLLATE "C",
                    received_millis bigint NOT NULL,
                    PRIMARY KEY (device_id, sequence),
                    CHECK ((time_status = 'uncertain') = (placed_millis IS NULL))
                )
                """,
                "CREATE INDEX press_uncertain ON press (device_id, boot) WHERE time_status = 'uncertain'",
                """
                CREATE TABLE hourly_rollup (
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    device_id text COLLATE "C" NOT NULL REFERENCES device(id),
                    question text COLLATE "C" NOT NULL,
                    answer text COLLATE "C" NOT NULL,
                    local_hour text COLLATE "C" NOT NULL,
                    weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
                    hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
                    count bigint NOT NULL,
                    score_sum bigint NOT NULL,
                    PRIMARY KEY (centre_id, device_id, question, answer, local_hour)
                )
                """,
                "CREATE INDEX hourly_rollup_heatmap ON hourly_rollup (centre_id, question, weekday, hour)",
                "CREATE INDEX hourly_rollup_window ON hourly_rollup (centre_id, question, local_hour)",
                """
                CREATE TABLE device_heartbeat (
                    device_id text COLLATE "C" PRIMARY KEY REFERENCES device(id),
                    received_millis bigint NOT NULL,
                    -- The latest heartbeat as sent (JSON text, kept byte for byte).
                    body text NOT NULL,
                    clock_unsynchronised_since_millis bigint
                )
                """,
            ]),
        PostgresMigration(
            name: "pg-2: centre hourly rollup",
            statements: [
                // hourly_rollup summed over the centre's devices, clustered the way windows are read:
                // one centre, one question, a range of local dates (days since 1970-01-01).
                """
                CREATE TABLE centre_hour (
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    question text COLLATE "C" NOT NULL,
                    day integer NOT NULL,
                    hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
                    answer text COLLATE "C" NOT NULL,
                    score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
                    count bigint NOT NULL CHECK (count >= 0),
                    PRIMARY KEY (centre_id, question, day, hour, answer)
                )
                """,
                """
                INSERT INTO centre_hour (centre_id, question, day, hour, answer, score, count)
                SELECT centre_id, question, substr(local_hour, 1, 10)::date - date '1970-01-01', MIN(hour), answer,
                    SUM(score_sum) / SUM(count), SUM(count)
                FROM hourly_rollup WHERE count > 0
                GROUP BY centre_id, question, local_hour, answer
                """,
            ]),
        PostgresMigration(
            name: "pg-3: one-time enrollment codes",
            statements: [
                // Only the code's SHA-256 is kept. redeemed_by is set once, by the one UPDATE … WHERE
                // redeemed_by IS NULL that finds it unset: a code adds one device whichever hub redeems it.
                """
                CREATE TABLE enrollment_code (
                    code_sha256 text COLLATE "C" PRIMARY KEY,
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    created_millis bigint NOT NULL,
                    expires_millis bigint NOT NULL,
                    redeemed_by text COLLATE "C",
                    redeemed_millis bigint,
                    CHECK ((redeemed_by IS NULL) = (redeemed_millis IS NULL))
                )
                """
            ]),
        PostgresMigration(
            name: "pg-4: people, sessions, API tokens, audit (people-p1)",
            statements: [
                // The people's side, with SQLite's constraints ("v3: people, sessions, API tokens, audit" and
                // the person's e-mail of "alerts-b2"). Secrets are kept only as their SHA-256: session
                // cookies, API tokens, password links. Names compare bytewise, as on SQLite.
                """
                CREATE TABLE centre_group (name text COLLATE "C" PRIMARY KEY)
                """,
                """
                ALTER TABLE centre ADD COLUMN group_name text COLLATE "C" REFERENCES centre_group(name)
                """,
                """
                CREATE TABLE person (
                    name text COLLATE "C" PRIMARY KEY,
                    role text NOT NULL CHECK (role IN ('administrator', 'manager', 'viewer')),
                    -- bcrypt; NULL until the person sets a password through a one-time link
                    password_hash text,
                    totp_secret text,
                    created_millis bigint NOT NULL,
                    email text
                )
                """,
                """
                CREATE TABLE person_scope (
                    person text COLLATE "C" NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                    kind text NOT NULL CHECK (kind IN ('centre', 'group')),
                    target text COLLATE "C" NOT NULL,
                    PRIMARY KEY (person, kind, target)
                )
                """,
                """
                CREATE TABLE password_link (
                    token_sha256 text COLLATE "C" PRIMARY KEY,
                    person text COLLATE "C" NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                    created_millis bigint NOT NULL,
                    expires_millis bigint NOT NULL,
                    used_millis bigint
                )
                """,
                """
                CREATE TABLE session (
                    id_sha256 text COLLATE "C" PRIMARY KEY,
                    person text COLLATE "C" NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                    csrf text NOT NULL,
                    created_millis bigint NOT NULL,
                    last_seen_millis bigint NOT NULL,
                    ended_millis bigint
                )
                """,
                "CREATE INDEX session_person ON session(person)",
                // Ids are never reused (SQLite's AUTOINCREMENT): an identity column.
                """
                CREATE TABLE api_token (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    person text COLLATE "C" NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                    name text NOT NULL,
                    token_sha256 text COLLATE "C" NOT NULL UNIQUE,
                    created_millis bigint NOT NULL,
                    expires_millis bigint,
                    revoked_millis bigint,
                    last_used_millis bigint
                )
                """,
                """
                CREATE TABLE audit (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at_millis bigint NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    detail text NOT NULL,
                    address text
                )
                """,
                // Keys the hub signs with (the sign-in forms' tokens). The form-signing key is made by the
                // first hub that needs it, from the system's random source (`formSigningKey`).
                """
                CREATE TABLE hub_secret (
                    name text COLLATE "C" PRIMARY KEY,
                    value text NOT NULL
                )
                """,
            ]),
        PostgresMigration(
            name: "pg-5: centre_day, open-hours counts per local day (pg-reads)",
            statements: [
                // Per centre, question, local date (days since 1970-01-01) and answer: the presses of the
                // day's open hours and of its closed hours under the centre's opening hours and holidays
                // (SQLite's "read-side r2"). Filled from centre_hour by the same Swift rule ingest uses.
                """
                CREATE TABLE centre_day (
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    question text COLLATE "C" NOT NULL,
                    day integer NOT NULL,
                    answer text COLLATE "C" NOT NULL,
                    score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
                    open_count bigint NOT NULL CHECK (open_count >= 0),
                    closed_count bigint NOT NULL CHECK (closed_count >= 0),
                    PRIMARY KEY (centre_id, question, day, answer)
                )
                """
            ],
            fill: { connection, logger in try await PostgresPressStore.rebuildAllCentreDays(connection, logger: logger)
            }
        ),
        PostgresPressStore.heartbeatSummaryMigration,
        PostgresMigration(
            name: "pg-care-1: centre actions, alert rules, alerts, delivery outbox",
            statements: [
                // A centre's care, with SQLite's constraints ("lobby: centre actions taken", "v4: alerts",
                // "alerts-b1", "alerts-b2"). Ids are never reused (AUTOINCREMENT there): identity columns.
                """
                CREATE TABLE centre_action (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    -- YYYY-MM-DD on the centre's calendar.
                    action_date text COLLATE "C" NOT NULL CHECK (length(action_date) = 10),
                    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 280),
                    -- Opening-hours text of the hours the action is about, or NULL for all.
                    target text,
                    recorded_by text NOT NULL,
                    recorded_millis bigint NOT NULL
                )
                """,
                "CREATE INDEX centre_action_by_date ON centre_action (centre_id, action_date)",
                """
                CREATE TABLE alert_rule_setting (
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    name text COLLATE "C" NOT NULL,
                    value text NOT NULL,
                    changed_by text NOT NULL,
                    changed_millis bigint NOT NULL,
                    PRIMARY KEY (centre_id, name)
                )
                """,
                """
                CREATE TABLE alert (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                    kind text COLLATE "C" NOT NULL,
                    subject text COLLATE "C" NOT NULL,
                    opened_millis bigint NOT NULL,
                    -- AlertEvidence as JSON text with sorted keys (compared as text by the evaluation).
                    evidence text NOT NULL,
                    acknowledged_millis bigint,
                    acknowledged_by text,
                    comment text,
                    resolved_millis bigint
                )
                """,
                // At most one open alert per centre, kind and subject: an alert never fires twice.
                """
                CREATE UNIQUE INDEX alert_open ON alert (centre_id, kind, subject) WHERE resolved_millis IS NULL
                """,
                "CREATE INDEX alert_history ON alert (centre_id, opened_millis)",
                // Recent presses by their time, for the dip rule.
                "CREATE INDEX press_placed ON press (placed_millis) WHERE placed_millis IS NOT NULL",
                """
                CREATE TABLE alert_delivery (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    alert_id bigint NOT NULL REFERENCES alert(id),
                    event text NOT NULL CHECK (event IN ('opened', 'resolved')),
                    channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
                    state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_millis bigint NOT NULL,
                    last_error text,
                    created_millis bigint NOT NULL,
                    delivered_millis bigint,
                    UNIQUE (alert_id, event, channel)
                )
                """,
                """
                CREATE INDEX alert_delivery_due ON alert_delivery (next_attempt_millis) WHERE state = 'pending'
                """,
            ]),
        PostgresPressStore.weeklyReportMigration,
        PostgresPressStore.displayMigration,
    ]

    /// Applies the steps this database lacks, in one transaction under the migration lock. A database
    /// holding a step this hub does not know was migrated by a newer hub: refused, nothing changed.
    /// `steps`: the schema's steps (tests pass the steps before one, to store rows as an older hub did).
    static func migrate(
        _ client: PostgresClient, logger: Logger, steps: [PostgresMigration] = PostgresSchema.migrations
    ) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS smiley_migration (
                    name text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM smiley_migration", logger: logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            let known = Set(steps.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw HubError.storage(
                    "the PostgreSQL database holds migration '\(unknown)', which this hub does not know: a newer hub migrated it; run that version"
                )
            }
            for migration in steps where !applied.contains(migration.name) {
                logger.info("applying PostgreSQL migration", metadata: ["migration": "\(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await migration.fill?(connection, logger)
                try await connection.query(
                    "INSERT INTO smiley_migration (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }
}
