import Foundation
import GRDB
import Logging
import PostgresNIO
import SmileyCore

/// Copies an SQLite hub into PostgreSQL (`smiley-hub migrate`), then compares both sides.
///
/// Copied: centres (zone, opening hours, holidays, group), devices (signing keys, token hashes, revocations),
/// presses with their placements, boots' clock offsets and the latest heartbeats; and the people's side:
/// groups, people (password hashes, TOTP secrets, e-mail), scope grants, password links, sessions, API tokens
/// (their ids kept) and the audit log (`PostgresCopy+People.swift`); the centres' care: actions, alert rules,
/// alerts and their deliveries, ids kept (`PostgresCopy+Care.swift`); the weekly reports' ledger and the
/// enrollment codes still open (`PostgresCopy+Reports.swift`); the lobby's display tokens, ids kept
/// (`PostgresCopy+Display.swift`). The rollups are not copied row by row:
/// each press the copy inserts is added to `hourly_rollup` and `centre_hour` on the PostgreSQL side, as an
/// ingest would, so a rerun adds nothing twice; `centre_day` is then counted again from `centre_hour`. Everything runs in one PostgreSQL transaction: a refusal
/// leaves the target as it was. Not copied: `tablesNotCopied` (docs/postgresql.md).
public enum PostgresCopy {
    /// Presses offered to PostgreSQL per statement.
    static let chunkSize = 5000

    /// What a copy inserted (rows already held are counted apart, never twice).
    public struct Outcome: Sendable, Equatable {
        public var centres = 0
        public var holidays = 0
        public var devices = 0
        public var presses = 0
        public var pressesAlreadyHeld = 0
        public var bootClocks = 0
        public var heartbeats = 0
        public var groups = 0
        public var people = 0
        public var scopes = 0
        public var passwordLinks = 0
        public var sessions = 0
        public var apiTokens = 0
        public var auditLines = 0
        /// Rows of `hub_secret` copied, and the names PostgreSQL already held with another value (kept).
        public var secrets = 0
        public var secretsKept: [String] = []
        public var actions = 0
        public var alertRuleSettings = 0
        public var alerts = 0
        public var deliveries = 0
        /// Rows of the weekly reports' ledger inserted (a week queued, sent or given up).
        public var weeklyReports = 0
        /// Unredeemed, unexpired enrollment codes inserted.
        public var enrollmentCodes = 0
        public var displayTokens = 0
    }

    /// The SQLite tables a copy leaves behind: none. (Of `enrollment_code`, only the codes still open are
    /// copied: a redeemed or expired code enrolls nothing.)
    public static let tablesNotCopied: [String] = []

