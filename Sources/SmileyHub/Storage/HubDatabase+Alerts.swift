import Foundation
import GRDB
import SmileyCore

/// An alert as stored: what it is about, and where it stands.
public struct StoredAlert: Sendable, Hashable {
    public var id: Int64
    public var centre: CentreID
    public var kind: AlertKind
    /// The question (dip, drift) or the device (device conditions) the alert is about.
    public var subject: String
    public var state: AlertState
}

extension HubDatabase {
    static func registerAlertMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4: alerts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        opened_millis INTEGER NOT NULL,
                        -- AlertEvidence as JSON: the numbers shown with the alert.
                        evidence TEXT NOT NULL,
                        acknowledged_millis INTEGER,
                        acknowledged_by TEXT,
                        comment TEXT,
                        resolved_millis INTEGER
                    );
                    -- At most one open alert per centre, kind and subject: an alert never fires twice.
                    CREATE UNIQUE INDEX alert_open ON alert(centre_id, kind, subject) WHERE resolved_millis IS NULL;
                    CREATE INDEX alert_history ON alert(centre_id, opened_millis);
                    -- Recent presses by their time, for the dip rule.
                    CREATE INDEX press_placed ON press(placed_millis) WHERE placed_millis IS NOT NULL;
                    """)
        }
    }

    /// Counted answers of a question at a centre placed after `fromMillis` up to `toMillis`.
    public func recentAnswers(centre: CentreID, question: Question, fromMillis: Int64, toMillis: Int64) throws(HubError)
        -> [TimedAnswer]
    {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.placed_millis, p.score FROM press p JOIN device d ON d.id = p.device_id
                        WHERE p.placed_millis > ? AND p.placed_millis <= ? AND d.centre_id = ? AND p.question = ?
                          AND p.suppressed = 0
                        """,
                    arguments: [fromMillis, toMillis, centre.rawValue, question.rawValue]
                ).map { TimedAnswer(millis: $0["placed_millis"], score: $0["score"]) }
            }
        }
    }

    /// Open alerts (all centres, or one), oldest first.
    public func openAlerts(centre: CentreID? = nil, limit: Int = 10_000) throws(HubError) -> [StoredAlert] {
        try alerts(
            where: "resolved_millis IS NULL" + (centre == nil ? "" : " AND centre_id = ?"),
            arguments: centre.map { [$0.rawValue] } ?? [], order: "opened_millis, id", limit: limit)
    }

    /// The latest alerts of a centre (or of all centres), open or resolved, newest first.
    public func alertHistory(centre: CentreID?, limit: Int = 20) throws(HubError) -> [StoredAlert] {
        try alerts(
            where: centre == nil ? "1" : "centre_id = ?", arguments: centre.map { [$0.rawValue] } ?? [],
            order: "opened_millis DESC, id DESC", limit: limit)
    }

    /// Carries out one transition of the alert of (centre, kind, subject) and returns the alert's id (0 for
    /// `.nothing`). When an alert opens, one delivery per channel in `deliverTo` is queued in the same
    /// transaction, so an alert is never stored without its notifications or notified without being stored.
    @discardableResult
    public func apply(
        _ transition: AlertTransition, centre: CentreID, kind: AlertKind, subject: String, deliverTo: [String] = []
    ) throws(HubError) -> Int64 {
        try write { db -> Int64 in
            try Self.apply(
                db, AlertChange(centre: centre, kind: kind, subject: subject, transition: transition), deliverTo)
        }
    }

    /// One alert's transition, as `apply` takes it.
    public struct AlertChange: Sendable {
        public var centre: CentreID
        public var kind: AlertKind
        public var subject: String
        public var transition: AlertTransition
        /// The JSON of the transition's evidence, when the caller already encoded it (`HubDatabase.json`).
        var evidenceJSON: String?

        public init(centre: CentreID, kind: AlertKind, subject: String, transition: AlertTransition) {
            self.centre = centre
            self.kind = kind
            self.subject = subject
            self.transition = transition
        }
    }

    /// Carries out the transitions of one evaluation a few hundred to a transaction (one durable commit
    /// each, where one apiece held the writer for seconds when 10,000 devices changed state at once; one
    /// transaction for all held the devices' batches back for as long as it took); returns the alerts' ids
    /// in order. Each alert is stored with its deliveries, as by `apply(_:centre:kind:subject:deliverTo:)`.
    public func apply(_ changes: [AlertChange], deliverTo: [String] = []) throws(HubError) -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(changes.count)
        for start in stride(from: 0, to: changes.count, by: Self.alertChangesPerTransaction) {
            let chunk = changes[start..<min(start + Self.alertChangesPerTransaction, changes.count)]
            ids += try write { db -> [Int64] in try chunk.map { try Self.apply(db, $0, deliverTo) } }
        }
        return ids
    }

    /// Transitions stored in one transaction: a few milliseconds of the writer's time.
    static var alertChangesPerTransaction: Int { 200 }

    private static func apply(_ db: Database, _ change: AlertChange, _ deliverTo: [String]) throws -> Int64 {
        let (centre, kind, subject) = (change.centre, change.kind, change.subject)
        switch change.transition {
        case .nothing: return 0
        case .open(let state):
            try db.cachedStatement(
                sql: """
                    INSERT INTO alert (centre_id, kind, subject, opened_millis, evidence) VALUES (?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    centre.rawValue, kind.rawValue, subject, state.openedMillis, try Self.json(state.evidence),
                ])
            let id = db.lastInsertedRowID
            try Self.queueDeliveries(
                db, alertID: id, event: "opened", channels: deliverTo, nowMillis: state.openedMillis)
            return id
        case .update(let state), .resolve(let state):
            guard
                let id = try Int64.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT id FROM alert
                            WHERE centre_id = ? AND kind = ? AND subject = ? AND resolved_millis IS NULL
                            """),
                    arguments: [centre.rawValue, kind.rawValue, subject])
            else { return 0 }
            try db.cachedStatement(sql: "UPDATE alert SET evidence = ?, resolved_millis = ? WHERE id = ?")
                .execute(arguments: [try change.evidenceJSON ?? Self.json(state.evidence), state.resolvedMillis, id])
            return id
        }
    }

    /// One alert by id, or nil.
    public func alert(id: Int64) throws(HubError) -> StoredAlert? {
        try alerts(where: "id = ?", arguments: [id], order: "id", limit: 1).first
    }

    /// A manager acknowledges an open alert with a comment (kept with who and when); it stays open until its
    /// condition clears. Acknowledging a resolved or already acknowledged alert is refused by name.
    @discardableResult
    public func acknowledgeAlert(
        id: Int64, centre: CentreID? = nil, by person: String, comment: String, nowMillis: Int64
    ) throws(HubError) -> StoredAlert {
        let text = try Self.validatedComment(comment)
        let alert = try Self.acknowledgeable(try alert(id: id), id: id, centre: centre)
        let state = AlertTransition.acknowledge(alert.state, by: person, comment: text, nowMillis: nowMillis)
        try write { db in
            // Checked again inside the transaction: an alert acknowledged or resolved meanwhile is refused.
            let current = try Self.alerts(
                db, where: "id = ?", arguments: [id], order: "id", limit: 1
            ).first
            _ = try Self.acknowledgeable(current, id: id, centre: centre)
            try db.execute(
                sql: """
                    UPDATE alert SET acknowledged_millis = ?, acknowledged_by = ?, comment = ?
                    WHERE id = ? AND acknowledged_millis IS NULL
                    """,
                arguments: [state.acknowledgedMillis, state.acknowledgedBy, state.comment, id])
            try Self.audit(
                db, actor: person, action: "acknowledge alert", detail: "\(alert.centre) alert \(id)",
                nowMillis: nowMillis)
        }
        var acknowledged = alert
        acknowledged.state = state
        return acknowledged
    }

    /// The evidence as stored: keys sorted, so that equal evidence is stored as equal text (the evaluation
    /// compares an open alert's evidence as text; without sorting the encoder's key order varies).
    static func json(_ evidence: AlertEvidence) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(evidence), as: UTF8.self)
    }

    private func alerts(where condition: String, arguments: StatementArguments, order: String, limit: Int)
        throws(HubError) -> [StoredAlert]
    {
        try storage {
            try writer.read { db in
                try Self.alerts(db, where: condition, arguments: arguments, order: order, limit: limit)
            }
        }
    }

    private static func alerts(
        _ db: Database, where condition: String, arguments: StatementArguments, order: String, limit: Int
    ) throws -> [StoredAlert] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM alert WHERE \(condition) ORDER BY \(order) LIMIT \(limit)",
            arguments: arguments
        ).compactMap { row -> StoredAlert? in
            guard let centre = CentreID(rawValue: row["centre_id"]),
                let kind = AlertKind(rawValue: row["kind"]),
                let evidence = try? JSONDecoder().decode(
                    AlertEvidence.self, from: Data((row["evidence"] as String).utf8))
            else { return nil }
            var state = AlertState(openedMillis: row["opened_millis"], evidence: evidence)
            state.acknowledgedMillis = row["acknowledged_millis"]
            state.acknowledgedBy = row["acknowledged_by"]
            state.comment = row["comment"]
            state.resolvedMillis = row["resolved_millis"]
            return StoredAlert(id: row["id"], centre: centre, kind: kind, subject: row["subject"], state: state)
        }
    }
}
