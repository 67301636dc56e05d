import GRDB
import PostgresNIO
import SmileyCore

/// What `smiley-hub migrate` compares on both sides after a copy: presses per device (all, and those
/// without a trustworthy time), every `hourly_rollup` row and every `centre_hour` row.
public struct StoreFigures: Sendable, Equatable {
    public var presses: [String: Int64] = [:]
    public var uncertain: [String: Int64] = [:]
    /// "centre device question answer local-hour count score-sum", one per row.
    public var rollup: Set<String> = []
    /// "centre question day hour answer score count", one per row.
    public var centreHours: Set<String> = []

    public init() {}

    static let pressesSQL = "SELECT device_id, COUNT(*) FROM press GROUP BY device_id"
    static let uncertainSQL =
        "SELECT device_id, COUNT(*) FROM press WHERE time_status = 'uncertain' GROUP BY device_id"
    static let rollupSQL =
        "SELECT centre_id, device_id, question, answer, local_hour, count, score_sum FROM hourly_rollup WHERE count > 0"
    static let centreHourSQL =
        "SELECT centre_id, question, day, hour, answer, score, count FROM centre_hour WHERE count > 0"

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
        for row in sqlite.rollup.subtracting(postgres.rollup).sorted().prefix(5) {
            lines.append("  hourly_rollup only in sqlite: \(row)")
        }
        for row in postgres.rollup.subtracting(sqlite.rollup).sorted().prefix(5) {
            lines.append("  hourly_rollup only in postgresql: \(row)")
        }
        for row in sqlite.centreHours.symmetricDifference(postgres.centreHours).sorted().prefix(5) {
            lines.append("  centre_hour differs: \(row)")
        }
        return (lines, differ)
    }
}
