import Foundation
import GRDB
import Logging
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// The throwaway PostgreSQL server `scripts/with-postgres.sh` starts for the tests (a Unix socket in a
/// temporary directory), and a database of its own for each test.
enum PostgresTestServer {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The directory holding the server's socket, when the tests run under scripts/with-postgres.sh.
    static var socketDirectory: String? {
        environment["SMILEY_TEST_POSTGRES_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isAvailable: Bool { socketDirectory != nil }

    static func configuration(database: String) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            unixSocketPath: (socketDirectory ?? "/nonexistent") + "/.s.PGSQL.5432",
            username: environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres", password: nil, database: database)
        configuration.tls = .disable
        configuration.options.maximumConnections = 4
        return configuration
    }

    /// Runs `body` with a client of `database`, its pool run in a task of the group and stopped after.
    @discardableResult
    static func withClient<T: Sendable>(database: String, _ body: (PostgresClient) async throws -> T) async throws -> T
    {
        let client = PostgresClient(configuration: configuration(database: database))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            do {
                let result = try await body(client)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Runs `body` with the name of a database made for it alone (random name), dropped afterwards, also
    /// when `body` fails.
    static func withFreshDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let name = "smiley_test_" + (0..<12).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        // A database name is an identifier, not a value: it cannot be bound. This one is our own hex.
        try await withClient(database: "postgres") { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        do {
            let result = try await body(name)
            try await drop(name)
            return result
        } catch {
            try? await drop(name)
            throw error
        }
    }

    static func drop(_ name: String) async throws {
        try await withClient(database: "postgres") { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }
}

/// Where a `PressStore` test runs: SQLite always, PostgreSQL when the tests run beside a server.
enum StoreBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var available: [StoreBackend] { PostgresTestServer.isAvailable ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }
}

/// A fresh, migrated store and what a test may ask of its tables directly (to recount, never to write).
struct StoreUnderTest: Sendable {
    var store: any PressStore
    var probe: StoreProbe
    /// The same store's people's side.
    var people: any SignInStore
    /// The same store's centres' care: actions, alert rules, alerts, deliveries.
    var care: any CentreCareStore
}

enum StoreProbe: Sendable {
    case sqlite(HubDatabase)
    case postgres(PostgresClient)

    /// One row of `hourly_rollup`, or of a recount of the presses in the same shape.
    struct RollupRow: Sendable, Hashable, Comparable {
        var device: String
        var question: String
        var answer: String
        var localHour: String
        var count: Int64
        var scoreSum: Int64

        static func < (lhs: RollupRow, rhs: RollupRow) -> Bool {
            (lhs.device, lhs.question, lhs.answer, lhs.localHour) < (
                rhs.device, rhs.question, rhs.answer, rhs.localHour
            )
        }
    }

    static let rollupSQL = """
        SELECT device_id, question, answer, local_hour, count, score_sum FROM hourly_rollup
        ORDER BY device_id, question, answer, local_hour
        """
    /// The rollup as it must be: every placed, unsuppressed press counted once in its local hour.
    static let recountSQL = """
        SELECT device_id, question, answer, local_hour, COUNT(*), SUM(score) FROM press
        WHERE time_status <> 'uncertain' AND NOT suppressed
        GROUP BY device_id, question, answer, local_hour ORDER BY device_id, question, answer, local_hour
        """

    /// One row of `centre_hour` as text: question, local date, hour, answer, score, count.
    typealias CentreHourRow = String

    /// `centre_hour` as it is.
    func centreHour() async throws -> [CentreHourRow] {
        let sql = "SELECT question, day, hour, answer, score, count FROM centre_hour"
        var rows: [CentreHourRow] = []
        switch self {
        case .sqlite(let database):
            rows = try await database.writer.read { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    Self.centreHourRow(row[0], row[1], row[2], row[3], row[4], row[5])
                }
            }
        case .postgres(let client):
            for try await row in try await client.query(
                PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "day, hour", with: "day::bigint, hour::bigint"))
            ).decode((String, Int64, Int64, String, Int64, Int64).self) {
                rows.append(Self.centreHourRow(row.0, Int(row.1), Int(row.2), row.3, Int(row.4), row.5))
            }
        }
        return rows.sorted()
    }

