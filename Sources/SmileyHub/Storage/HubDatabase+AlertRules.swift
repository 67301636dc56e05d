import Foundation
import GRDB
import SmileyCore

/// A change to a centre's alert rules, as kept (who and when).
public struct AlertRuleChange: Sendable, Hashable {
    public var name: String
    public var value: String
    public var changedBy: String
    public var changedMillis: Int64
}

extension HubDatabase {
    /// The alert rules' tables after "v4: alerts": when each device's clock stopped being synchronised, and each
    /// centre's changes to the default rules.
    static func registerAlertRuleMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("alerts-b1: clock unsynchronised since, centre alert rules") { db in
            try db.execute(
                sql: """
                    -- Since when the device's heartbeats have reported an unsynchronised clock (NULL: synchronised).
                    ALTER TABLE device_heartbeat ADD COLUMN clock_unsynchronised_since_millis INTEGER;
                    -- A centre's changes to the default alert rules, one row per changed setting.
                    CREATE TABLE alert_rule_setting (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        name TEXT NOT NULL,
                        value TEXT NOT NULL,
                        changed_by TEXT NOT NULL,
                        changed_millis INTEGER NOT NULL,
                        PRIMARY KEY (centre_id, name)
                    ) WITHOUT ROWID;
                    """)
        }
    }

    /// Keeps since when a device's clock has been unsynchronised, from the heartbeat just stored.
    func noteClockState(_ db: Database, device: DeviceID, synchronised: Bool, receivedMillis: Int64) throws {
        if synchronised {
            try db.execute(
                sql: "UPDATE device_heartbeat SET clock_unsynchronised_since_millis = NULL WHERE device_id = ?",
                arguments: [device.rawValue])
        } else {
            try db.execute(
                sql: """
                    UPDATE device_heartbeat SET clock_unsynchronised_since_millis = COALESCE(
                        clock_unsynchronised_since_millis, ?) WHERE device_id = ?
                    """,
                arguments: [receivedMillis, device.rawValue])
        }
    }

    /// Since when each device of a centre whose heartbeats report an unsynchronised clock has done so
    /// (devices with a synchronised clock or no heartbeat are absent): one read for the whole centre.
    public func clockUnsynchronisedSince(centre: CentreID) throws(HubError) -> [DeviceID: Int64] {
        try storage {
            try writer.read { db in
                var since: [DeviceID: Int64] = [:]
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT h.device_id, h.clock_unsynchronised_since_millis FROM device_heartbeat h
                        JOIN device d ON d.id = h.device_id
                        WHERE d.centre_id = ? AND h.clock_unsynchronised_since_millis IS NOT NULL
                        """, arguments: [centre.rawValue])
                while let row = try rows.next() {
                    guard let device = DeviceID(rawValue: row[0]) else { continue }
                    since[device] = row[1]
                }
                return since
            }
        }
    }

    /// Since when the device's heartbeats have reported an unsynchronised clock, or nil.
    public func clockUnsynchronisedSince(_ device: DeviceID) throws(HubError) -> Int64? {
        try storage {
            try writer.read { db in
                try Int64.fetchOne(
                    db, sql: "SELECT clock_unsynchronised_since_millis FROM device_heartbeat WHERE device_id = ?",
                    arguments: [device.rawValue])
            }
        }
    }

    /// A centre's alert rules: the defaults with its stored changes.
    public func alertRules(centre: CentreID) throws(HubError) -> CentreAlertRules {
        CentreAlertRules.applying(try alertRuleChanges(centre: centre).map { ($0.name, $0.value) })
    }

    /// A centre's stored changes to the default rules, in the order they are applied.
    public func alertRuleChanges(centre: CentreID) throws(HubError) -> [AlertRuleChange] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT name, value, changed_by, changed_millis FROM alert_rule_setting WHERE centre_id = ?
                        ORDER BY name
                        """,
                    arguments: [centre.rawValue]
                ).map {
                    AlertRuleChange(
                        name: $0["name"], value: $0["value"], changedBy: $0["changed_by"],
                        changedMillis: $0["changed_millis"])
                }
            }
        }
    }

    /// Changes settings of a centre's rules (all or none): each is validated against the rules with the
    /// earlier ones applied; a bad one throws `.invalid` naming it and stores nothing.
    @discardableResult
    public func setAlertRules(
        _ changes: [(name: String, value: String)], centre: CentreID, by actor: String, nowMillis: Int64
    ) throws(HubError) -> CentreAlertRules {
        try requireCentre(centre)
        let (result, normalised) = try Self.normalisedRuleChanges(changes, from: try alertRules(centre: centre))
        try write { db in
            for (name, value) in normalised {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO alert_rule_setting (centre_id, name, value, changed_by, changed_millis)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [centre.rawValue, name, value, actor, nowMillis])
            }
            try Self.audit(
                db, actor: actor, action: "alert rules",
                detail: Self.ruleChangeDetail(centre: centre, normalised),
                address: nil, nowMillis: nowMillis)
        }
        return result
    }

    func requireCentre(_ centre: CentreID) throws(HubError) {
        let known = try storage { try self.centre(centre) != nil }
        guard known else { throw .notFound("unknown centre '\(centre)'") }
    }

    /// Puts a centre's rules back to the defaults.
    public func resetAlertRules(centre: CentreID, by actor: String, nowMillis: Int64) throws(HubError) {
        try requireCentre(centre)
        try write { db in
            try db.execute(sql: "DELETE FROM alert_rule_setting WHERE centre_id = ?", arguments: [centre.rawValue])
            try Self.audit(
                db, actor: actor, action: "alert rules", detail: "\(centre): defaults", address: nil,
                nowMillis: nowMillis)
        }
    }
}