    /// Copies `source` into `target` (migrated first). A target holding other data under the same key
    /// (a centre with another zone, a device in another centre, another token, a press with other content,
    /// a person with another role or password hash, an API token id holding another token) is refused with
    /// the key named, and nothing is written. `nowMillis` decides which enrollment codes are still open.
    public static func copy(
        from source: HubDatabase, to target: PostgresPressStore,
        nowMillis: Int64 = Int64(Date().timeIntervalSince1970 * 1000),
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws(HubError) -> Outcome {
        try await target.migrate()
        let logger = target.logger
        let centres = try source.storage { try source.writer.read { db in try SourceCentre.all(db) } }
        let devices = try source.storage { try source.writer.read { db in try SourceDevice.all(db) } }
        let people = try source.storage { try source.writer.read { db in try SourcePeople.read(db) } }
        let care = try source.storage { try source.writer.read { db in try SourceCare.read(db) } }
        let ledger = try source.storage { try source.writer.read { db in try SourceLedgerRow.all(db) } }
        let codes = try source.storage {
            try source.writer.read { db in try SourceEnrollmentCode.open(db, nowMillis: nowMillis) }
        }
        let displays = try source.storage { try source.writer.read { db in try SourceDisplayToken.all(db) } }
        return try await target.transaction { connection in
            var outcome = Outcome()
            try await copyGroups(people, connection, logger, &outcome)
            for centre in centres {
                try await copyCentre(centre, connection, logger, &outcome)
            }
            try await copyPeople(people, connection, logger, &outcome)
            progress("people: \(outcome.people) added, \(outcome.auditLines) audit lines")
            try await copyCare(care, connection, logger, &outcome)
            progress("care: \(outcome.actions) actions, \(outcome.alerts) alerts, \(outcome.deliveries) deliveries")
            try await copyWeeklyReportLedger(ledger, connection, logger, &outcome)
            try await copyEnrollmentCodes(codes, connection, logger, &outcome)
            try await copyDisplayTokens(displays, connection, logger, &outcome)
            for device in devices {
                try await copyDevice(device, connection, logger, &outcome)
                var after: Int64 = 0
                while true {
                    let presses = try source.storage {
                        try source.writer.read { db in try SourcePress.chunk(db, device: device.id, after: after) }
                    }
                    guard let last = presses.last else { break }
                    try await copyPresses(presses, device: device, connection, logger, &outcome)
                    after = last.sequence
                    progress("\(device.id): presses up to \(after)")
                }
                try await connection.query(
                    """
                    UPDATE device SET contiguous_sequence = GREATEST(contiguous_sequence, COALESCE((
                        SELECT MIN(p.sequence) FROM press p WHERE p.device_id = device.id
                            AND NOT EXISTS (SELECT 1 FROM press n WHERE n.device_id = p.device_id AND n.sequence = p.sequence + 1)
                            AND EXISTS (SELECT 1 FROM press o WHERE o.device_id = device.id AND o.sequence = 1)), 0))
                    WHERE id = \(device.id)
                    """, logger: logger)
            }
            // The copy added to centre_hour press by press: the days are counted from it, under each
            // centre's calendar as copied.
            try await PostgresPressStore.rebuildAllCentreDays(connection, logger: logger)
            return outcome
        }
    }

    // MARK: Centres and devices

    static func copyCentre(
        _ centre: SourceCentre, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO centre (id, name, time_zone, opening_hours, group_name)
            VALUES (\(centre.id), \(centre.name), \(centre.timeZone), \(centre.openingHours), \(centre.group))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        if inserted.isEmpty {
            for try await (name, zone, hours, group) in try await connection.query(
                "SELECT name, time_zone, opening_hours, group_name FROM centre WHERE id = \(centre.id) FOR UPDATE",
                logger: logger
            ).decode((String, String, String?, String?).self) {
                guard name == centre.name, zone == centre.timeZone, hours == centre.openingHours else {
                    throw HubError.conflict(
                        "centre '\(centre.id)' differs: PostgreSQL holds name '\(name)', zone \(zone), hours \(hours ?? "none"); "
                            + "SQLite holds name '\(centre.name)', zone \(centre.timeZone), hours \(centre.openingHours ?? "none")"
                    )
                }
                if let group, let own = centre.group, group != own {
                    throw HubError.conflict(
                        "centre '\(centre.id)' differs: PostgreSQL puts it in group '\(group)', SQLite in '\(own)'")
                }
            }
            // A centre without a group on PostgreSQL takes SQLite's.
            try await connection.query(
                "UPDATE centre SET group_name = COALESCE(group_name, \(centre.group)) WHERE id = \(centre.id)",
                logger: logger)
        } else {
            outcome.centres += 1
        }
        outcome.holidays += try await connection.query(
            """
            INSERT INTO centre_holiday (centre_id, date)
            SELECT \(centre.id), day::date FROM unnest(\(centre.holidays)::text[]) AS day
            ON CONFLICT DO NOTHING RETURNING date
            """, logger: logger
        ).collect().count
    }

    static func copyDevice(
        _ device: SourceDevice, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis, signing_public_key)
            VALUES (\(device.id), \(device.centre), \(device.firstSeen), \(device.lastSeen), \(device.publicKey))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        if inserted.isEmpty {
            for try await (centre, key) in try await connection.query(
                "SELECT centre_id, signing_public_key FROM device WHERE id = \(device.id) FOR UPDATE", logger: logger
            ).decode((String, String?).self) {
                guard centre == device.centre else {
                    throw HubError.conflict(
                        "device '\(device.id)' differs: PostgreSQL holds it in centre '\(centre)', SQLite in '\(device.centre)'"
                    )
                }
                if let key, let own = device.publicKey, key != own {
                    throw HubError.conflict("device '\(device.id)' differs: another signing key is held in PostgreSQL")
                }
            }
            try await connection.query(
                """
                UPDATE device SET first_seen_millis = LEAST(first_seen_millis, \(device.firstSeen)),
                    last_seen_millis = GREATEST(last_seen_millis, \(device.lastSeen)),
                    signing_public_key = COALESCE(signing_public_key, \(device.publicKey))
                WHERE id = \(device.id)
                """, logger: logger)
        } else {
            outcome.devices += 1
        }
        if let token = device.token {
            let added = try await connection.query(
                """
                INSERT INTO device_token (device_id, token_sha256, created_millis, revoked_millis, first_used_millis)
                VALUES (\(device.id), \(token.sha256), \(token.created), \(token.revoked), \(token.firstUsed))
                ON CONFLICT DO NOTHING RETURNING device_id
                """, logger: logger
            ).collect()
            if added.isEmpty {
                for try await held in try await connection.query(
                    "SELECT token_sha256 FROM device_token WHERE device_id = \(device.id)", logger: logger
                ).decode(String.self) where held != token.sha256 {
                    throw HubError.conflict("device '\(device.id)' differs: PostgreSQL holds another token for it")
                }
                try await connection.query(
                    """
                    UPDATE device_token SET revoked_millis = COALESCE(revoked_millis, \(token.revoked)),
                        first_used_millis = COALESCE(first_used_millis, \(token.firstUsed))
                    WHERE device_id = \(device.id)
                    """, logger: logger)
            }
        }
        // Clock offsets and the heartbeat: the newer reading wins, on either side.
        for boot in device.boots {
            outcome.bootClocks += try await connection.query(
                """
                INSERT INTO boot_clock (device_id, boot, offset_millis, source, updated_millis)
                VALUES (\(device.id), \(boot.boot), \(boot.offset), \(boot.source), \(boot.updated))
                ON CONFLICT (device_id, boot) DO UPDATE SET offset_millis = EXCLUDED.offset_millis,
                    source = EXCLUDED.source, updated_millis = EXCLUDED.updated_millis
                WHERE boot_clock.updated_millis < EXCLUDED.updated_millis
                RETURNING boot
                """, logger: logger
            ).collect().count
        }
        if let heartbeat = device.heartbeat {
            outcome.heartbeats += try await connection.query(
                """
                INSERT INTO device_heartbeat (device_id, received_millis, body, clock_unsynchronised_since_millis,
                    backlog, stuck_lines, storage_warning)
                VALUES (\(device.id), \(heartbeat.received), \(heartbeat.body), \(heartbeat.unsynchronisedSince),
                    \(heartbeat.backlog), \(heartbeat.stuckLines), \(heartbeat.storageWarning))
                ON CONFLICT (device_id) DO UPDATE SET received_millis = EXCLUDED.received_millis,
                    body = EXCLUDED.body, clock_unsynchronised_since_millis = EXCLUDED.clock_unsynchronised_since_millis,
                    backlog = EXCLUDED.backlog, stuck_lines = EXCLUDED.stuck_lines,
                    storage_warning = EXCLUDED.storage_warning
                WHERE device_heartbeat.received_millis < EXCLUDED.received_millis
                RETURNING device_id
                """, logger: logger
            ).collect().count
        }
    }

