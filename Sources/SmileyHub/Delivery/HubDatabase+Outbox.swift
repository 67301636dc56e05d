import Foundation
import GRDB
import SmileyCore

/// How an alert's notification stands on one channel.
public enum DeliveryState: String, Sendable, Hashable, Codable {
    /// Not yet delivered; tried again at `nextAttemptMillis`.
    case pending
    case delivered
    /// Given up after the last allowed attempt.
    case failed
}

/// One alert event's notification on one channel, as the outbox keeps it.
public struct AlertDelivery: Sendable, Hashable {
    public var id: Int64
    public var alertID: Int64
    public var event: String
    public var channel: String
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptMillis: Int64
    public var lastError: String?
    public var deliveredMillis: Int64?
}

extension HubDatabase {
    /// The delivery outbox and people's e-mail addresses.
    static func registerDeliveryMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("alerts-b2: delivery outbox, person e-mail") { db in
            try db.execute(
                sql: """
                    -- One row per alert event and channel: the notification's delivery state, kept across restarts.
                    CREATE TABLE alert_delivery (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        alert_id INTEGER NOT NULL REFERENCES alert(id),
                        event TEXT NOT NULL CHECK (event IN ('opened', 'resolved')),
                        channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
                        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_millis INTEGER NOT NULL,
                        last_error TEXT,
                        created_millis INTEGER NOT NULL,
                        delivered_millis INTEGER,
                        UNIQUE (alert_id, event, channel)
                    );
                    CREATE INDEX alert_delivery_due ON alert_delivery(next_attempt_millis) WHERE state = 'pending';
                    -- Where a person's alert e-mails go (NULL: none).
                    ALTER TABLE person ADD COLUMN email TEXT;
                    """)
        }
    }

    /// Queues one delivery per channel of an alert event (inside the transaction that stored the event).
    static func queueDeliveries(_ db: Database, alertID: Int64, event: String, channels: [String], nowMillis: Int64)
        throws
    {
        for channel in channels {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO alert_delivery
                        (alert_id, event, channel, state, next_attempt_millis, created_millis)
                    VALUES (?, ?, ?, 'pending', ?, ?)
                    """,
                arguments: [alertID, event, channel, nowMillis, nowMillis])
        }
    }

    /// Pending deliveries due at `nowMillis`, oldest first.
    public func dueDeliveries(nowMillis: Int64, limit: Int = 50) throws(HubError) -> [AlertDelivery] {
        try deliveries(
            where: "state = 'pending' AND next_attempt_millis <= ?", arguments: [nowMillis],
            order: "next_attempt_millis, id", limit: limit)
    }

    /// Claims pending deliveries due at `nowMillis` for one attempt each, oldest first: in the transaction
    /// that finds them, their next attempt moves to `holdUntilMillis`, so a later pass (this process's or,
    /// on PostgreSQL, another hub's) does not find them due while the attempt runs; the attempt's outcome
    /// (`recordDeliveryAttempt`) then sets what follows. The returned deliveries carry the hold as their
    /// next attempt.
    public func claimDueDeliveries(nowMillis: Int64, holdUntilMillis: Int64, limit: Int = 1) throws(HubError)
        -> [AlertDelivery]
    {
        let ids = try write { db -> [Int64] in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM alert_delivery WHERE state = 'pending' AND next_attempt_millis <= ?
                    ORDER BY next_attempt_millis, id LIMIT ?
                    """,
                arguments: [nowMillis, limit])
            for id in ids {
                try db.execute(
                    sql: "UPDATE alert_delivery SET next_attempt_millis = ? WHERE id = ? AND state = 'pending'",
                    arguments: [holdUntilMillis, id])
            }
            return ids
        }
        guard !ids.isEmpty else { return [] }
        let claimed = try deliveries(
            where: "id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))", arguments: StatementArguments(ids),
            order: "id", limit: ids.count)
        return ids.compactMap { id in claimed.first { $0.id == id } }
    }

    /// When the next pending delivery is due, or nil when none is pending.
    public func nextDeliveryMillis() throws(HubError) -> Int64? {
        try storage {
            try writer.read { db in
                try Int64.fetchOne(
                    db, sql: "SELECT MIN(next_attempt_millis) FROM alert_delivery WHERE state = 'pending'")
            }
        }
    }

    /// The deliveries of one alert, or of a centre's alerts (newest first).
    public func deliveries(alertID: Int64) throws(HubError) -> [AlertDelivery] {
        try deliveries(where: "alert_id = ?", arguments: [alertID], order: "id", limit: 100)
    }

    public func deliveries(centre: CentreID?, limit: Int = 50) throws(HubError) -> [AlertDelivery] {
        try deliveries(
            where: centre == nil ? "1" : "alert_id IN (SELECT id FROM alert WHERE centre_id = ?)",
            arguments: centre.map { [$0.rawValue] } ?? [], order: "id DESC", limit: limit)
    }

    /// Records the outcome of one attempt: delivered, or an error with the next attempt (nil: give up).
    public func recordDeliveryAttempt(
        id: Int64, error: String?, nextAttemptMillis: Int64?, nowMillis: Int64
    ) throws(HubError) {
        try write { db in
            if let error {
                try db.execute(
                    sql: """
                        UPDATE alert_delivery SET attempts = attempts + 1, last_error = ?,
                            state = ?, next_attempt_millis = COALESCE(?, next_attempt_millis)
                        WHERE id = ? AND state = 'pending'
                        """,
                    arguments: [
                        String(error.prefix(1000)), nextAttemptMillis == nil ? "failed" : "pending", nextAttemptMillis,
                        id,
                    ])
            } else {
                try db.execute(
                    sql: """
                        UPDATE alert_delivery SET attempts = attempts + 1, state = 'delivered', delivered_millis = ?
                        WHERE id = ? AND state = 'pending'
                        """,
                    arguments: [nowMillis, id])
            }
        }
    }

    /// Sets a failed delivery pending again, due now (`smiley-hub alert retry`).
    public func retryDelivery(
        id: Int64, centre: CentreID?, by actor: String, address: String? = nil, nowMillis: Int64
    ) throws(HubError) {
        try write { db in
            let found = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.centre_id, d.state FROM alert_delivery d JOIN alert a ON a.id = d.alert_id WHERE d.id = ?
                    """, arguments: [id]
            ).flatMap { row -> (centre: CentreID, state: DeliveryState)? in
                guard let centre = CentreID(rawValue: row["centre_id"]),
                    let state = DeliveryState(rawValue: row["state"])
                else { return nil }
                return (centre, state)
            }
            try Self.retryable(found, id: id, centre: centre)
            try db.execute(
                sql:
                    "UPDATE alert_delivery SET state = 'pending', next_attempt_millis = ? WHERE id = ? AND state = 'failed'",
                arguments: [nowMillis, id])
            guard db.changesCount == 1, let found else { throw HubError.conflict("delivery \(id) changed meanwhile") }
            try Self.audit(
                db, Self.retryAuditLine(centre: found.centre, id: id), actor: actor, address: address,
                nowMillis: nowMillis)
        }
    }

    /// The e-mail addresses of the managers who may manage a centre (directly or through its group).
    public func managerAddresses(centre: CentreID) throws(HubError) -> [String] {
        try storage {
            try writer.read { db in
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT p.email FROM person p JOIN person_scope s ON s.person = p.name
                        WHERE p.role = 'manager' AND p.email IS NOT NULL AND (
                            (s.kind = 'centre' AND s.target = ?)
                            OR (s.kind = 'group' AND s.target = (SELECT group_name FROM centre WHERE id = ?)))
                        ORDER BY p.email
                        """,
                    arguments: [centre.rawValue, centre.rawValue])
            }
        }
    }

    /// Sets or clears a person's e-mail address; a malformed one is refused by name.
    public func setEmail(_ address: String?, of name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try PeopleAudit.checkEmail(address)
        let changed = try write { db -> Int in
            try db.execute(sql: "UPDATE person SET email = ? WHERE name = ?", arguments: [address, name])
            let count = db.changesCount
            if count == 1 {
                let line = PeopleAudit.email(address, of: name)
                try Self.audit(db, actor: actor, action: line.action, detail: line.detail, nowMillis: nowMillis)
            }
            return count
        }
        guard changed == 1 else { throw .notFound("no person named '\(name)'") }
    }

    private func deliveries(where condition: String, arguments: StatementArguments, order: String, limit: Int)
        throws(HubError) -> [AlertDelivery]
    {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM alert_delivery WHERE \(condition) ORDER BY \(order) LIMIT \(limit)",
                    arguments: arguments
                ).map { row in
                    AlertDelivery(
                        id: row["id"], alertID: row["alert_id"], event: row["event"], channel: row["channel"],
                        state: DeliveryState(rawValue: row["state"]) ?? .failed, attempts: row["attempts"],
                        nextAttemptMillis: row["next_attempt_millis"], lastError: row["last_error"],
                        deliveredMillis: row["delivered_millis"])
                }
            }
        }
    }
}
