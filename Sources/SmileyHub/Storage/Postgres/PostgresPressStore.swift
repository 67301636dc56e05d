import Foundation
import Logging
import PostgresNIO
import SmileyCore

/// The hub's device-facing storage on PostgreSQL, for several hub processes on one database.
///
/// Works through a pooled `PostgresClient`, which someone must be running (`client.run()`: a `Service`
/// in the application's `ServiceGroup`, or a task in a test). Each write is one transaction; a batch is
/// stored whole or not at all. Exactly once holds across processes by the database's own keys, never by
/// a read then a write (docs/postgresql.md).
public struct PostgresPressStore: PressStore {
    let client: PostgresClient
    let logger: Logger
    /// Which transactions run again after PostgreSQL aborted them, and when.
    let retry: TransactionRetry

    public init(
        client: PostgresClient, logger: Logger = Logger(label: "smiley.hub.postgres"),
        retry: TransactionRetry = TransactionRetry()
    ) {
        self.client = client
        self.logger = logger
        self.retry = retry
    }

    // MARK: Running statements

    /// One transaction: committed when `body` returns, rolled back when it throws. A `HubError` thrown
    /// inside comes out as itself; anything else becomes `.storage` (logged, never shown to a client).
    /// A transaction the server aborted for a serialization failure or a deadlock is run again, whole, as
    /// `retry` says (it was rolled back, so nothing of it stayed); the last failure is thrown when it gives up.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(HubError) -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch {
                let state = Self.sqlState(of: error)
                guard let wait = retry.delayMillis(afterAttempt: attempt, sqlState: state) else {
                    let failure = Self.hubError(error)
                    guard attempt > 1, case .storage(let reason) = failure else { throw failure }
                    throw HubError.storage("\(reason) (after \(attempt) attempts)")
                }
                logger.warning(
                    "PostgreSQL aborted a transaction (SQLSTATE \(state ?? "?")); running it again in \(wait) ms, attempt \(attempt + 1) of \(retry.maximumAttempts)"
                )
                try? await Task.sleep(for: .milliseconds(wait))
                attempt += 1
            }
        }
    }

    /// The SQLSTATE the server gave for `error`, looking inside a failed transaction.
    static func sqlState(of error: any Error) -> String? {
        switch error {
        case let error as PostgresTransactionError:
            return (error.closureError ?? error.beginError ?? error.commitError).flatMap { sqlState(of: $0) }
        case let error as PSQLError:
            return error.serverInfo?[.sqlState]
        default:
            return nil
        }
    }

    /// Statements outside a transaction, on one connection of the pool, their rows collected by `body`.
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(HubError) -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw Self.hubError(error)
        }
    }

    /// What went wrong, in words: the server's message, SQLSTATE and constraint, or the client's reason.
    static func hubError(_ error: any Error) -> HubError {
        switch error {
        case let error as HubError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError {
                return hubError(inner)
            }
            return .storage("PostgreSQL transaction failed")
        case let error as PSQLError:
            var parts = ["PostgreSQL \(error.code)"]
            if let info = error.serverInfo {
                if let message = info[.message] { parts.append(message) }
                if let state = info[.sqlState] { parts.append("SQLSTATE \(state)") }
                if let constraint = info[.constraintName] { parts.append("constraint \(constraint)") }
                if let detail = info[.detail] { parts.append(detail) }
            }
            if let underlying = error.underlying { parts.append("\(underlying)") }
            return .storage(parts.joined(separator: ": "))
        default:
            return .storage("\(error)")
        }
    }

    // MARK: Schema

    public func migrate() async throws(HubError) {
        do {
            try await PostgresSchema.migrate(client, logger: logger)
        } catch {
            throw Self.hubError(error)
        }
    }

    // MARK: Centres

    public func addCentre(_ centre: Centre) async throws(HubError) {
        do {
            _ = try HourBucketer(timeZoneIdentifier: centre.timeZone)
        } catch {
            throw .invalid(error.description)
        }
        try await transaction { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO centre (id, name, time_zone) VALUES (\(centre.id.rawValue), \(centre.name), \(centre.timeZone))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw HubError.conflict("centre '\(centre.id)' already exists") }
        }
    }

    public func centres() async throws -> [Centre] {
        try await read { connection in
            var centres: [Centre] = []
            let rows = try await connection.query("SELECT id, name, time_zone FROM centre ORDER BY id", logger: logger)
            for try await (id, name, zone) in rows.decode((String, String, String).self) {
                guard let id = CentreID(rawValue: id) else {
                    throw HubError.storage("table centre holds an id that is not a valid centre id: '\(id)'")
                }
                centres.append(Centre(id: id, name: name, timeZone: zone))
            }
            return centres
        }
    }

    public func setOpeningHours(_ hours: OpeningHours?, centre: CentreID) async throws(HubError) {
        try await transaction { connection in
            let updated = try await connection.query(
                "UPDATE centre SET opening_hours = \(hours?.description) WHERE id = \(centre.rawValue) RETURNING id",
                logger: logger
            ).collect()
            guard updated.count == 1 else { throw HubError.notFound("unknown centre '\(centre)'") }
            try await Self.rebuildCentreDays(connection, centre: centre, days: nil, logger: logger)
        }
    }

    public func updateHolidays(centre: CentreID, adding: [LocalDate], removing: [LocalDate]) async throws(HubError) {
        try await transaction { connection in
            let found = try await connection.query(
                "SELECT 1 FROM centre WHERE id = \(centre.rawValue) FOR NO KEY UPDATE", logger: logger
            ).collect()
            guard !found.isEmpty else { throw HubError.notFound("unknown centre '\(centre)'") }
            let added = adding.map(\.description)
            let removed = removing.map(\.description)
            try await connection.query(
                """
                INSERT INTO centre_holiday (centre_id, date)
                SELECT \(centre.rawValue), day::date FROM unnest(\(added)::text[]) AS day
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.query(
                """
                DELETE FROM centre_holiday
                WHERE centre_id = \(centre.rawValue) AND date = ANY (\(removed)::text[]::date[])
                """, logger: logger)
            let days = Set((adding + removing).map(\.daysSinceEpoch)).sorted()
            if !days.isEmpty {
                try await Self.rebuildCentreDays(connection, centre: centre, days: days, logger: logger)
            }
        }
    }

    public func openingCalendar(centre: CentreID) async throws(HubError) -> OpeningCalendar {
        try await read { connection in try await Self.openingCalendar(connection, centre: centre, logger: logger) }
    }

    // MARK: Devices and their tokens

    public func addDevice(
        _ device: DeviceID, centre: CentreID, publicKey: String? = nil, nowMillis: Int64
    ) async throws(HubError) -> DeviceToken {
        let token = DeviceToken.generate()
        if let publicKey { try HubDatabase.checkPublicKey(publicKey) }
        try await transaction { connection in
            let centres = try await connection.query(
                "SELECT 1 FROM centre WHERE id = \(centre.rawValue) FOR SHARE", logger: logger
            ).collect()
            guard !centres.isEmpty else {
                throw HubError.unprocessable("unknown centre '\(centre)': add it first with smiley-hub centre add")
            }
            try await Self.insertDevice(
                connection, device, centre: centre, token: token, publicKey: publicKey, nowMillis: nowMillis,
                logger: logger)
        }
        return token
    }

    /// Inserts a device and its token's hash; an existing device id is a conflict (nothing inserted).
    static func insertDevice(
        _ connection: PostgresConnection, _ device: DeviceID, centre: CentreID, token: DeviceToken, publicKey: String?,
        nowMillis: Int64, logger: Logger
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis, signing_public_key)
            VALUES (\(device.rawValue), \(centre.rawValue), \(nowMillis), \(nowMillis), \(publicKey))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        guard !inserted.isEmpty else {
            throw HubError.conflict(
                "device '\(device)' already exists: revoke it and add the replacement under a new id")
        }
        try await connection.query(
            """
            INSERT INTO device_token (device_id, token_sha256, created_millis)
            VALUES (\(device.rawValue), \(token.sha256), \(nowMillis))
            """, logger: logger)
    }

    public func devices() async throws -> [DeviceSummary] {
        let rows = try await read { connection in
            var rows: [(String, String, Int64, Int64, Int64, Int64)] = []
            for try await row in try await connection.query(
                """
                SELECT d.id, d.centre_id, d.first_seen_millis, d.last_seen_millis,
                       (SELECT COUNT(*) FROM press p WHERE p.device_id = d.id),
                       COALESCE((SELECT MAX(sequence) FROM press p WHERE p.device_id = d.id), 0)
                FROM device d ORDER BY d.id
                """, logger: logger
            ).decode((String, String, Int64, Int64, Int64, Int64).self) {
                rows.append(row)
            }
            return rows
        }
        return try rows.map { id, centre, firstSeen, lastSeen, presses, highest throws(HubError) in
            guard let device = DeviceID(rawValue: id), let centre = CentreID(rawValue: centre) else {
                throw .storage("device '\(id)' or its centre '\(centre)' is not a valid id")
            }
            return DeviceSummary(
                id: device, centre: centre, firstSeenMillis: firstSeen, lastSeenMillis: lastSeen,
                presses: Int(presses), highestSequence: highest)
        }
    }

    public func revokeDevice(_ device: DeviceID, nowMillis: Int64) async throws(HubError) {
        try await transaction { connection in
            let revoked = try await connection.query(
                """
                UPDATE device_token SET revoked_millis = \(nowMillis)
                WHERE device_id = \(device.rawValue) AND revoked_millis IS NULL RETURNING device_id
                """, logger: logger
            ).collect()
            guard revoked.count == 1 else { throw HubError.notFound("no device '\(device)' with a valid token") }
        }
    }

    public func authenticate(token: String?, nowMillis: Int64) async throws(HubError) -> DeviceAuthentication {
        guard let token, !token.isEmpty else {
            throw .unauthorized("missing device token: send 'Authorization: Bearer <token>'")
        }
        let hash = DeviceToken.sha256(token)
        let found = try await read { connection in
            var found: (device: String, centre: String, revoked: Int64?, firstUsed: Int64?)?
            for try await row in try await connection.query(
                """
                SELECT t.device_id, d.centre_id, t.revoked_millis, t.first_used_millis FROM device_token t
                JOIN device d ON d.id = t.device_id WHERE t.token_sha256 = \(hash)
                """, logger: logger
            ).decode((String, String, Int64?, Int64?).self) {
                found = (row.0, row.1, row.2, row.3)
            }
            return found
        }
        guard let found else { throw .unauthorized("unknown device token") }
        guard let device = DeviceID(rawValue: found.device), let centre = CentreID(rawValue: found.centre) else {
            throw .storage("device_token names a device or centre that is not a valid id: '\(found.device)'")
        }
        if found.revoked != nil {
            throw .unauthorized("the token of device '\(device)' was revoked")
        }
        if found.firstUsed == nil {
            // From now on the device holds this token: its enrollment code cannot issue another.
            try await transaction { connection in
                try await Self.markTokenUsed(connection, device, nowMillis: nowMillis, logger: logger)
            }
        }
        return .device(device, centre: centre)
    }

    static func markTokenUsed(
        _ connection: PostgresConnection, _ device: DeviceID, nowMillis: Int64, logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE device_token SET first_used_millis = \(nowMillis)
            WHERE device_id = \(device.rawValue) AND first_used_millis IS NULL
            """, logger: logger)
    }

    // MARK: Heartbeats

    public func recordHeartbeat(_ heartbeat: Heartbeat, receivedMillis: Int64) async throws(HubError) {
        do { try heartbeat.validate() } catch { throw .unprocessable(error.description) }
        let batch = IngestBatch(
            device: heartbeat.device, centre: heartbeat.centre, presses: [], clock: heartbeat.clock)
        try IngestRules.check(batch, receivedMillis: receivedMillis)
        let body: String
        do {
            body = String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self)
        } catch {
            throw .storage("cannot encode the heartbeat of device '\(heartbeat.device)': \(error)")
        }
        let stuckLines = try HubDatabase.stuckLinesColumn(of: heartbeat)
        // The clock reading and the heartbeat itself (with its summary columns) in one transaction.
        try await transaction { connection in
            _ = try await store(connection, batch, receivedMillis: receivedMillis)
            try await connection.query(
                """
                INSERT INTO device_heartbeat (device_id, received_millis, body, clock_unsynchronised_since_millis,
                    backlog, stuck_lines, storage_warning)
                VALUES (\(heartbeat.device.rawValue), \(receivedMillis), \(body),
                    CASE WHEN \(heartbeat.clock.synchronised) THEN NULL ELSE \(receivedMillis) END,
                    \(Int64(heartbeat.backlog)), \(stuckLines), \(heartbeat.storageWarning))
                ON CONFLICT (device_id) DO UPDATE SET
                    received_millis = EXCLUDED.received_millis, body = EXCLUDED.body,
                    backlog = EXCLUDED.backlog, stuck_lines = EXCLUDED.stuck_lines,
                    storage_warning = EXCLUDED.storage_warning,
                    clock_unsynchronised_since_millis = CASE WHEN \(heartbeat.clock.synchronised) THEN NULL
                        ELSE COALESCE(device_heartbeat.clock_unsynchronised_since_millis, EXCLUDED.received_millis) END
                """, logger: logger)
        }
    }

    public func lastHeartbeat(_ device: DeviceID) async throws -> (heartbeat: Heartbeat, receivedMillis: Int64)? {
        let row = try await read { connection in
            var found: (Int64, String)?
            for try await row in try await connection.query(
                "SELECT received_millis, body FROM device_heartbeat WHERE device_id = \(device.rawValue)",
                logger: logger
            ).decode((Int64, String).self) {
                found = row
            }
            return found
        }
        guard let (received, body) = row,
            let heartbeat = try? JSONDecoder().decode(Heartbeat.self, from: Data(body.utf8))
        else { return nil }
        return (heartbeat, received)
    }

    // MARK: Reads

    public func hourCounts(
        centre: CentreID, question: Question, from: LocalDate, to: LocalDate, device: DeviceID? = nil
    ) async throws(HubError) -> [HourCount] {
        guard let device else {
            return try await read { connection in
                try await Self.hourCounts(
                    connection, centre: centre, question: question, from: from, to: to, logger: logger)
            }
        }
        let rows = try await read { connection in
            var rows: [(String, String, Int64)] = []
            for try await row in try await connection.query(
                """
                SELECT local_hour, answer, SUM(count)::bigint FROM hourly_rollup
                WHERE centre_id = \(centre.rawValue) AND question = \(question.rawValue)
                    AND local_hour >= \(from.description) AND local_hour < \(to.adding(days: 1).description)
                    AND device_id = \(device.rawValue)
                GROUP BY local_hour, answer
                """, logger: logger
            ).decode((String, String, Int64).self) {
                rows.append(row)
            }
            return rows
        }
        return rows.compactMap { key, answer, count -> HourCount? in
            guard let (date, hour) = HubDatabase.parseLocalHour(key),
                let answer = try? Answer.parse(answer, of: question)
            else { return nil }
            return HourCount(date: date, hour: hour, score: answer.score, count: Int(count))
        }
    }

    public func pressCount(device: DeviceID? = nil) async throws -> Int {
        try await read { connection in
            var count: Int64 = 0
            for try await value in try await connection.query(
                """
                SELECT COUNT(*) FROM press WHERE \(device?.rawValue)::text IS NULL OR device_id = \(device?.rawValue)
                """, logger: logger
            ).decode(Int64.self) {
                count = value
            }
            return Int(count)
        }
    }

    public func uncertainCount(centre: CentreID) async throws -> Int {
        try await read { connection in try await Self.uncertainCount(connection, centre: centre, logger: logger) }
    }

    public func placement(device: DeviceID, sequence: Int64) async throws -> (status: String, millis: Int64?)? {
        let found = try await read { connection in
            var found: (String, Int64?)?
            for try await row in try await connection.query(
                """
                SELECT time_status, placed_millis FROM press
                WHERE device_id = \(device.rawValue) AND sequence = \(sequence)
                """, logger: logger
            ).decode((String, Int64?).self) {
                found = row
            }
            return found
        }
        return found.map { (status: $0.0, millis: $0.1) }
    }
}