    // MARK: Presses and the rollups they add

    static func copyPresses(
        _ presses: [SourcePress], device: SourceDevice, _ connection: PostgresConnection, _ logger: Logger,
        _ outcome: inout Outcome
    ) async throws {
        let sequences = presses.map(\.sequence)
        var inserted: Set<Int64> = []
        for try await sequence in try await connection.query(
            """
            INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos, wall_clock_millis,
                clock_synchronised, suppressed, time_status, placed_millis, local_hour, received_millis)
            SELECT \(device.id), p.sequence, p.boot, p.question, p.answer, p.score, p.monotonic_nanos,
                p.wall_clock_millis, p.clock_synchronised, p.suppressed, p.time_status,
                CASE WHEN p.time_status = 'uncertain' THEN NULL ELSE p.placed_millis END,
                CASE WHEN p.time_status = 'uncertain' THEN NULL ELSE p.local_hour END, p.received_millis
            FROM unnest(\(sequences)::bigint[], \(presses.map(\.boot))::text[], \(presses.map(\.question))::text[],
                \(presses.map(\.answer))::text[], \(presses.map(\.score))::bigint[],
                \(presses.map(\.monotonicNanos))::bigint[], \(presses.map(\.wallClockMillis))::bigint[],
                \(presses.map(\.clockSynchronised))::boolean[], \(presses.map(\.suppressed))::boolean[],
                \(presses.map(\.timeStatus))::text[], \(presses.map { $0.placedMillis ?? 0 })::bigint[],
                \(presses.map { $0.localHour ?? "" })::text[], \(presses.map(\.receivedMillis))::bigint[])
                AS p(sequence, boot, question, answer, score, monotonic_nanos, wall_clock_millis, clock_synchronised,
                    suppressed, time_status, placed_millis, local_hour, received_millis)
            ORDER BY p.sequence
            ON CONFLICT (device_id, sequence) DO NOTHING
            RETURNING sequence
            """, logger: logger
        ).decode(Int64.self) {
            inserted.insert(sequence)
        }
        outcome.presses += inserted.count
        outcome.pressesAlreadyHeld += presses.count - inserted.count
        let held = presses.filter { !inserted.contains($0.sequence) }
        if !held.isEmpty {
            let bySequence = Dictionary(uniqueKeysWithValues: held.map { ($0.sequence, $0) })
            for try await (sequence, boot, question, answer, nanos, wall, synchronised, suppressed)
                in try await connection.query(
                    """
                    SELECT sequence, boot, question, answer, monotonic_nanos, wall_clock_millis, clock_synchronised,
                        suppressed FROM press
                    WHERE device_id = \(device.id) AND sequence = ANY (\(held.map(\.sequence))::bigint[])
                    """, logger: logger
                ).decode((Int64, String, String, String, Int64, Int64, Bool, Bool).self)
            {
                guard let own = bySequence[sequence] else { continue }
                guard
                    own.boot == boot && own.question == question && own.answer == answer
                        && own.monotonicNanos == nanos && own.wallClockMillis == wall
                        && own.clockSynchronised == synchronised && own.suppressed == suppressed
                else {
                    throw HubError.conflict(
                        "press \(sequence) of device '\(device.id)' differs: PostgreSQL holds another press under that sequence"
                    )
                }
            }
        }
        guard !inserted.isEmpty else { return }
        let added = Array(inserted)
        // The inserted presses, placed and not suppressed, summed into both rollups in key order.
        try await connection.query(
            """
            INSERT INTO hourly_rollup (centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum)
            SELECT \(device.centre), device_id, question, answer, local_hour,
                extract(isodow FROM substr(local_hour, 1, 10)::date)::smallint, substr(local_hour, 12, 2)::smallint,
                COUNT(*), SUM(score)
            FROM press WHERE device_id = \(device.id) AND sequence = ANY (\(added)::bigint[])
                AND time_status <> 'uncertain' AND NOT suppressed
            GROUP BY device_id, question, answer, local_hour
            ORDER BY device_id, question, answer, local_hour
            ON CONFLICT (centre_id, device_id, question, answer, local_hour) DO UPDATE SET
                count = hourly_rollup.count + EXCLUDED.count, score_sum = hourly_rollup.score_sum + EXCLUDED.score_sum
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO centre_hour (centre_id, question, day, hour, answer, score, count)
            SELECT \(device.centre), question, substr(local_hour, 1, 10)::date - date '1970-01-01',
                substr(local_hour, 12, 2)::smallint, answer, MIN(score), COUNT(*)
            FROM press WHERE device_id = \(device.id) AND sequence = ANY (\(added)::bigint[])
                AND time_status <> 'uncertain' AND NOT suppressed
            GROUP BY question, local_hour, answer
            ORDER BY question, local_hour, answer
            ON CONFLICT (centre_id, question, day, hour, answer) DO UPDATE SET count = centre_hour.count + EXCLUDED.count
            """, logger: logger)
    }
}

