import Foundation
import GRDB
import SmileyCore

/// The fields of each device's last heartbeat that every device's health needs (`HeartbeatSummary`),
/// kept as columns of `device_heartbeat` written with the heartbeat, so that the alert evaluation and
/// `/metrics` read every device of a centre in one statement without decoding any heartbeat's JSON.
extension HubDatabase {
    static func registerHeartbeatSummaryMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("heartbeat-summary-h1: backlog, stuck lines, storage warning as columns") { db in
            try db.execute(
                sql: """
                    -- NULL backlog: the row's body has not been summarised (readers decode the body instead).
                    ALTER TABLE device_heartbeat ADD COLUMN backlog INTEGER;
                    -- The stuck lines as a JSON array of strings ('[]' when none).
                    ALTER TABLE device_heartbeat ADD COLUMN stuck_lines TEXT;
                    ALTER TABLE device_heartbeat ADD COLUMN storage_warning TEXT;
                    -- Heartbeats stored before: summarised from their JSON where it has the heartbeat's shape.
                    UPDATE device_heartbeat SET
                        backlog = json_extract(body, '$.backlog'),
                        stuck_lines = json_extract(body, '$.stuckLines'),
                        storage_warning = json_extract(body, '$.storageWarning')
                    WHERE json_valid(body)
                      AND json_type(body, '$.device') = 'text'
                      AND json_type(body, '$.centre') = 'text'
                      AND json_type(body, '$.firmwareVersion') = 'text'
                      AND json_type(body, '$.uptimeSeconds') = 'integer'
                      AND json_type(body, '$.backlog') = 'integer'
                      AND json_type(body, '$.clock') = 'object'
                      AND json_type(body, '$.lostGPIOEvents') = 'integer'
                      AND json_type(body, '$.freeDiskBytes') = 'integer'
                      AND json_type(body, '$.stuckLines') = 'array'
                      AND NOT EXISTS (SELECT 1 FROM json_each(body, '$.stuckLines') WHERE type <> 'text')
                      AND COALESCE(json_type(body, '$.storageWarning'), 'null') IN ('text', 'null');
                    """)
        }
    }

    /// The summary columns of a heartbeat about to be stored: backlog, stuck lines (JSON), storage warning.
    static func summaryColumns(of heartbeat: Heartbeat) throws(HubError) -> [(any DatabaseValueConvertible)?] {
        [heartbeat.backlog, try stuckLinesColumn(of: heartbeat), heartbeat.storageWarning]
    }

    /// The `stuck_lines` column of a heartbeat (SQLite and PostgreSQL): its stuck lines as a JSON array.
    static func stuckLinesColumn(of heartbeat: Heartbeat) throws(HubError) -> String {
        guard !heartbeat.stuckLines.isEmpty else { return "[]" }
        do {
            return String(decoding: try JSONEncoder().encode(heartbeat.stuckLines), as: UTF8.self)
        } catch {
            throw .storage("cannot encode the stuck lines of '\(heartbeat.device)': \(error)")
        }
    }

    /// One device of a centre as its health is read: when it was first seen, its last placed press (by
    /// sequence) and its last heartbeat's summary.
    struct DeviceHealthRow: Sendable, Equatable {
        var device: DeviceID
        var firstSeenMillis: Int64
        var lastPressMillis: Int64?
        var summary: HeartbeatSummary?
    }

    /// Every device of a centre, ordered by id, in one statement: the summary columns for heartbeats
    /// stored since migration heartbeat-summary-h1 (and those it summarised), the JSON body decoded only
    /// for a row it could not summarise (nil when that does not decode either, as `lastHeartbeat` says).
    func deviceHealthRows(centre: CentreID) throws(HubError) -> [DeviceHealthRow] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT d.id, d.first_seen_millis, h.received_millis, h.backlog, h.stuck_lines,
                                   h.storage_warning, CASE WHEN h.backlog IS NULL THEN h.body END AS body,
                                   (SELECT p.placed_millis FROM press p
                                    WHERE p.device_id = d.id AND p.placed_millis IS NOT NULL
                                    ORDER BY p.sequence DESC LIMIT 1) AS last_press_millis
                            FROM device d LEFT JOIN device_heartbeat h ON h.device_id = d.id
                            WHERE d.centre_id = ? ORDER BY d.id
                            """), arguments: [centre.rawValue]
                ).compactMap { row -> DeviceHealthRow? in
                    guard let device = DeviceID(rawValue: row["id"]) else { return nil }
                    return DeviceHealthRow(
                        device: device, firstSeenMillis: row["first_seen_millis"],
                        lastPressMillis: row["last_press_millis"], summary: Self.summary(row))
                }
            }
        }
    }

    /// The heartbeat summary of a `deviceHealthRows` row; nil without a (readable) heartbeat.
    private static func summary(_ row: Row) -> HeartbeatSummary? {
        guard let received: Int64 = row["received_millis"] else { return nil }
        return summary(
            receivedMillis: received, backlog: row["backlog"], stuckLines: row["stuck_lines"],
            storageWarning: row["storage_warning"], body: row["body"])
    }

    /// A heartbeat's summary from its stored columns (SQLite and PostgreSQL): from the summary columns when
    /// `backlog` is set, else from the JSON body as sent (nil when that does not decode, as `lastHeartbeat`
    /// says).
    static func summary(
        receivedMillis received: Int64, backlog: Int?, stuckLines stuckText: String?, storageWarning: String?,
        body: String?
    ) -> HeartbeatSummary? {
        guard let backlog else {
            // Not summarised by the migration: read the heartbeat as sent.
            guard let body, let heartbeat = try? JSONDecoder().decode(Heartbeat.self, from: Data(body.utf8)) else {
                return nil
            }
            return HeartbeatSummary(heartbeat, receivedMillis: received)
        }
        let stuckText = stuckText ?? "[]"
        let stuckLines: [String]
        if stuckText == "[]" {
            stuckLines = []
        } else {
            guard let lines = try? JSONDecoder().decode([String].self, from: Data(stuckText.utf8)) else { return nil }
            stuckLines = lines
        }
        return HeartbeatSummary(
            receivedMillis: received, backlog: backlog, stuckLines: stuckLines, storageWarning: storageWarning)
    }

    /// The health of every device of a centre at `nowMillis` from the heartbeats' summaries (`DeviceHealth.heartbeat`
    /// is nil): one read, no heartbeat decoded. The same figures as `CentreReader.deviceHealth(of:calendar:)`,
    /// which reads every device's whole heartbeat for the device page.
    public func deviceHealth(of centre: Centre, nowMillis: Int64, calendar: OpeningCalendar? = nil) throws
        -> [DeviceHealth]
    {
        let calendar = try calendar ?? openingCalendar(centre: centre.id)
        let bucketer = CentreReader.bucketer(centre.timeZone)
        return try deviceHealthRows(centre: centre.id).map { row in
            DeviceHealth(
                device: row.device, firstSeenMillis: row.firstSeenMillis, summary: row.summary,
                lastPressMillis: row.lastPressMillis, nowMillis: nowMillis, calendar: calendar, bucketer: bucketer)
        }
    }
}
