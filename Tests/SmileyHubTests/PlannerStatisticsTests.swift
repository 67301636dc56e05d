import Foundation
import GRDB
import GRDBSQLite
import Logging
import SmileyCore
import Synchronization
import Testing

@testable import SmileyHub

/// The hub keeps SQLite's planner statistics (`ANALYZE` at open, `PRAGMA optimize` later), and with them
/// its hot statements still read through the indexes they were written for: statistics can also lead a
/// planner astray. Checked on a real file holding presses of several centres and devices over a year.
@Suite struct PlannerStatisticsTests {
    static let centres = (0..<6).map { CentreID(rawValue: "centre-\($0)")! }
    static let answers = Question.satisfaction.answers + Question.accessibility.answers
    /// 2025-12-01 09:00 in Thimphu.
    static let yearStart: Int64 = 1_764_558_000_000
    static let nowMillis: Int64 = 1_795_953_600_000

    /// A hub file of 6 centres x 2 devices x 1,500 presses at open hours of 52 weeks, loaded through
    /// ingest, plus a boot whose clock is unknown (time-uncertain presses).
    static func populatedHub() throws -> (directory: String, path: String) {
        let directory = NSTemporaryDirectory() + "smiley-statistics-\(UUID().uuidString)"
        let path = directory + "/hub.sqlite"
        let database = try HubDatabase(path: path)
        var random = SplitMix64(seed: 7)
        for centre in centres {
            try database.addCentre(Centre(id: centre, name: "\(centre)", timeZone: "Asia/Thimphu"))
            try database.setOpeningHours(try OpeningHours.parse("Mon-Sat 09:00-17:00"), centre: centre)
            for d in 0..<2 {
                let device = DeviceID(rawValue: "\(centre)-exit-\(d)")!
                _ = try database.addDevice(device, centre: centre, nowMillis: nowMillis)
                let times = (0..<1_500).map { _ in
                    yearStart + Int64(Int.random(in: 0..<52, using: &random)) * 7 * 86_400_000 + Int64(
                        Int.random(in: 0..<6, using: &random)) * 86_400_000
                        + Int64(Int.random(in: 0..<480, using: &random)) * 60_000
                }.sorted()
                for chunk in stride(from: 0, to: times.count, by: 500) {
                    let presses = times[chunk..<min(chunk + 500, times.count)].enumerated().map { offset, millis in
                        let sequence = Int64(chunk + offset + 1)
                        return Press(
                            device: device, boot: "boot", sequence: sequence,
                            answer: answers.randomElement(using: &random)!,
                            monotonicNanos: sequence * 1_000_000, wallClockMillis: millis, clockSynchronised: true)
                    }
                    _ = try database.ingest(
                        IngestBatch(device: device, centre: centre, presses: presses), receivedMillis: nowMillis)
                }
                // A boot the hub has no clock for yet: its presses wait, time-uncertain.
                let uncertain = (1...20).map { offset in
                    Press(
                        device: device, boot: "unsynchronised", sequence: Int64(1_500 + offset),
                        answer: answers[offset % answers.count], monotonicNanos: Int64(offset) * 1_000_000_000,
                        wallClockMillis: 0, clockSynchronised: false)
                }
                _ = try database.ingest(
                    IngestBatch(device: device, centre: centre, presses: uncertain), receivedMillis: nowMillis)
            }
        }
        return (directory, path)
    }

    @Test func theScheduleIsDueOnceItsPeriodHasPassedOnTheHubsClock() {
        var schedule = PlannerStatisticsSchedule(periodMillis: 1_000, lastMillis: 10_000)
        // Each instant asked in turn, and whether a refresh was due then.
        let asked: [(Int64, Bool)] = [
            (10_999, false), (11_000, true), (11_500, false),
            // The clock set back: the period starts again from there, nothing runs at once.
            (5_000, false), (5_999, false), (6_000, true),
        ]
        for (now, expected) in asked {
            let due = schedule.due(nowMillis: now)
            #expect(due == expected, "at \(now)")
        }
        #expect(schedule.lastMillis == 6_000)
    }

