import GRDB
import Logging
import PostgresNIO

/// The centres' care in `smiley-hub migrate`: actions, alert rules, alerts and their deliveries, their ids
/// kept (the pages link to them, the outbox names its alert). Same rules as the rest of the copy: a row
/// held under the same key must agree on what never changes (else the copy is refused naming the key);
/// what moves on is merged (an acknowledgement or resolution on either side stays, a delivery settled on
/// SQLite settles a pending one, the later rule change wins); a rerun inserts nothing.
extension PostgresCopy {
    static func copyCare(
        _ care: SourceCare, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        try await copyActions(care.actions, connection, logger, &outcome)
        for setting in care.ruleSettings {
            outcome.alertRuleSettings += try await connection.query(
                """
                INSERT INTO alert_rule_setting (centre_id, name, value, changed_by, changed_millis)
                VALUES (\(setting.centre), \(setting.name), \(setting.value), \(setting.changedBy), \(setting.changed))
                ON CONFLICT (centre_id, name) DO UPDATE SET value = EXCLUDED.value, changed_by = EXCLUDED.changed_by,
                    changed_millis = EXCLUDED.changed_millis
                WHERE alert_rule_setting.changed_millis < EXCLUDED.changed_millis
                RETURNING name
                """, logger: logger
            ).collect().count
        }
        for alert in care.alerts {
            try await copyAlert(alert, connection, logger, &outcome)
        }
        for delivery in care.deliveries {
            try await copyDelivery(delivery, connection, logger, &outcome)
        }
        // Ids are kept: each identity goes on after the highest one held, never back.
        for table in ["centre_action", "alert", "alert_delivery"] where !care.isEmpty {
            try await connection.query(
                """
                SELECT setval(s.name, GREATEST((SELECT MAX(id) FROM \(unescaped: table)),
                    COALESCE(pg_sequence_last_value(s.name), 1)))
                FROM (SELECT pg_get_serial_sequence(\(table), 'id')::regclass AS name) s
                WHERE EXISTS (SELECT 1 FROM \(unescaped: table))
                """, logger: logger)
        }
    }

