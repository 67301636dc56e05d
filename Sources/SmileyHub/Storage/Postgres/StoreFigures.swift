import GRDB
import PostgresNIO
import SmileyCore

/// What `smiley-hub migrate` compares on both sides after a copy: presses per device (all, and those
/// without a trustworthy time), every `hourly_rollup`, `centre_hour` and `centre_day` row, and every row of
/// the people's tables (`PeopleTable`) and of the centres' care (`CareTable`, the weekly reports' ledger with it).
public struct StoreFigures: Sendable, Equatable {
    public var presses: [String: Int64] = [:]
    public var uncertain: [String: Int64] = [:]
    /// "centre device question answer local-hour count score-sum", one per row.
    public var rollup: Set<String> = []
    /// "centre question day hour answer score count", one per row.
    public var centreHours: Set<String> = []
    /// "centre question day answer score open closed", one per row.
    public var centreDays: Set<String> = []
    /// Per people's table: each row's printable key (a name, an id, a hash's first 12 digits) and its whole
    /// content, secrets included (compared, never printed).
    public var people: [PeopleTable: [String: String]] = [:]
    /// Per table of the centres' care and lobby screens: each row's key (an id, or centre and name) and its whole
    /// content.
    public var care: [CareTable: [String: String]] = [:]

    public init() {}

    /// The centres' care and their lobby screens' display tokens compared, each by one query both SQLite and
    /// PostgreSQL run: a text key, a text content.
    public enum CareTable: String, Sendable, CaseIterable {
        case centreAction = "centre_action"
        case alertRuleSetting = "alert_rule_setting"
        case alert
        case alertDelivery = "alert_delivery"
        case weeklyReportSending = "weekly_report_sending"
        case displayToken = "display_token"

        var sql: String {
            switch self {
            case .centreAction:
                """
                SELECT CAST(id AS TEXT), centre_id || ' ' || action_date || ' ' || text || ' ' || COALESCE(target, '-')
                    || ' ' || recorded_by || ' ' || CAST(recorded_millis AS TEXT) FROM centre_action
                """
            case .alertRuleSetting:
                """
                SELECT centre_id || ' ' || name, value || ' ' || changed_by || ' ' || CAST(changed_millis AS TEXT)
                FROM alert_rule_setting
                """
            case .alert:
                """
                SELECT CAST(id AS TEXT), centre_id || ' ' || kind || ' ' || subject || ' ' || CAST(opened_millis AS TEXT)
                    || ' ' || evidence || ' ' || COALESCE(CAST(acknowledged_millis AS TEXT), '-') || ' '
                    || COALESCE(acknowledged_by, '-') || ' ' || COALESCE(comment, '-') || ' '
                    || COALESCE(CAST(resolved_millis AS TEXT), '-')
                FROM alert
                """
            case .alertDelivery:
                """
                SELECT CAST(id AS TEXT), CAST(alert_id AS TEXT) || ' ' || event || ' ' || channel || ' ' || state || ' '
                    || CAST(attempts AS TEXT) || ' ' || CAST(next_attempt_millis AS TEXT) || ' '
                    || COALESCE(last_error, '-') || ' ' || CAST(created_millis AS TEXT) || ' '
                    || COALESCE(CAST(delivered_millis AS TEXT), '-')
                FROM alert_delivery
                """
            case .weeklyReportSending:
                """
                SELECT centre_id || ' ' || week_from, state || ' ' || CAST(attempts AS TEXT) || ' '
                    || CAST(next_attempt_millis AS TEXT) || ' ' || COALESCE(last_error, '-') || ' '
                    || CAST(created_millis AS TEXT) || ' ' || COALESCE(CAST(sent_millis AS TEXT), '-') || ' '
                    || COALESCE(recipients, '-')
                FROM weekly_report_sending
                """
            case .displayToken:
                """
                SELECT CAST(id AS TEXT), centre_id || ' ' || token_hash || ' ' || label || ' ' || created_by || ' '
                    || CAST(created_millis AS TEXT) || ' ' || COALESCE(CAST(revoked_millis AS TEXT), '-')
                FROM display_token
                """
            }
        }
    }

    /// The people's tables compared, each by one query that both SQLite and PostgreSQL run: a text key and a
    /// text content.
    public enum PeopleTable: String, Sendable, CaseIterable {
        case centreGroup = "centre_group"
        case centreGroupMember = "centre group_name"
        case person
        case personScope = "person_scope"
        case passwordLink = "password_link"
        case session
        case apiToken = "api_token"
        case audit