    @Test func tablesWithRowsAndNoStatisticsAreAnalysedOnceAndOptimisedAfterwards() throws {
        let hub = try Self.populatedHub()
        defer { try? FileManager.default.removeItem(atPath: hub.directory) }
        // As a hub file of before the statistics: none.
        try DatabaseQueue(path: hub.path).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TABLE IF EXISTS sqlite_stat1")
        }
        let database = try HubDatabase(writer: try DatabasePool(path: hub.path))
        let first = try database.refreshPlannerStatistics().analysed
        for table in ["centre", "centre_day", "centre_hour", "device", "hourly_rollup", "press"] {
            #expect(first.contains(table), "analysed: \(first)")
        }
        // Empty tables are left until they hold rows.
        #expect(!first.contains("enrollment_code"), "analysed: \(first)")
        let stat = try DatabaseQueue(path: hub.path).read { db in
            try String.fetchAll(db, sql: "SELECT idx FROM sqlite_stat1 WHERE tbl IN ('press', 'device') ORDER BY idx")
        }
        #expect(stat.contains("press") && stat.contains("sqlite_autoindex_device_1"), "statistics: \(stat)")
        #expect(try database.refreshPlannerStatistics().analysed == [])
        // A table that fills later is analysed at the next refresh.
        _ = try database.issueEnrollmentCode(
            centre: Self.centres[0], expiresMillis: Self.nowMillis + 3_600_000, nowMillis: Self.nowMillis)
        #expect(try database.refreshPlannerStatistics().analysed == ["enrollment_code"])
        // Statistics dropped by another connection (GRDB's schema cache of this one still lists the table):
        // the next refresh sees they are gone and analyses again.
        try DatabaseQueue(path: hub.path).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TABLE sqlite_stat1")
        }
        #expect(try database.refreshPlannerStatistics().analysed.contains("press"))
        // Opening the file as the hub does analyses it too.
        try DatabaseQueue(path: hub.path).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TABLE sqlite_stat1")
        }
        _ = try HubDatabase(path: hub.path)
        let analysed = try DatabaseQueue(path: hub.path).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'press'") ?? 0
        }
        #expect(analysed > 0)
    }

    /// A hot statement of the hub and the index its plan must use.
    struct Expectation: CustomStringConvertible {
        var statement: String
        var plan: String
        var description: String { statement }
    }

    static let expectations = [
        // Ingest: the batch's range check, the device's highest sequence, the inserts and the rollups.
        Expectation(
            statement: "WHERE device_id = ? AND sequence BETWEEN ? AND ?",
            plan: "SEARCH press USING PRIMARY KEY (device_id=? AND sequence>? AND sequence<?)"),
        Expectation(
            statement: "(SELECT MAX(sequence) FROM press WHERE device_id = ?2)",
            plan: "SEARCH press USING PRIMARY KEY (device_id=?)"),
        Expectation(statement: "INSERT INTO press (", plan: ""),
        Expectation(statement: "INSERT INTO hourly_rollup (", plan: ""),
        Expectation(statement: "INSERT INTO centre_hour (", plan: ""),
        Expectation(statement: "INSERT INTO centre_day (", plan: ""),
        // The heatmap's window: hour rows by the primary key of centre_hour, days by centre_day's.
        Expectation(
            statement: "FROM centre_hour",
            plan: "SEARCH centre_hour USING PRIMARY KEY (centre_id=? AND question=? AND day>? AND day<?)"),
        Expectation(
            statement: "FROM centre_day",
            plan: "SEARCH centre_day USING PRIMARY KEY (centre_id=? AND question=? AND day>? AND day<?)"),
        Expectation(
            statement: "p.time_status = 'uncertain'",
            plan: "USING INDEX press_uncertain"),
    ]

    /// The plans' lines of the hub's statements run while ingesting a batch and reading a centre's window and
    /// the overview, on the populated file with or without statistics.
    static func plans(analysed: Bool) throws -> [String: [String]] {
        let hub = try populatedHub()
        defer { try? FileManager.default.removeItem(atPath: hub.directory) }
        try DatabaseQueue(path: hub.path).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TABLE IF EXISTS sqlite_stat1")
        }
        let statements = Mutex<Set<String>>([])
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event {
                    let sql = statement.sql
                    statements.withLock { _ = $0.insert(sql) }
                }
            }
        }
        let pool = try DatabasePool(path: hub.path, configuration: configuration)
        let database = try HubDatabase(writer: pool)
        if analysed {
            #expect(try database.refreshPlannerStatistics().analysed.contains("press"))
        }
        statements.withLock { $0.removeAll() }

        let centre = centres[2]
        let device = DeviceID(rawValue: "\(centre)-exit-0")!
        let presses = (1...5).map { offset in
            Press(
                device: device, boot: "boot", sequence: Int64(1_520 + offset), answer: answers[offset],
                monotonicNanos: Int64(2_000 + offset) * 1_000_000, wallClockMillis: nowMillis - 3_600_000,
                clockSynchronised: true)
        }
        _ = try database.ingest(
            IngestBatch(device: device, centre: centre, presses: presses), receivedMillis: nowMillis)
        let today = LocalDate(daysSinceEpoch: Int((nowMillis + 6 * 3_600_000) / 86_400_000))
        let window = WindowPreset.last13Weeks.window(today: today)
        _ = try database.windowRows(centre: centre, questions: [.satisfaction, .accessibility], window: window)
        _ = try database.overviewDays(centres.map { (centre: $0, from: window.previous.from, to: window.to) })

        let seen = statements.withLock { $0 }
        var plans: [String: [String]] = [:]
        try pool.read { db in
            for sql in seen {
                let verb = sql.trimmingCharacters(in: .whitespacesAndNewlines).prefix(6).uppercased()
                guard ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(verb) else { continue }
                // Every parameter bound to NULL: the plan does not depend on the values without stat4.
                let explain = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
                let count = Int(sqlite3_bind_parameter_count(explain.sqliteStatement))
                explain.setUncheckedArguments(StatementArguments(Array(repeating: DatabaseValue.null, count: count)))
                plans[sql] = try Row.fetchAll(explain).map { $0["detail"] as String }
            }
        }
        return plans
    }

    @Test(arguments: [false, true])
    func theHotStatementsUseTheirIndexesWithAndWithoutStatistics(analysed: Bool) throws {
        let plans = try Self.plans(analysed: analysed)
        for expectation in Self.expectations {
            let matching = plans.filter { $0.key.contains(expectation.statement) }
            #expect(!matching.isEmpty, "no statement run holds '\(expectation.statement)'")
            for (sql, lines) in matching where !expectation.plan.isEmpty {
                #expect(
                    lines.contains { $0.contains(expectation.plan) },
                    "analysed \(analysed): \(sql)\nplan: \(lines.joined(separator: "; "))")
            }
        }
        // No statement of these paths scans a table of presses or rollups whole (a scan of the partial
        // index of time-uncertain presses reads only those).
        for (sql, lines) in plans {
            for line in lines {
                let scan = ["press", "p", "hourly_rollup", "centre_hour", "centre_day"].contains {
                    line == "SCAN \($0)"
                }
                #expect(!scan, "analysed \(analysed): \(sql)\nplan: \(lines.joined(separator: "; "))")
            }
        }
    }

    @Test func theServiceRefreshesWhenItsPeriodHasPassedAndOnceMoreWhenItStops() async throws {
        let directory = NSTemporaryDirectory() + "smiley-statistics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try HubDatabase(path: directory + "/hub.sqlite")
        // The service's first reading of the clock (its schedule's start) is 0; every later one an hour on.
        let readings = Mutex(0)
        let clock = HubClock {
            readings.withLock { count in
                count += 1
                return count == 1 ? 0 : 3_600_000
            }
        }
        let (refreshes, continuation) = AsyncStream.makeStream(of: PlannerStatistics.Outcome.self)
        let service = PlannerStatisticsService(
            database: database, clock: clock, periodMillis: 3_600_000,
            pollInterval: .milliseconds(5), logger: Logger(label: "test"), refreshed: { continuation.yield($0) })
        let running = Task { try await service.run() }
        var iterator = refreshes.makeAsyncIterator()
        #expect(await iterator.next() == PlannerStatistics.Outcome(analysed: []))
        running.cancel()
        try await running.value
        #expect(await iterator.next() == PlannerStatistics.Outcome(analysed: []))
    }
}
