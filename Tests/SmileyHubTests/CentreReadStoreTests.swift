import Foundation
import GRDB
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// One history told to any store, stage by stage: presses over three weeks at two centres (three devices,
/// both questions, some suppressed), opening hours set and changed, holidays added and moved, and presses
/// of a boot whose clock was unknown, placed late by a heartbeat.
struct ReadHistory: Sendable {
    static let centre = PressStoreTests.centre
    static let other = CentreID(rawValue: "paro-dcrc")!
    static let devices = [
        (device: PressStoreTests.device, centre: centre),
        (device: DeviceID(rawValue: "wangdue-entrance-2")!, centre: centre),
        (device: DeviceID(rawValue: "paro-exit-1")!, centre: other),
    ]
    /// 2026-11-02 00:00 in Bhutan (UTC+6), a Monday.
    static let firstMidnight: Int64 = PressStoreTests.mondayTen - 10 * 3_600_000
    /// The hub's now: Monday 2026-11-23, 12:00 in Bhutan.
    static let nowMillis: Int64 = firstMidnight + 21 * 86_400_000 + 12 * 3_600_000
    static let today = try! LocalDate.parse("2026-11-23")
    /// Windows the figures are compared in: each reaches into the history (and its window before).
    static let windows = [
        DateWindow(days: 7, endingOn: today), DateWindow(days: 14, endingOn: today.adding(days: -7)),
        DateWindow(days: 28, endingOn: today), DateWindow(days: 3, endingOn: try! LocalDate.parse("2026-11-06")),
    ]
    static let stages = [
        "presses", "opening hours set", "holidays added", "more presses", "holidays moved, hours changed",
        "presses of an unknown clock", "placed by a heartbeat",
    ]

    var seed: UInt64 = 7