        var sql: String {
            switch self {
            case .centreGroup: "SELECT name, '' FROM centre_group"
            case .centreGroupMember: "SELECT id, group_name FROM centre WHERE group_name IS NOT NULL"
            case .person:
                """
                SELECT name, role || ' ' || COALESCE(password_hash, '-') || ' ' || COALESCE(totp_secret, '-') || ' '
                    || CAST(created_millis AS TEXT) || ' ' || COALESCE(email, '-') FROM person
                """
            case .personScope: "SELECT person || ' ' || kind || ' ' || target, '' FROM person_scope"
            case .passwordLink:
                """
                SELECT person || ' ' || substr(token_sha256, 1, 12), token_sha256 || ' ' || CAST(created_millis AS TEXT)
                    || ' ' || CAST(expires_millis AS TEXT) || ' ' || COALESCE(CAST(used_millis AS TEXT), '-')
                FROM password_link
                """
            case .session:
                """
                SELECT person || ' ' || substr(id_sha256, 1, 12), id_sha256 || ' ' || csrf || ' '
                    || CAST(created_millis AS TEXT) || ' ' || CAST(last_seen_millis AS TEXT) || ' '
                    || COALESCE(CAST(ended_millis AS TEXT), '-')
                FROM session
                """
            case .apiToken:
                """
                SELECT CAST(id AS TEXT), person || ' ' || name || ' ' || token_sha256 || ' '
                    || CAST(created_millis AS TEXT) || ' ' || COALESCE(CAST(expires_millis AS TEXT), '-') || ' '
                    || COALESCE(CAST(revoked_millis AS TEXT), '-') || ' ' || COALESCE(CAST(last_used_millis AS TEXT), '-')
                FROM api_token
                """
            // No key but the content: a line held n times is keyed "…", "… #2", … "… #n".
            case .audit:
                """
                SELECT CAST(at_millis AS TEXT) || ' ' || actor || ' ' || action || ' ' || detail || ' '
                    || COALESCE(address, '-'), '' FROM audit
                """
            }
        }

