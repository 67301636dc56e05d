import Foundation
import Logging
import PostgresNIO
import SmileyCore

/// The heartbeat's summary columns on PostgreSQL (schema step "pg-heartbeat-1"), as SQLite keeps them
/// (migration heartbeat-summary-h1): `backlog`, `stuck_lines` (a JSON array of strings) and
/// `storage_warning` written with every heartbeat, so that a centre's device health is one statement that
/// decodes no heartbeat's JSON.
extension PostgresPressStore {
    /// The schema step: the columns, then every stored heartbeat whose body decodes summarised from it (by
    /// the hub's own decoder, as `lastHeartbeat` reads it); a body that does not decode keeps NULL columns
    /// and is read as `lastHeartbeat` reads it (no summary).
    static let heartbeatSummaryMigration = PostgresMigration(
        name: "pg-heartbeat-1: backlog, stuck lines, storage warning as columns of device_heartbeat",
        statements: [
            // NULL backlog: the row's body has not been summarised (readers decode the body instead).
            "ALTER TABLE device_heartbeat ADD COLUMN backlog bigint",
            "ALTER TABLE device_heartbeat ADD COLUMN stuck_lines text",
            "ALTER TABLE device_heartbeat ADD COLUMN storage_warning text",
        ],
        fill: { connection, logger in try await summariseStoredHeartbeats(connection, logger: logger) })

    /// Fills the summary columns of every heartbeat stored without them, in one UPDATE.
    static func summariseStoredHeartbeats(_ connection: PostgresConnection, logger: Logger) async throws {
        var devices: [String] = []
        var backlogs: [Int64] = []
        var stuckLines: [String] = []
        var hasWarning: [Bool] = []
        var warnings: [String] = []
        for try await (device, body) in try await connection.query(
            "SELECT device_id, body FROM device_heartbeat WHERE backlog IS NULL", logger: logger
        ).decode((String, String).self) {
            guard let heartbeat = try? JSONDecoder().decode(Heartbeat.self, from: Data(body.utf8)) else { continue }
            devices.append(device)
            backlogs.append(Int64(heartbeat.backlog))
            stuckLines.append(try HubDatabase.stuckLinesColumn(of: heartbeat))
            hasWarning.append(heartbeat.storageWarning != nil)
            warnings.append(heartbeat.storageWarning ?? "")
        }
        guard !devices.isEmpty else { return }
        logger.info("summarising stored heartbeats", metadata: ["heartbeats": "\(devices.count)"])
        try await connection.query(
            """
            UPDATE device_heartbeat h SET backlog = s.backlog, stuck_lines = s.stuck_lines,
                storage_warning = CASE WHEN s.has_warning THEN s.storage_warning END
            FROM unnest(\(devices)::text[], \(backlogs)::bigint[], \(stuckLines)::text[], \(hasWarning)::boolean[],
                \(warnings)::text[]) AS s(device_id, backlog, stuck_lines, has_warning, storage_warning)
            WHERE h.device_id = s.device_id
            """, logger: logger)
    }

    /// Every device of a centre, in id order, in one statement: when it was first seen, its last placed
    /// press (by sequence) and its last heartbeat's summary (the body decoded only for a row without one).
    static func deviceHealthRows(
        _ connection: PostgresConnection, centre: CentreID, logger: Logger
    ) async throws -> [HubDatabase.DeviceHealthRow] {
        var rows: [HubDatabase.DeviceHealthRow] = []
        for try await (id, firstSeen, received, backlog, stuck, warning, body, lastPress) in try await connection.query(
            """
            SELECT d.id, d.first_seen_millis, h.received_millis, h.backlog, h.stuck_lines, h.storage_warning,
                   CASE WHEN h.backlog IS NULL THEN h.body END,
                   (SELECT p.placed_millis FROM press p
                    WHERE p.device_id = d.id AND p.placed_millis IS NOT NULL
                    ORDER BY p.sequence DESC LIMIT 1)
            FROM device d LEFT JOIN device_heartbeat h ON h.device_id = d.id
            WHERE d.centre_id = \(centre.rawValue) ORDER BY d.id
            """, logger: logger
        ).decode((String, Int64, Int64?, Int64?, String?, String?, String?, Int64?).self) {
            guard let device = DeviceID(rawValue: id) else { continue }
            let summary = received.flatMap { received in
                HubDatabase.summary(
                    receivedMillis: received, backlog: backlog.map { Int($0) }, stuckLines: stuck,
                    storageWarning: warning, body: body)
            }
            rows.append(
                HubDatabase.DeviceHealthRow(
                    device: device, firstSeenMillis: firstSeen, lastPressMillis: lastPress, summary: summary))
        }
        return rows
    }

    /// A centre's devices' rows (`deviceHealthRows`), with its calendar read in the same snapshot when not given.
    func deviceHealthRows(centre: CentreID, calendar: OpeningCalendar?) async throws(HubError) -> (
        rows: [HubDatabase.DeviceHealthRow], calendar: OpeningCalendar
    ) {
        if let calendar {
            let rows = try await read { connection in
                try await Self.deviceHealthRows(connection, centre: centre, logger: logger)
            }
            return (rows, calendar)
        }
        return try await snapshot { connection in
            let calendar = try await Self.openingCalendar(connection, centre: centre, logger: logger)
            return (try await Self.deviceHealthRows(connection, centre: centre, logger: logger), calendar)
        }
    }

    public func deviceHealth(of centre: Centre, nowMillis: Int64, calendar: OpeningCalendar? = nil) async throws
        -> [DeviceHealth]
    {
        let (rows, calendar) = try await deviceHealthRows(centre: centre.id, calendar: calendar)
        let bucketer = CentreReader.bucketer(centre.timeZone)
        return rows.map { row in
            DeviceHealth(
                device: row.device, firstSeenMillis: row.firstSeenMillis, summary: row.summary,
                lastPressMillis: row.lastPressMillis, nowMillis: nowMillis, calendar: calendar, bucketer: bucketer)
        }
    }
}