    /// `count` presses of one device from `first` on, synchronised, at pseudo-random times in the first
    /// `days` days of the history.
    func presses(_ device: DeviceID, first: Int64, count: Int64, days: Int64) -> [Press] {
        var state = seed &+ UInt64(first) &* 31 &+ UInt64(device.rawValue.utf8.count)
        func next(_ bound: Int64) -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64((state >> 33) % UInt64(bound))
        }
        return (first..<(first + count)).map { sequence in
            let question = next(3) == 0 ? Question.accessibility : .satisfaction
            let answers = question.answers
            let answer = answers[Int(next(Int64(answers.count)))]
            let millis = Self.firstMidnight + next(days) * 86_400_000 + next(24) * 3_600_000 + next(3_600) * 1000
            return Press(
                device: device, boot: "boot-a", sequence: sequence, answer: answer,
                monotonicNanos: 1_000_000_000_000 + sequence * 1_000_000, wallClockMillis: millis,
                clockSynchronised: true, suppressed: next(10) == 0)
        }
    }

    func ingest(_ store: any PressStore, first: Int64, count: Int64, days: Int64) async throws {
        for (device, centre) in Self.devices {
            let all = presses(device, first: first, count: count, days: days)
            for start in stride(from: 0, to: all.count, by: 25) {
                let batch = IngestBatch(
                    device: device, centre: centre, presses: Array(all[start..<min(all.count, start + 25)]))
                _ = try await store.ingest(batch, receivedMillis: Self.nowMillis)
            }
        }
    }

    /// Tells stage `stage` (an index of `stages`) to the store; stage 0 adds the centres and devices first.
    func tell(_ stage: Int, to store: any PressStore) async throws {
        let day = { (offset: Int) in try! LocalDate.parse("2026-11-02").adding(days: offset) }
        switch stage {
        case 0:
            try await store.addCentre(Centre(id: Self.centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
            try await store.addCentre(Centre(id: Self.other, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
            for (device, centre) in Self.devices {
                _ = try await store.addDevice(device, centre: centre, publicKey: nil, nowMillis: Self.firstMidnight)
            }
            try await ingest(store, first: 1, count: 150, days: 14)
        case 1:
            try await store.setOpeningHours(try OpeningHours.parse("mon-fri 09:00-17:00"), centre: Self.centre)
            try await store.setOpeningHours(
                try OpeningHours.parse("mon-fri 10:00-14:00, sat 09:00-12:00"), centre: Self.other)
        case 2:
            try await store.updateHolidays(centre: Self.centre, adding: [day(3), day(10)], removing: [])
            try await store.updateHolidays(centre: Self.other, adding: [day(4)], removing: [])
        case 3:
            try await ingest(store, first: 151, count: 100, days: 21)
        case 4:
            try await store.updateHolidays(centre: Self.centre, adding: [day(4)], removing: [day(3)])
            try await store.setOpeningHours(
                try OpeningHours.parse("mon-fri 08:00-12:00 13:00-18:00, sun 10:00-12:00"), centre: Self.centre)
        case 5:
            // Boot b of the first device: its clock read 1970; one press every 10 minutes after boot.
            let presses = (Int64(251)...280).map { sequence in
                Press(
                    device: Self.devices[0].device, boot: "boot-b", sequence: sequence,
                    answer: sequence % 4 == 0 ? .unhappy : .veryHappy,
                    monotonicNanos: (sequence - 250) * 600_000_000_000, wallClockMillis: (sequence - 250) * 600_000,
                    clockSynchronised: false)
            }
            _ = try await store.ingest(
                IngestBatch(device: Self.devices[0].device, centre: Self.centre, presses: presses),
                receivedMillis: Self.nowMillis)
        default:
            // Its heartbeat with a synchronised clock, 19,000 s after boot on Tuesday 17th at 16:00.
            let at = Self.firstMidnight + 15 * 86_400_000 + 16 * 3_600_000
            try await store.recordHeartbeat(
                Heartbeat(
                    device: Self.devices[0].device, centre: Self.centre, firmwareVersion: "0.1.0",
                    uptimeSeconds: 19_000, backlog: 0, oldestUnsentMillis: nil, lastPressMillis: nil,
                    clock: ClockSample(
                        boot: "boot-b", monotonicNanos: 19_000 * 1_000_000_000, wallClockMillis: at, synchronised: true),
                    stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil),
                receivedMillis: at)
        }
    }
}

/// Everything a manager reads of the history, through `CentreReader`, for comparing two stores.
struct ReadFigures: Sendable, Equatable {
    var centres: [Centre] = []
    var calendars: [OpeningCalendar] = []
    var totals: [String] = []
    var heatmaps: [HeatmapResponse] = []
    var exports: [ExportRow] = []
    var health: [DeviceHealth] = []
    var uncertain: [Int] = []

    static func read(_ store: any CentreReadStore) async throws -> ReadFigures {
        let reader = CentreReader(store: store, clock: .fixed(ReadHistory.nowMillis), settings: ReportSettings())
        var figures = ReadFigures()
        figures.centres = try await reader.centres()
        for window in ReadHistory.windows {
            for (centre, totals) in zip(
                figures.centres, try await reader.totals(figures.centres.map { ($0, window) }))
            {
                figures.totals.append("\(centre.id) \(window) \(totals.satisfaction) \(totals.accessibility)")
            }
            for centre in figures.centres {
                figures.heatmaps += try await reader.heatmaps(
                    centre: centre, questions: Question.allCases, window: window)
                figures.heatmaps.append(
                    try await reader.heatmap(
                        centre: centre, question: .satisfaction, window: window,
                        device: ReadHistory.devices.first { $0.centre == centre.id }?.device))
            }
            figures.exports += try await reader.exportRows(figures.centres, window: window)
        }
        for centre in figures.centres {
            figures.calendars.append(try await reader.openingCalendar(of: centre))
            figures.health += try await reader.deviceHealth(of: centre)
            figures.uncertain.append(try await reader.uncertainCount(of: centre))
        }
        return figures
    }
}

/// The read side on both backends: what `CentreReader` reads through `CentreReadStore` agrees with a
/// recount from the presses and hour rows, on SQLite and on PostgreSQL, and both give the same figures.
@Suite struct CentreReadStoreTests {
    /// After every stage: the overview's totals (daily table) equal those of the hour rows under the
    /// calendar, each heatmap equals the report of every hour row of its window and the one before, and
    /// the export equals a recount of the presses.
    @Test(arguments: StoreBackend.available)
    func theReadsAgreeWithTheHourRowsAndThePresses(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            let reader = CentreReader(store: store, clock: .fixed(ReadHistory.nowMillis), settings: ReportSettings())
            for (stage, name) in ReadHistory.stages.enumerated() {
                try await ReadHistory().tell(stage, to: store)
                let centres = try await reader.centres()
                #expect(centres.map(\.id) == [ReadHistory.other, ReadHistory.centre])
                let recount = try await subject.probe.recount()
                for window in ReadHistory.windows {
                    let totals = try await reader.totals(centres.map { ($0, window) })
                    for (centre, read) in zip(centres, totals) {
                        let calendar = try await store.openingCalendar(centre: centre.id)
                        for (question, fromDays) in [
                            (Question.satisfaction, read.satisfaction), (.accessibility, read.accessibility),
                        ] {
                            let hours = try await store.hourCounts(
                                centre: centre.id, question: question, from: window.previous.from, to: window.to,
                                device: nil)
                            let plain = WindowTotals(
                                question: question, window: window, rows: hours, calendar: calendar, minimumCount: 5)
                            #expect(fromDays == plain, "\(name): \(centre.id) \(question) \(window)")
                            let heatmap = try await reader.heatmap(centre: centre, question: question, window: window)
                            let whole = WindowReport(
                                question: question, window: window, rows: hours, calendar: calendar, minimumCount: 5)
                            #expect(
                                heatmap
                                    == HeatmapResponse(
                                        centre: centre.id, timeZone: centre.timeZone,
                                        openingHours: calendar.hours?.description, report: whole,
                                        timeUncertainPresses: try await store.uncertainCount(centre: centre.id)),
                                "\(name): \(centre.id) \(question) \(window)")
                        }
                    }
                    // The export is the recount of the presses in the window, device by device.
                    let exported = try await reader.exportRows(centres, window: window).filter { $0.count > 0 }
                        .map { "\($0.device) \($0.localHour) \($0.question) \($0.answer) \($0.count)" }
                    let expected = recount.filter {
                        $0.localHour >= window.from.description && $0.localHour < window.to.adding(days: 1).description
                    }.map { "\($0.device) \($0.localHour):00 \($0.question) \($0.answer) \($0.count)" }
                    #expect(exported.sorted() == expected.sorted(), "\(name): \(window)")
                    if window == ReadHistory.windows[2] { #expect(!expected.isEmpty, "\(name): \(window)") }
                }
            }
            // The late presses were held uncertain, then placed and counted.
            #expect(try await store.uncertainCount(centre: ReadHistory.centre) == 0)
            #expect(
                try await store.placement(device: ReadHistory.devices[0].device, sequence: 260)?.status == "corrected")
        }
    }

    /// The same history told to SQLite and to PostgreSQL gives the same figures after every stage, and a
    /// reader scoped to one centre sees nothing of the other on either.
    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func bothBackendsGiveTheSameFigures() async throws {
        try await StoreBackend.sqlite.withStore { sqlite in
            try await StoreBackend.postgres.withStore { postgres in
                for (stage, name) in ReadHistory.stages.enumerated() {
                    try await ReadHistory().tell(stage, to: sqlite.store)
                    try await ReadHistory().tell(stage, to: postgres.store)
                    let left = try await ReadFigures.read(sqlite.store)
                    let right = try await ReadFigures.read(postgres.store)
                    #expect(left.heatmaps.count == right.heatmaps.count && !left.heatmaps.isEmpty)
                    #expect(left.heatmaps.contains { $0.presses > 0 })
                    #expect(left.centres == right.centres, "\(name)")
                    #expect(left.calendars == right.calendars, "\(name)")
                    #expect(left.totals == right.totals, "\(name)")
                    #expect(left.heatmaps == right.heatmaps, "\(name)")
                    #expect(left.exports == right.exports, "\(name)")
                    #expect(left.health == right.health, "\(name)")
                    #expect(left.uncertain == right.uncertain, "\(name)")
                }
                for store in [sqlite.store, postgres.store] {
                    let scoped = CentreReader(
                        store: store, clock: .fixed(ReadHistory.nowMillis), settings: ReportSettings(),
                        scope: .centres([ReadHistory.other]))
                    #expect(try await scoped.centres().map(\.id) == [ReadHistory.other])
                    await #expect(throws: HubError.notFound("unknown centre 'wangdue-dcrc'")) {
                        try await scoped.centre("wangdue-dcrc")
                    }
                    let centre = try #require(try await store.centre(ReadHistory.centre))
                    #expect(try await scoped.exportRows([centre], window: ReadHistory.windows[2]).isEmpty)
                }
            }
        }
    }

    /// `centre_day` on PostgreSQL holds what SQLite's holds, row for row, after every kind of write; and
    /// a database migrated before the table existed gets it filled from `centre_hour` by the schema step.
    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func theDailyTableIsTheSameOnBothAndFilledByTheSchemaStep() async throws {
        try await StoreBackend.sqlite.withStore { sqlite in
            try await StoreBackend.postgres.withStore { postgres in
                for stage in ReadHistory.stages.indices {
                    try await ReadHistory().tell(stage, to: sqlite.store)
                    try await ReadHistory().tell(stage, to: postgres.store)
                }
                let held = try await Self.centreDays(sqlite.probe)
                #expect(held.count > 100)
                #expect(try await Self.centreDays(postgres.probe) == held)
                // As a database from before the step: the table dropped and the step forgotten.
                guard case .postgres(let client) = postgres.probe else { return }
                try await client.query("DROP TABLE centre_day")
                try await client.query("DELETE FROM smiley_migration WHERE name LIKE 'pg-5:%'")
                try await postgres.store.migrate()
                #expect(try await Self.centreDays(postgres.probe) == held)
            }
        }
    }

    /// Two hubs at once on one database: one ingesting a device's batches, the other changing the centre's
    /// opening hours and holidays back and forth. Afterwards the daily rows are what the hour rows give
    /// under the calendar as it ended: no batch was counted under a calendar a rebuild had replaced.
    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func ingestAndCalendarChangesOnTwoPoolsLeaveTheDailyRowsRight() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let (ingesting, changing) = (PostgresPressStore.quiet(first), PostgresPressStore.quiet(second))
                    try await ingesting.migrate()
                    try await ReadHistory().tell(0, to: ingesting)
                    let device = ReadHistory.devices[0].device
                    let presses = ReadHistory().presses(device, first: 151, count: 600, days: 21)
                    let hours = try ["mon-fri 09:00-17:00", "mon-sat 07:00-13:00", "tue-sun 12:00-20:00"].map {
                        try OpeningHours.parse($0)
                    }
                    let firstDay = try LocalDate.parse("2026-11-02")
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for start in stride(from: 0, to: presses.count, by: 20) {
                                _ = try await ingesting.ingest(
                                    IngestBatch(
                                        device: device, centre: ReadHistory.centre,
                                        presses: Array(presses[start..<min(presses.count, start + 20)])),
                                    receivedMillis: ReadHistory.nowMillis)
                            }
                        }
                        group.addTask {
                            for round in 0..<30 {
                                try await changing.setOpeningHours(hours[round % 3], centre: ReadHistory.centre)
                                try await changing.updateHolidays(
                                    centre: ReadHistory.centre, adding: [firstDay.adding(days: round % 21)],
                                    removing: [firstDay.adding(days: (round + 10) % 21)])
                            }
                        }
                        try await group.waitForAll()
                    }
                    let calendar = try await ingesting.openingCalendar(centre: ReadHistory.centre)
                    let everything = try DateWindow(
                        from: try LocalDate.parse("2026-10-01"), to: try LocalDate.parse("2026-12-31"))
                    let read = try await ingesting.overviewDays([
                        (centre: ReadHistory.centre, from: everything.from, to: everything.to)
                    ])[0]
                    for (question, days) in [
                        (Question.satisfaction, read.satisfaction), (.accessibility, read.accessibility),
                    ] {
                        let hourRows = try await ingesting.hourCounts(
                            centre: ReadHistory.centre, question: question, from: everything.from, to: everything.to,
                            device: nil)
                        #expect(hourRows.reduce(0) { $0 + $1.count } > 100)
                        #expect(Set(days) == Set(DayCount.summing(hourRows, calendar: calendar)), "\(question)")
                    }
                }
            }
        }
    }

    /// Every row of `centre_day`, as text, sorted.
    static func centreDays(_ probe: StoreProbe) async throws -> [String] {
        let sql = """
            SELECT centre_id || ' ' || question || ' ' || day || ' ' || answer || ' ' || score || ' '
                || open_count || ' ' || closed_count FROM centre_day
            """
        switch probe {
        case .sqlite(let database):
            return try await database.writer.read { db in try String.fetchAll(db, sql: sql) }.sorted()
        case .postgres(let client):
            var rows: [String] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
                rows.append(row)
            }
            return rows.sorted()
        }
    }
}