// MARK: What is read from SQLite

struct SourceCentre: Sendable {
    var id: String
    var name: String
    var timeZone: String
    var openingHours: String?
    var group: String?
    var holidays: [String]

    static func all(_ db: Database) throws -> [SourceCentre] {
        try Row.fetchAll(db, sql: "SELECT id, name, time_zone, opening_hours, group_name FROM centre ORDER BY id").map {
            row in
            let id: String = row["id"]
            return SourceCentre(
                id: id, name: row["name"], timeZone: row["time_zone"], openingHours: row["opening_hours"],
                group: row["group_name"],
                holidays: try String.fetchAll(
                    db, sql: "SELECT date FROM centre_holiday WHERE centre_id = ? ORDER BY date", arguments: [id]))
        }
    }
}

struct SourceDevice: Sendable {
    struct Token: Sendable {
        var sha256: String
        var created: Int64
        var revoked: Int64?
        var firstUsed: Int64?
    }
    struct BootClock: Sendable {
        var boot: String
        var offset: Int64
        var source: String
        var updated: Int64
    }
    struct HeartbeatRow: Sendable {
        var received: Int64
        var body: String
        var unsynchronisedSince: Int64?
        /// The summary columns (heartbeat-summary-h1); a NULL backlog: not summarised, read from the body.
        var backlog: Int64?
        var stuckLines: String?
        var storageWarning: String?
    }

