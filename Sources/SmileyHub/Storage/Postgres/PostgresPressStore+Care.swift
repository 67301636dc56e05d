import Foundation
import Logging
import PostgresNIO
import SmileyCore

/// A centre's care on PostgreSQL (`CentreCareStore`): actions, alert rules, alerts and their deliveries,
/// read and written as `HubDatabase` does on SQLite, decided by the same pure rules. Each change is one
/// transaction with its audit line; an alert is stored with its queued deliveries in one transaction, and an
/// acknowledgement locks the alert's row (`FOR UPDATE`) before checking its state, so two hubs
/// acknowledging the same alert at once record it once.
extension PostgresPressStore: CentreCareStore {
    // MARK: Actions

    @discardableResult
    public func addAction(
        centre: CentreID, date: LocalDate, text: String, target: String?, by person: String, address: String? = nil,
        nowMillis: Int64
    ) async throws(HubError) -> CentreAction {
        let (words, hours) = try HubDatabase.validatedAction(text: text, target: target)
        return try await transaction { connection in
            try await requireCentre(connection, centre)
            var id: Int64 = 0
            for try await value in try await connection.query(
                """
                INSERT INTO centre_action (centre_id, action_date, text, target, recorded_by, recorded_millis)
                VALUES (\(centre.rawValue), \(date.description), \(words), \(hours?.description), \(person), \(nowMillis))
                RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                id = value
            }
            try await audit(
                connection, PeopleAudit.Line(action: "action added", detail: "\(centre) #\(id) \(date): \(words)"),
                actor: person, address: address, nowMillis: nowMillis)
            return CentreAction(
                id: id, centre: centre, date: date, text: words, target: hours, recordedBy: person,
                recordedMillis: nowMillis)
        }
    }

    public func actions(centre: CentreID) async throws(HubError) -> [CentreAction] {
        try await read { connection in
            var actions: [CentreAction] = []
            for try await (id, date, text, target, recordedBy, recorded) in try await connection.query(
                """
                SELECT id, action_date, text, target, recorded_by, recorded_millis FROM centre_action
                WHERE centre_id = \(centre.rawValue) ORDER BY action_date, id
                """, logger: logger
            ).decode((Int64, String, String, String?, String, Int64).self) {
                guard let date = try? LocalDate.parse(date) else { continue }
                actions.append(
                    CentreAction(
                        id: id, centre: centre, date: date, text: text,
                        target: target.flatMap { try? OpeningHours.parse($0) }, recordedBy: recordedBy,
                        recordedMillis: recorded))
            }
            return actions
        }
    }

    public func removeAction(
        _ id: Int64, centre: CentreID, by person: String, address: String? = nil, nowMillis: Int64
    ) async throws(HubError) {
        try await transaction { connection in
            let removed = try await connection.query(
                "DELETE FROM centre_action WHERE id = \(id) AND centre_id = \(centre.rawValue) RETURNING id",
                logger: logger
            ).collect()
            guard removed.count == 1 else { throw HubError.notFound("centre '\(centre)' has no action #\(id)") }
            try await audit(
                connection, PeopleAudit.Line(action: "action removed", detail: "\(centre) #\(id)"), actor: person,
                address: address, nowMillis: nowMillis)
        }
    }

    public func firstDataDate(centre: CentreID) async throws(HubError) -> LocalDate? {
        try await read { connection in
            var first: String?
            for try await value in try await connection.query(
                "SELECT MIN(local_hour) FROM hourly_rollup WHERE centre_id = \(centre.rawValue)", logger: logger
            ).decode(String?.self) {
                first = value
            }
            return first.flatMap { HubDatabase.parseLocalHour($0)?.0 }
        }
    }

    /// Fails with "unknown centre" unless the centre exists; holds its row against removal until commit.
    func requireCentre(_ connection: PostgresConnection, _ centre: CentreID) async throws {
        let found = try await connection.query(
            "SELECT 1 FROM centre WHERE id = \(centre.rawValue) FOR KEY SHARE", logger: logger
        ).collect()
        guard !found.isEmpty else { throw HubError.notFound("unknown centre '\(centre)'") }
    }

    // MARK: Alert rules

    public func alertRules(centre: CentreID) async throws(HubError) -> CentreAlertRules {
        CentreAlertRules.applying(try await alertRuleChanges(centre: centre).map { ($0.name, $0.value) })
    }

    public func alertRuleChanges(centre: CentreID) async throws(HubError) -> [AlertRuleChange] {
        try await read { connection in try await alertRuleChanges(connection, centre: centre) }
    }

    func alertRuleChanges(_ connection: PostgresConnection, centre: CentreID) async throws -> [AlertRuleChange] {
        var changes: [AlertRuleChange] = []
        for try await (name, value, changedBy, changed) in try await connection.query(
            """
            SELECT name, value, changed_by, changed_millis FROM alert_rule_setting WHERE centre_id = \(centre.rawValue)
            ORDER BY name
            """, logger: logger
        ).decode((String, String, String, Int64).self) {
            changes.append(AlertRuleChange(name: name, value: value, changedBy: changedBy, changedMillis: changed))
        }
        return changes
    }

    /// Checked against the rules as this transaction reads them, stored in the same transaction.
    @discardableResult
    public func setAlertRules(
        _ changes: [(name: String, value: String)], centre: CentreID, by actor: String, nowMillis: Int64
    ) async throws(HubError) -> CentreAlertRules {
        try await transaction { connection in
            try await requireCentre(connection, centre)
            let held = try await alertRuleChanges(connection, centre: centre)
            let (rules, stored) = try HubDatabase.normalisedRuleChanges(
                changes, from: CentreAlertRules.applying(held.map { ($0.name, $0.value) }))
            for (name, value) in stored {
                try await connection.query(
                    """
                    INSERT INTO alert_rule_setting (centre_id, name, value, changed_by, changed_millis)
                    VALUES (\(centre.rawValue), \(name), \(value), \(actor), \(nowMillis))
                    ON CONFLICT (centre_id, name) DO UPDATE SET value = EXCLUDED.value,
                        changed_by = EXCLUDED.changed_by, changed_millis = EXCLUDED.changed_millis
                    """, logger: logger)
            }
            try await audit(
                connection,
                PeopleAudit.Line(action: "alert rules", detail: HubDatabase.ruleChangeDetail(centre: centre, stored)),
                actor: actor, nowMillis: nowMillis)
            return rules
        }
    }

    public func resetAlertRules(centre: CentreID, by actor: String, nowMillis: Int64) async throws(HubError) {
        try await transaction { connection in
            try await requireCentre(connection, centre)
            try await connection.query(
                "DELETE FROM alert_rule_setting WHERE centre_id = \(centre.rawValue)", logger: logger)
            try await audit(
                connection, PeopleAudit.Line(action: "alert rules", detail: "\(centre): defaults"), actor: actor,
                nowMillis: nowMillis)
        }
    }

    public func clockUnsynchronisedSince(centre: CentreID) async throws(HubError) -> [DeviceID: Int64] {
        try await read { connection in
            var since: [DeviceID: Int64] = [:]
            for try await (device, millis) in try await connection.query(
                """
                SELECT h.device_id, h.clock_unsynchronised_since_millis FROM device_heartbeat h
                JOIN device d ON d.id = h.device_id
                WHERE d.centre_id = \(centre.rawValue) AND h.clock_unsynchronised_since_millis IS NOT NULL
                """, logger: logger
            ).decode((String, Int64).self) {
                guard let device = DeviceID(rawValue: device) else { continue }
                since[device] = millis
            }
            return since
        }
    }

    // MARK: Alerts

    static let alertColumns =
        "id, centre_id, kind, subject, opened_millis, evidence, acknowledged_millis, acknowledged_by, comment, resolved_millis"

    /// The alerts a query of `alertColumns` returns; one whose kind, centre or evidence does not decode is
    /// left out, as on SQLite.
    func alerts(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [StoredAlert] {
        var alerts: [StoredAlert] = []
        for try await row in try await connection.query(query, logger: logger).decode(
            (Int64, String, String, String, Int64, String, Int64?, String?, String?, Int64?).self)
        {
            guard let centre = CentreID(rawValue: row.1), let kind = AlertKind(rawValue: row.2),
                let evidence = try? JSONDecoder().decode(AlertEvidence.self, from: Data(row.5.utf8))
            else { continue }
            var state = AlertState(openedMillis: row.4, evidence: evidence)
            state.acknowledgedMillis = row.6
            state.acknowledgedBy = row.7
            state.comment = row.8
            state.resolvedMillis = row.9
            alerts.append(StoredAlert(id: row.0, centre: centre, kind: kind, subject: row.3, state: state))
        }
        return alerts
    }

    public func openAlerts(centre: CentreID? = nil, limit: Int = 10_000) async throws(HubError) -> [StoredAlert] {
        try await read { connection in
            try await alerts(
                connection,
                """
                SELECT \(unescaped: Self.alertColumns) FROM alert
                WHERE resolved_millis IS NULL AND (\(centre?.rawValue)::text IS NULL OR centre_id = \(centre?.rawValue))
                ORDER BY opened_millis, id LIMIT \(Int64(limit))
                """)
        }
    }

    public func alertHistory(centre: CentreID?, limit: Int = 20) async throws(HubError) -> [StoredAlert] {
        try await read { connection in
            try await alerts(
                connection,
                """
                SELECT \(unescaped: Self.alertColumns) FROM alert
                WHERE \(centre?.rawValue)::text IS NULL OR centre_id = \(centre?.rawValue)
                ORDER BY opened_millis DESC, id DESC LIMIT \(Int64(limit))
                """)
        }
    }

    public func alert(id: Int64) async throws(HubError) -> StoredAlert? {
        try await read { connection in
            try await alerts(connection, "SELECT \(unescaped: Self.alertColumns) FROM alert WHERE id = \(id)").first
        }
    }

    @discardableResult
    public func acknowledgeAlert(
        id: Int64, centre: CentreID? = nil, by person: String, comment: String, nowMillis: Int64
    ) async throws(HubError) -> StoredAlert {
        let text = try HubDatabase.validatedComment(comment)
        return try await transaction { connection in
            // The row lock makes a second hub acknowledging the same alert wait, then find it acknowledged.
            let found = try await alerts(
                connection, "SELECT \(unescaped: Self.alertColumns) FROM alert WHERE id = \(id) FOR UPDATE")
            var alert = try HubDatabase.acknowledgeable(found.first, id: id, centre: centre)
            let state = AlertTransition.acknowledge(alert.state, by: person, comment: text, nowMillis: nowMillis)
            try await connection.query(
                """
                UPDATE alert SET acknowledged_millis = \(state.acknowledgedMillis), acknowledged_by = \(state.acknowledgedBy),
                    comment = \(state.comment)
                WHERE id = \(id) AND acknowledged_millis IS NULL
                """, logger: logger)
            try await audit(
                connection, PeopleAudit.Line(action: "acknowledge alert", detail: "\(alert.centre) alert \(id)"),
                actor: person, nowMillis: nowMillis)
            alert.state = state
            return alert
        }
    }

    /// A few hundred transitions to a transaction, as on SQLite; each alert with its deliveries.
    @discardableResult
    public func apply(_ changes: [HubDatabase.AlertChange], deliverTo: [String] = []) async throws(HubError)
        -> [Int64]
    {
        var ids: [Int64] = []
        ids.reserveCapacity(changes.count)
        let size = HubDatabase.alertChangesPerTransaction
        for start in stride(from: 0, to: changes.count, by: size) {
            let chunk = changes[start..<min(start + size, changes.count)]
            ids += try await transaction { connection in
                var ids: [Int64] = []
                for change in chunk { ids.append(try await apply(connection, change, deliverTo)) }
                return ids
            }
        }
        return ids
    }

    func apply(_ connection: PostgresConnection, _ change: HubDatabase.AlertChange, _ deliverTo: [String])
        async throws -> Int64
    {
        let (centre, kind, subject) = (change.centre.rawValue, change.kind.rawValue, change.subject)
        switch change.transition {
        case .nothing: return 0
        case .open(let state):
            let evidence = try HubDatabase.json(state.evidence)
            var id: Int64 = 0
            for try await value in try await connection.query(
                """
                INSERT INTO alert (centre_id, kind, subject, opened_millis, evidence)
                VALUES (\(centre), \(kind), \(subject), \(state.openedMillis), \(evidence))
                RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                id = value
            }
            // One delivery per channel, in the order given (their ids in that order, as on SQLite).
            for channel in deliverTo {
                try await connection.query(
                    """
                    INSERT INTO alert_delivery (alert_id, event, channel, state, next_attempt_millis, created_millis)
                    VALUES (\(id), 'opened', \(channel), 'pending', \(state.openedMillis), \(state.openedMillis))
                    ON CONFLICT (alert_id, event, channel) DO NOTHING
                    """, logger: logger)
            }
            return id
        case .update(let state), .resolve(let state):
            let evidence = try change.evidenceJSON ?? HubDatabase.json(state.evidence)
            var id: Int64 = 0
            for try await value in try await connection.query(
                """
                UPDATE alert SET evidence = \(evidence), resolved_millis = \(state.resolvedMillis)
                WHERE centre_id = \(centre) AND kind = \(kind) AND subject = \(subject) AND resolved_millis IS NULL
                RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                id = value
            }
            return id
        }
    }

    public func recentAnswers(centre: CentreID, question: Question, fromMillis: Int64, toMillis: Int64)
        async throws(HubError) -> [TimedAnswer]
    {
        try await read { connection in
            var answers: [TimedAnswer] = []
            for try await (millis, score) in try await connection.query(
                """
                SELECT p.placed_millis, p.score::bigint FROM press p JOIN device d ON d.id = p.device_id
                WHERE p.placed_millis > \(fromMillis) AND p.placed_millis <= \(toMillis)
                    AND d.centre_id = \(centre.rawValue) AND p.question = \(question.rawValue) AND NOT p.suppressed
                """, logger: logger
            ).decode((Int64, Int64).self) {
                answers.append(TimedAnswer(millis: millis, score: Int(score)))
            }
            return answers
        }
    }

    public func openAlertHeads() async throws(HubError) -> [HubDatabase.OpenAlertHead] {
        try await read { connection in
            var heads: [HubDatabase.OpenAlertHead] = []
            for try await row in try await connection.query(
                """
                SELECT id, centre_id, kind, subject, opened_millis, acknowledged_millis, acknowledged_by, comment, evidence
                FROM alert WHERE resolved_millis IS NULL ORDER BY opened_millis, id
                """, logger: logger
            ).decode((Int64, String, String, String, Int64, Int64?, String?, String?, String).self) {
                guard let centre = CentreID(rawValue: row.1), let kind = AlertKind(rawValue: row.2) else { continue }
                heads.append(
                    HubDatabase.OpenAlertHead(
                        id: row.0, centre: centre, kind: kind, subject: row.3, openedMillis: row.4,
                        acknowledgedMillis: row.5, acknowledgedBy: row.6, comment: row.7, evidenceJSON: row.8))
            }
            return heads
        }
    }

    // MARK: Deliveries

    static let deliveryColumns =
        "id, alert_id, event, channel, state, attempts::bigint, next_attempt_millis, last_error, delivered_millis"

    func deliveries(_ query: PostgresQuery) async throws(HubError) -> [AlertDelivery] {
        try await read { connection in
            var deliveries: [AlertDelivery] = []
            for try await row in try await connection.query(query, logger: logger).decode(
                (Int64, Int64, String, String, String, Int64, Int64, String?, Int64?).self)
            {
                deliveries.append(
                    AlertDelivery(
                        id: row.0, alertID: row.1, event: row.2, channel: row.3,
                        state: DeliveryState(rawValue: row.4) ?? .failed, attempts: Int(row.5),
                        nextAttemptMillis: row.6,
                        lastError: row.7, deliveredMillis: row.8))
            }
            return deliveries
        }
    }

    public func deliveries(alertID: Int64) async throws(HubError) -> [AlertDelivery] {
        try await deliveries(
            "SELECT \(unescaped: Self.deliveryColumns) FROM alert_delivery WHERE alert_id = \(alertID) ORDER BY id LIMIT 100"
        )
    }

    public func deliveries(centre: CentreID?, limit: Int = 50) async throws(HubError) -> [AlertDelivery] {
        try await deliveries(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM alert_delivery
            WHERE \(centre?.rawValue)::text IS NULL
                OR alert_id IN (SELECT id FROM alert WHERE centre_id = \(centre?.rawValue))
            ORDER BY id DESC LIMIT \(Int64(limit))
            """)
    }

    public func dueDeliveries(nowMillis: Int64, limit: Int = 50) async throws(HubError) -> [AlertDelivery] {
        try await deliveries(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM alert_delivery
            WHERE state = 'pending' AND next_attempt_millis <= \(nowMillis)
            ORDER BY next_attempt_millis, id LIMIT \(Int64(limit))
            """)
    }

    /// One conditional statement: the due rows are locked as found (`FOR UPDATE SKIP LOCKED`: a row another
    /// hub's claim holds is passed over, not waited for), checked again as updated, and returned as claimed.
    /// The rows are chosen in a `WITH` query, run once: written as `id IN (SELECT … LIMIT n FOR UPDATE SKIP
    /// LOCKED)`, the statement claimed every due delivery at once (DeliveryClaimTests caught it).
    public func claimDueDeliveries(nowMillis: Int64, holdUntilMillis: Int64, limit: Int = 1) async throws(HubError)
        -> [AlertDelivery]
    {
        let claimed = try await transaction { connection in
            var rows: [AlertDelivery] = []
            for try await row in try await connection.query(
                """
                WITH due AS (
                    SELECT id AS due_id FROM alert_delivery
                    WHERE state = 'pending' AND next_attempt_millis <= \(nowMillis)
                    ORDER BY next_attempt_millis, id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                UPDATE alert_delivery SET next_attempt_millis = \(holdUntilMillis) FROM due
                WHERE id = due.due_id AND state = 'pending' AND next_attempt_millis <= \(nowMillis)
                RETURNING \(unescaped: Self.deliveryColumns)
                """, logger: logger
            ).decode((Int64, Int64, String, String, String, Int64, Int64, String?, Int64?).self) {
                rows.append(
                    AlertDelivery(
                        id: row.0, alertID: row.1, event: row.2, channel: row.3,
                        state: DeliveryState(rawValue: row.4) ?? .failed, attempts: Int(row.5),
                        nextAttemptMillis: row.6, lastError: row.7, deliveredMillis: row.8))
            }
            return rows
        }
        return claimed.sorted { $0.id < $1.id }
    }

    public func nextDeliveryMillis() async throws(HubError) -> Int64? {
        try await read { connection in
            var next: Int64?
            for try await value in try await connection.query(
                "SELECT MIN(next_attempt_millis) FROM alert_delivery WHERE state = 'pending'", logger: logger
            ).decode(Int64?.self) {
                next = value
            }
            return next
        }
    }

    public func recordDeliveryAttempt(id: Int64, error: String?, nextAttemptMillis: Int64?, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection -> Void in
            if let error {
                try await connection.query(
                    """
                    UPDATE alert_delivery SET attempts = attempts + 1, last_error = \(String(error.prefix(1000))),
                        state = \(nextAttemptMillis == nil ? "failed" : "pending"),
                        next_attempt_millis = COALESCE(\(nextAttemptMillis), next_attempt_millis)
                    WHERE id = \(id) AND state = 'pending'
                    """, logger: logger)
            } else {
                try await connection.query(
                    """
                    UPDATE alert_delivery SET attempts = attempts + 1, state = 'delivered', delivered_millis = \(nowMillis)
                    WHERE id = \(id) AND state = 'pending'
                    """, logger: logger)
            }
        }
    }

    /// The delivery's row locked as found, so a retry and a delivery attempt of another hub take turns.
    public func retryDelivery(
        id: Int64, centre: CentreID?, by actor: String, address: String? = nil, nowMillis: Int64
    ) async throws(HubError) {
        try await transaction { connection in
            var found: (centre: CentreID, state: DeliveryState)?
            for try await (centreText, stateText) in try await connection.query(
                """
                SELECT a.centre_id, d.state FROM alert_delivery d JOIN alert a ON a.id = d.alert_id
                WHERE d.id = \(id) FOR UPDATE OF d
                """, logger: logger
            ).decode((String, String).self) {
                if let centre = CentreID(rawValue: centreText), let state = DeliveryState(rawValue: stateText) {
                    found = (centre, state)
                }
            }
            try HubDatabase.retryable(found, id: id, centre: centre)
            try await connection.query(
                """
                UPDATE alert_delivery SET state = 'pending', next_attempt_millis = \(nowMillis)
                WHERE id = \(id) AND state = 'failed'
                """, logger: logger)
            if let found {
                try await audit(
                    connection, HubDatabase.retryAuditLine(centre: found.centre, id: id), actor: actor,
                    address: address, nowMillis: nowMillis)
            }
        }
    }

    public func managerAddresses(centre: CentreID) async throws(HubError) -> [String] {
        try await read { connection in
            var addresses: [String] = []
            for try await address in try await connection.query(
                """
                SELECT DISTINCT p.email COLLATE "C" FROM person p JOIN person_scope s ON s.person = p.name
                WHERE p.role = 'manager' AND p.email IS NOT NULL AND (
                    (s.kind = 'centre' AND s.target = \(centre.rawValue))
                    OR (s.kind = 'group' AND s.target = (SELECT group_name FROM centre WHERE id = \(centre.rawValue))))
                ORDER BY 1
                """, logger: logger
            ).decode(String.self) {
                addresses.append(address)
            }
            return addresses
        }
    }
}