    /// `centre_hour` as it must be: `hourly_rollup` summed over the centre's devices.
    func centreHourFromRollup() async throws -> [CentreHourRow] {
        var summed: [String: (day: Int, hour: Int, question: String, answer: String, count: Int64, scoreSum: Int64)] =
            [:]
        for row in try await rollup() where row.count > 0 {
            let (date, hour) = try #require(HubDatabase.parseLocalHour(row.localHour))
            let key = "\(row.question) \(row.localHour) \(row.answer)"
            summed[key, default: (date.daysSinceEpoch, hour, row.question, row.answer, 0, 0)].count += row.count
            summed[key]!.scoreSum += row.scoreSum
        }
        return summed.values.map {
            Self.centreHourRow($0.question, $0.day, $0.hour, $0.answer, Int($0.scoreSum / $0.count), $0.count)
        }.sorted()
    }

    static func centreHourRow(
        _ question: String, _ day: Int, _ hour: Int, _ answer: String, _ score: Int, _ count: Int64
    ) -> CentreHourRow {
        "\(question) \(LocalDate(daysSinceEpoch: day)) \(hour) \(answer) \(score) \(count)"
    }

    func rollup() async throws -> [RollupRow] { try await rows(Self.rollupSQL) }

    /// Every row of `table`, each as one text (all columns), to look for what must never be stored.
    func rowsAsText(_ table: String) async throws -> [String] {
        switch self {
        case .sqlite(let database):
            return try await database.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { row in
                    row.databaseValues.map(\.description).joined(separator: " ")
                }
            }
        case .postgres(let client):
            var rows: [String] = []
            for try await text in try await client.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM \(table) t"))
                .decode(String.self)
            {
                rows.append(text)
            }
            return rows
        }
    }
    func recount() async throws -> [RollupRow] { try await rows(Self.recountSQL) }

    /// Every press held, as (device, sequence).
    func pressKeys() async throws -> [String] {
        switch self {
        case .sqlite(let database):
            return try await database.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT device_id, sequence FROM press ORDER BY device_id, sequence").map {
                    row in "\(row[0] as String)#\(row[1] as Int64)"
                }
            }
        case .postgres(let client):
            var keys: [String] = []
            for try await (device, sequence) in try await client.query(
                "SELECT device_id, sequence FROM press ORDER BY device_id, sequence"
            ).decode((String, Int64).self) {
                keys.append("\(device)#\(sequence)")
            }
            return keys
        }
    }

    private func rows(_ sql: String) async throws -> [RollupRow] {
        switch self {
        case .sqlite(let database):
            return try await database.writer.read { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    RollupRow(
                        device: row[0], question: row[1], answer: row[2], localHour: row[3], count: row[4],
                        scoreSum: row[5])
                }
            }
        case .postgres(let client):
            var rows: [RollupRow] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(
                (String, String, String, String, Int64, Int64).self)
            {
                rows.append(
                    RollupRow(
                        device: row.0, question: row.1, answer: row.2, localHour: row.3, count: row.4, scoreSum: row.5))
            }
            return rows
        }
    }
}

extension StoreBackend {
    /// Runs `body` with a fresh, migrated store: a new SQLite file, or a new PostgreSQL database (dropped
    /// after).
    func withStore<T: Sendable>(_ body: (StoreUnderTest) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "smiley-store-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
            return try await body(
                StoreUnderTest(store: database, probe: .sqlite(database), people: database, care: database))
        case .postgres:
            return try await PostgresTestServer.withFreshDatabase { name in
                try await PostgresTestServer.withClient(database: name) { client in
                    let store = PostgresPressStore.quiet(client)
                    try await store.migrate()
                    return try await body(
                        StoreUnderTest(store: store, probe: .postgres(client), people: store, care: store))
                }
            }
        }
    }
}