    var id: String
    var centre: String
    var firstSeen: Int64
    var lastSeen: Int64
    var publicKey: String?
    var token: Token?
    var boots: [BootClock]
    var heartbeat: HeartbeatRow?

    static func all(_ db: Database) throws -> [SourceDevice] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, centre_id, first_seen_millis, last_seen_millis, signing_public_key FROM device ORDER BY id
                """
        ).map { row in
            let id: String = row["id"]
            let token = try Row.fetchOne(
                db,
                sql: """
                    SELECT token_sha256, created_millis, revoked_millis, first_used_millis FROM device_token
                    WHERE device_id = ?
                    """, arguments: [id]
            ).map { row in
                Token(
                    sha256: row["token_sha256"], created: row["created_millis"], revoked: row["revoked_millis"],
                    firstUsed: row["first_used_millis"])
            }
            let boots = try Row.fetchAll(
                db,
                sql:
                    "SELECT boot, offset_millis, source, updated_millis FROM boot_clock WHERE device_id = ? ORDER BY boot",
                arguments: [id]
            ).map { row in
                BootClock(
                    boot: row["boot"], offset: row["offset_millis"], source: row["source"],
                    updated: row["updated_millis"])
            }
            let heartbeat = try Row.fetchOne(
                db,
                sql: """
                    SELECT received_millis, body, clock_unsynchronised_since_millis, backlog, stuck_lines,
                        storage_warning
                    FROM device_heartbeat WHERE device_id = ?
                    """, arguments: [id]
            ).map { row in
                HeartbeatRow(
                    received: row["received_millis"], body: row["body"],
                    unsynchronisedSince: row["clock_unsynchronised_since_millis"], backlog: row["backlog"],
                    stuckLines: row["stuck_lines"], storageWarning: row["storage_warning"])
            }
            return SourceDevice(
                id: id, centre: row["centre_id"], firstSeen: row["first_seen_millis"],
                lastSeen: row["last_seen_millis"],
                publicKey: row["signing_public_key"], token: token, boots: boots, heartbeat: heartbeat)
        }
    }
}

struct SourcePress: Sendable {
    var sequence: Int64
    var boot: String
    var question: String
    var answer: String
    var score: Int64
    var monotonicNanos: Int64
    var wallClockMillis: Int64
    var clockSynchronised: Bool
    var suppressed: Bool
    var timeStatus: String
    var placedMillis: Int64?
    var localHour: String?
    var receivedMillis: Int64

    /// The next presses of a device after `after`, in sequence order (a range of the primary key).
    static func chunk(_ db: Database, device: String, after: Int64) throws -> [SourcePress] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT sequence, boot, question, answer, score, monotonic_nanos, wall_clock_millis, clock_synchronised,
                    suppressed, time_status, placed_millis, local_hour, received_millis
                FROM press WHERE device_id = ? AND sequence > ? ORDER BY sequence LIMIT ?
                """, arguments: [device, after, PostgresCopy.chunkSize]
        ).map { row in
            SourcePress(
                sequence: row["sequence"], boot: row["boot"], question: row["question"], answer: row["answer"],
                score: row["score"], monotonicNanos: row["monotonic_nanos"], wallClockMillis: row["wall_clock_millis"],
                clockSynchronised: row["clock_synchronised"], suppressed: row["suppressed"],
                timeStatus: row["time_status"], placedMillis: row["placed_millis"], localHour: row["local_hour"],
                receivedMillis: row["received_millis"])
        }
    }
}