        /// Rows by key; a repeated key gets " #2", " #3", … (only the audit log repeats keys).
        static func keyed(_ rows: [(String, String)]) -> [String: String] {
            var keyed: [String: String] = [:]
            for (key, content) in rows.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
                var unique = key
                var occurrence = 1
                while keyed[unique] != nil {
                    occurrence += 1
                    unique = "\(key) #\(occurrence)"
                }
                keyed[unique] = content
            }
            return keyed
        }
    }

    static let pressesSQL = "SELECT device_id, COUNT(*) FROM press GROUP BY device_id"
    static let uncertainSQL =
        "SELECT device_id, COUNT(*) FROM press WHERE time_status = 'uncertain' GROUP BY device_id"
    static let rollupSQL =
        "SELECT centre_id, device_id, question, answer, local_hour, count, score_sum FROM hourly_rollup WHERE count > 0"
    static let centreHourSQL =
        "SELECT centre_id, question, day, hour, answer, score, count FROM centre_hour WHERE count > 0"
    /// One text a row, the same on both: SQLite and PostgreSQL both concatenate with `||`.
    static let centreDaySQL = """
        SELECT centre_id || ' ' || question || ' ' || day || ' ' || answer || ' ' || score || ' ' || open_count
            || ' ' || closed_count FROM centre_day
        """

    /// The figures of an SQLite hub.
    public static func read(_ database: HubDatabase) throws(HubError) -> StoreFigures {
        try database.storage {
            try database.writer.read { db in
                var figures = StoreFigures()
                for row in try Row.fetchAll(db, sql: pressesSQL) { figures.presses[row[0]] = row[1] }
                for row in try Row.fetchAll(db, sql: uncertainSQL) { figures.uncertain[row[0]] = row[1] }
                for row in try Row.fetchAll(db, sql: rollupSQL) {
                    figures.rollup.insert(
                        "\(row[0] as String) \(row[1] as String) \(row[2] as String) \(row[3] as String) "
                            + "\(row[4] as String) \(row[5] as Int64) \(row[6] as Int64)")
                }
                for row in try Row.fetchAll(db, sql: centreHourSQL) {
                    figures.centreHours.insert(
                        "\(row[0] as String) \(row[1] as String) \(row[2] as Int64) \(row[3] as Int64) "
                            + "\(row[4] as String) \(row[5] as Int64) \(row[6] as Int64)")
                }
                figures.centreDays = Set(try String.fetchAll(db, sql: centreDaySQL))
                for table in PeopleTable.allCases {
                    figures.people[table] = PeopleTable.keyed(
                        try Row.fetchAll(db, sql: table.sql).map { row in (row[0], row[1]) })
                }
                for table in CareTable.allCases {
                    figures.care[table] = PeopleTable.keyed(
                        try Row.fetchAll(db, sql: table.sql).map { row in (row[0], row[1]) })
                }
                return figures
            }
        }
    }

    /// The figures of a PostgreSQL database.
    public static func read(_ store: PostgresPressStore) async throws(HubError) -> StoreFigures {
        let logger = store.logger
        return try await store.read { connection in
            var figures = StoreFigures()
            for try await (device, count) in try await connection.query(
                PostgresQuery(unsafeSQL: pressesSQL), logger: logger
            ).decode((String, Int64).self) {
                figures.presses[device] = count
            }
            for try await (device, count) in try await connection.query(
                PostgresQuery(unsafeSQL: uncertainSQL), logger: logger
            ).decode((String, Int64).self) {
                figures.uncertain[device] = count
            }
            for try await (centre, device, question, answer, hour, count, sum) in try await connection.query(
                PostgresQuery(unsafeSQL: rollupSQL), logger: logger
            ).decode((String, String, String, String, String, Int64, Int64).self) {
                figures.rollup.insert("\(centre) \(device) \(question) \(answer) \(hour) \(count) \(sum)")
            }
            for try await (centre, question, day, hour, answer, score, count) in try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT centre_id, question, day::bigint, hour::bigint, answer, score::bigint, count FROM centre_hour WHERE count > 0"
                ), logger: logger
            ).decode((String, String, Int64, Int64, String, Int64, Int64).self) {
                figures.centreHours.insert("\(centre) \(question) \(day) \(hour) \(answer) \(score) \(count)")
            }
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: centreDaySQL), logger: logger)
                .decode(String.self)
            {
                figures.centreDays.insert(row)
            }
            for table in PeopleTable.allCases {
                var rows: [(String, String)] = []
                for try await (key, content) in try await connection.query(
                    PostgresQuery(unsafeSQL: table.sql), logger: logger
                ).decode((String, String).self) {
                    rows.append((key, content))
                }
                figures.people[table] = PeopleTable.keyed(rows)
            }
            for table in CareTable.allCases {
                var rows: [(String, String)] = []
                for try await (key, content) in try await connection.query(
                    PostgresQuery(unsafeSQL: table.sql), logger: logger
                ).decode((String, String).self) {
                    rows.append((key, content))
                }
                figures.care[table] = PeopleTable.keyed(rows)
            }
            return figures
        }
    }

    /// Presses counted in the rollup (placed, not suppressed), summed from its rows.
    public var rolledUp: Int64 {
        rollup.reduce(0) { total, row in total + (Int64(row.split(separator: " ").dropLast().last ?? "") ?? 0) }
    }

    /// One line per figure, both sides side by side, and whether they agree.
    public static func comparison(sqlite: StoreFigures, postgres: StoreFigures) -> (lines: [String], differ: Bool) {
        var lines: [String] = []
        var differ = false
        func line(_ name: String, _ left: Int64, _ right: Int64, same: Bool) {
            if !same { differ = true }
            lines.append("\(name): sqlite \(left), postgresql \(right)\(same ? "" : "  DIFFERENT")")
        }
        let devices = Set(sqlite.presses.keys).union(postgres.presses.keys).sorted()
        for device in devices {
            let left = sqlite.presses[device] ?? 0
            let right = postgres.presses[device] ?? 0
            line("presses of \(device)", left, right, same: left == right)
            let leftUncertain = sqlite.uncertain[device] ?? 0
            let rightUncertain = postgres.uncertain[device] ?? 0
            line(
                "  without a trustworthy time", leftUncertain, rightUncertain, same: leftUncertain == rightUncertain)
        }
        line(
            "hourly_rollup rows", Int64(sqlite.rollup.count), Int64(postgres.rollup.count),
            same: sqlite.rollup == postgres.rollup)
        line("presses in hourly_rollup", sqlite.rolledUp, postgres.rolledUp, same: sqlite.rolledUp == postgres.rolledUp)
        line(
            "centre_hour rows", Int64(sqlite.centreHours.count), Int64(postgres.centreHours.count),
            same: sqlite.centreHours == postgres.centreHours)
        line(
            "centre_day rows", Int64(sqlite.centreDays.count), Int64(postgres.centreDays.count),
            same: sqlite.centreDays == postgres.centreDays)
        for row in sqlite.rollup.subtracting(postgres.rollup).sorted().prefix(5) {
            lines.append("  hourly_rollup only in sqlite: \(row)")
        }
        for row in postgres.rollup.subtracting(sqlite.rollup).sorted().prefix(5) {
            lines.append("  hourly_rollup only in postgresql: \(row)")
        }
        for row in sqlite.centreHours.symmetricDifference(postgres.centreHours).sorted().prefix(5) {
            lines.append("  centre_hour differs: \(row)")
        }
        for row in sqlite.centreDays.symmetricDifference(postgres.centreDays).sorted().prefix(5) {
            lines.append("  centre_day differs: \(row)")
        }
        for table in PeopleTable.allCases {
            let left = sqlite.people[table] ?? [:]
            let right = postgres.people[table] ?? [:]
            line("\(table.rawValue) rows", Int64(left.count), Int64(right.count), same: left == right)
            // Keys only: the contents hold password hashes and secrets.
            let keys = Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
            for key in keys.prefix(5) {
                let side = left[key] == nil ? "only in postgresql" : right[key] == nil ? "only in sqlite" : "differs"
                lines.append("  \(table.rawValue) \(side): \(key)")
            }
        }
        for table in CareTable.allCases {
            let left = sqlite.care[table] ?? [:]
            let right = postgres.care[table] ?? [:]
            line("\(table.rawValue) rows", Int64(left.count), Int64(right.count), same: left == right)
            let keys = Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
            for key in keys.prefix(5) {
                let side = left[key] == nil ? "only in postgresql" : right[key] == nil ? "only in sqlite" : "differs"
                lines.append("  \(table.rawValue) \(side): \(key)")
            }
        }
        return (lines, differ)
    }
}