extension PostgresPressStore {
    public func deviceStatus(_ device: DeviceID, nowMillis: Int64, sequence: Int64?) async throws -> DeviceStatus? {
        try await read { connection in
            var fingerprint: PressFingerprint?
            if let sequence {
                for try await (boot, nanos) in try await connection.query(
                    """
                    SELECT boot, monotonic_nanos FROM press WHERE device_id = \(device.rawValue) AND sequence = \(sequence)
                    """, logger: logger
                ).decode((String, Int64).self) {
                    fingerprint = PressFingerprint(sequence: sequence, boot: boot, monotonicNanos: nanos)
                }
            }
            var status: DeviceStatus?
            for try await (centre, contiguous, highest) in try await connection.query(
                """
                SELECT centre_id, contiguous_sequence,
                    (SELECT MAX(sequence) FROM press WHERE device_id = device.id)
                FROM device WHERE id = \(device.rawValue)
                """, logger: logger
            ).decode((String, Int64, Int64?).self) {
                guard let centre = CentreID(rawValue: centre) else {
                    throw HubError.storage("device '\(device)' names a centre that is not a valid id: '\(centre)'")
                }
                status = DeviceStatus(
                    device: device, centre: centre, highestSequence: highest ?? 0,
                    highestContiguousSequence: contiguous, hubTimeMillis: nowMillis, pressAtSequence: fingerprint)
            }
            return status
        }
    }
}