    static func copyActions(
        _ actions: [SourceCare.Action], _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        for action in actions {
            let inserted = try await connection.query(
                """
                INSERT INTO centre_action (id, centre_id, action_date, text, target, recorded_by, recorded_millis)
                OVERRIDING SYSTEM VALUE
                VALUES (\(action.id), \(action.centre), \(action.date), \(action.text), \(action.target),
                    \(action.recordedBy), \(action.recorded))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger
            ).collect()
            guard inserted.isEmpty else {
                outcome.actions += 1
                continue
            }
            for try await (centre, date, text, target) in try await connection.query(
                "SELECT centre_id, action_date, text, target FROM centre_action WHERE id = \(action.id)",
                logger: logger
            ).decode((String, String, String, String?).self)
            where centre != action.centre || date != action.date || text != action.text || target != action.target {
                throw HubError.conflict(
                    "action #\(action.id) differs: PostgreSQL holds '\(text)' of \(centre) on \(date), SQLite '\(action.text)' of \(action.centre) on \(action.date)"
                )
            }
        }
    }

    static func copyAlert(
        _ alert: SourceCare.Alert, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO alert (id, centre_id, kind, subject, opened_millis, evidence, acknowledged_millis,
                acknowledged_by, comment, resolved_millis)
            OVERRIDING SYSTEM VALUE
            VALUES (\(alert.id), \(alert.centre), \(alert.kind), \(alert.subject), \(alert.opened), \(alert.evidence),
                \(alert.acknowledged), \(alert.acknowledgedBy), \(alert.comment), \(alert.resolved))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        guard inserted.isEmpty else {
            outcome.alerts += 1
            return
        }
        for try await (centre, kind, subject, opened) in try await connection.query(
            "SELECT centre_id, kind, subject, opened_millis FROM alert WHERE id = \(alert.id) FOR UPDATE",
            logger: logger
        ).decode((String, String, String, Int64).self)
        where centre != alert.centre || kind != alert.kind || subject != alert.subject || opened != alert.opened {
            throw HubError.conflict(
                "alert \(alert.id) differs: PostgreSQL holds \(kind) of \(subject) at \(centre) opened at \(opened), SQLite \(alert.kind) of \(alert.subject) at \(alert.centre) opened at \(alert.opened)"
            )
        }
        // An acknowledgement or a resolution on either side stays; a resolution brings its last evidence.
        try await connection.query(
            """
            UPDATE alert SET
                acknowledged_by = CASE WHEN acknowledged_millis IS NULL THEN \(alert.acknowledgedBy) ELSE acknowledged_by END,
                comment = CASE WHEN acknowledged_millis IS NULL THEN \(alert.comment) ELSE comment END,
                acknowledged_millis = COALESCE(acknowledged_millis, \(alert.acknowledged)),
                evidence = CASE WHEN resolved_millis IS NULL AND \(alert.resolved)::bigint IS NOT NULL
                    THEN \(alert.evidence) ELSE evidence END,
                resolved_millis = COALESCE(resolved_millis, \(alert.resolved))
            WHERE id = \(alert.id)
            """, logger: logger)
    }

    static func copyDelivery(
        _ delivery: SourceCare.Delivery, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO alert_delivery (id, alert_id, event, channel, state, attempts, next_attempt_millis, last_error,
                created_millis, delivered_millis)
            OVERRIDING SYSTEM VALUE
            VALUES (\(delivery.id), \(delivery.alert), \(delivery.event), \(delivery.channel), \(delivery.state),
                \(delivery.attempts)::integer, \(delivery.nextAttempt), \(delivery.lastError), \(delivery.created),
                \(delivery.delivered))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        guard inserted.isEmpty else {
            outcome.deliveries += 1
            return
        }
        for try await (alert, event, channel) in try await connection.query(
            "SELECT alert_id, event, channel FROM alert_delivery WHERE id = \(delivery.id) FOR UPDATE", logger: logger
        ).decode((Int64, String, String).self)
        where alert != delivery.alert || event != delivery.event || channel != delivery.channel {
            throw HubError.conflict(
                "delivery \(delivery.id) differs: PostgreSQL holds the \(channel) of alert \(alert) \(event), SQLite the \(delivery.channel) of alert \(delivery.alert) \(delivery.event)"
            )
        }
        // A delivery settled on SQLite (delivered or given up) settles one still pending on PostgreSQL.
        try await connection.query(
            """
            UPDATE alert_delivery SET state = \(delivery.state), attempts = GREATEST(attempts, \(delivery.attempts)::integer),
                next_attempt_millis = \(delivery.nextAttempt), last_error = \(delivery.lastError),
                delivered_millis = \(delivery.delivered)
            WHERE id = \(delivery.id) AND state = 'pending' AND \(delivery.state) <> 'pending'
            """, logger: logger)
    }
}

/// The centres' care as SQLite holds it, in key order.
struct SourceCare: Sendable {
    struct Action: Sendable {
        var id: Int64
        var centre: String
        var date: String
        var text: String
        var target: String?
        var recordedBy: String
        var recorded: Int64
    }
    struct RuleSetting: Sendable {
        var centre: String
        var name: String
        var value: String
        var changedBy: String
        var changed: Int64
    }
    struct Alert: Sendable {
        var id: Int64
        var centre: String
        var kind: String
        var subject: String
        var opened: Int64
        var evidence: String
        var acknowledged: Int64?
        var acknowledgedBy: String?
        var comment: String?
        var resolved: Int64?
    }
    struct Delivery: Sendable {
        var id: Int64
        var alert: Int64
        var event: String
        var channel: String
        var state: String
        var attempts: Int64
        var nextAttempt: Int64
        var lastError: String?
        var created: Int64
        var delivered: Int64?
    }

    var actions: [Action] = []
    var ruleSettings: [RuleSetting] = []
    var alerts: [Alert] = []
    var deliveries: [Delivery] = []

    var isEmpty: Bool { actions.isEmpty && ruleSettings.isEmpty && alerts.isEmpty && deliveries.isEmpty }

    static func read(_ db: Database) throws -> SourceCare {
        var source = SourceCare()
        source.actions = try Row.fetchAll(
            db,
            sql: """
                SELECT id, centre_id, action_date, text, target, recorded_by, recorded_millis FROM centre_action
                ORDER BY id
                """
        ).map { row in
            Action(
                id: row["id"], centre: row["centre_id"], date: row["action_date"], text: row["text"],
                target: row["target"], recordedBy: row["recorded_by"], recorded: row["recorded_millis"])
        }
        source.ruleSettings = try Row.fetchAll(
            db,
            sql: """
                SELECT centre_id, name, value, changed_by, changed_millis FROM alert_rule_setting ORDER BY centre_id, name
                """
        ).map { row in
            RuleSetting(
                centre: row["centre_id"], name: row["name"], value: row["value"], changedBy: row["changed_by"],
                changed: row["changed_millis"])
        }
        source.alerts = try Row.fetchAll(
            db,
            sql: """
                SELECT id, centre_id, kind, subject, opened_millis, evidence, acknowledged_millis, acknowledged_by,
                    comment, resolved_millis
                FROM alert ORDER BY id
                """
        ).map { row in
            Alert(
                id: row["id"], centre: row["centre_id"], kind: row["kind"], subject: row["subject"],
                opened: row["opened_millis"], evidence: row["evidence"], acknowledged: row["acknowledged_millis"],
                acknowledgedBy: row["acknowledged_by"], comment: row["comment"], resolved: row["resolved_millis"])
        }
        source.deliveries = try Row.fetchAll(
            db,
            sql: """
                SELECT id, alert_id, event, channel, state, attempts, next_attempt_millis, last_error, created_millis,
                    delivered_millis
                FROM alert_delivery ORDER BY id
                """
        ).map { row in
            Delivery(
                id: row["id"], alert: row["alert_id"], event: row["event"], channel: row["channel"],
                state: row["state"], attempts: row["attempts"], nextAttempt: row["next_attempt_millis"],
                lastError: row["last_error"], created: row["created_millis"], delivered: row["delivered_millis"])
        }
        return source
    }
}
