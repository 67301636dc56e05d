import Crypto
import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

/// `centre_day` (the daily table the overview reads) always gives exactly the totals `WindowTotals`
/// gives from the hour rows and the calendar as it is now: through presses arriving before and after
/// changes of opening hours and holidays, presses placed late once their boot's clock is known, an
/// imported backlog, and the migration that fills it on a hub that held presses before it existed.
@Suite struct CentreDayTests {
    static let centre = CentreID(rawValue: "haa-dcrc")!
    static let devices = [DeviceID(rawValue: "haa-exit-1")!, DeviceID(rawValue: "haa-exit-2")!]
    /// Its backlog arrives on a USB stick.
    static let importer = DeviceID(rawValue: "haa-exit-3")!
    /// 2026-07-25 00:00 in Bhutan (UTC+6).
    static let start: Int64 = 1_784_916_000_000
    static let answers: [Answer] = [.veryHappy, .happy, .unhappy, .veryUnhappy, .hard, .soSo, .easy]
    static let everything = (from: LocalDate(daysSinceEpoch: 0), to: LocalDate(daysSinceEpoch: 40_000))

    static let windows: [DateWindow] = [
        DateWindow(days: 91, endingOn: try! LocalDate.parse("2026-11-20")),
        DateWindow(days: 28, endingOn: try! LocalDate.parse("2026-11-02")),
        // Ten days: a gap of four days between the window before and this one.
        DateWindow(days: 10, endingOn: try! LocalDate.parse("2026-10-15")),
        DateWindow(days: 1, endingOn: try! LocalDate.parse("2026-10-02")),
        DateWindow(days: 7, endingOn: try! LocalDate.parse("2026-12-31")),
    ]

    /// Presses `range` of `device`, one every 97 minutes (so every hour of every weekday comes round).
    static func presses(_ device: DeviceID, offset: Int, _ range: ClosedRange<Int>) -> [Press] {
        range.map { n -> Press in
            let minutes = Int64(n * 97 + offset * 31)
            return Press(
                device: device, boot: "b1", sequence: Int64(n), answer: answers[(n * 3 + offset) % answers.count],
                monotonicNanos: minutes * 60_000_000_000, wallClockMillis: start + minutes * 60_000,
                clockSynchronised: true)
        }
    }

    static func ingest(_ database: HubDatabase, _ range: ClosedRange<Int>) throws {
        for (d, device) in devices.enumerated() {
            let receipt = try database.ingest(
                IngestBatch(device: device, centre: centre, presses: presses(device, offset: d, range)),
                receivedMillis: start + Int64(range.upperBound * 97 + 60) * 60_000)
            #expect(receipt.accepted == range.count)
        }
    }

    /// Checks the whole daily table against the hour rows, and every window's totals both ways and
    /// through the overview's reader; returns the totals of the first window.
    @discardableResult
    static func check(_ database: HubDatabase, _ step: String) async throws -> [WindowTotals] {
        let calendar = try database.openingCalendar(centre: centre)
        for question in Question.allCases {
            let hours = try database.hourCounts(
                centre: centre, question: question, from: everything.from, to: everything.to)
            let days = try database.dayCounts(
                centre: centre, question: question, from: everything.from, to: everything.to)
            #expect(Set(days) == Set(DayCount.summing(hours, calendar: calendar)), "\(step): \(question)")
            #expect(!days.isEmpty && days.count < hours.count, "\(step): \(question)")
        }
        let reader = CentreReader(database: database, clock: .fixed(start), settings: ReportSettings())
        let haa = try #require(try database.centre(centre))
        let overview = try await reader.totals(windows.map { (centre: haa, window: $0) })
        var first: [WindowTotals] = []
        for (window, read) in zip(windows, overview) {
            for (question, fromReader) in [
                (Question.satisfaction, read.satisfaction), (.accessibility, read.accessibility),
            ] {
                let rows = try database.hourCounts(
                    centre: centre, question: question, from: window.previous.from, to: window.to)
                let plain = WindowTotals(
                    question: question, window: window, rows: rows, calendar: calendar, minimumCount: 5)
                let days = try database.dayCounts(
                    centre: centre, question: question, from: window.previous.from, to: window.to)
                let daily = WindowTotals(question: question, window: window, days: days, minimumCount: 5)
                #expect(daily == plain, "\(step): \(question) in \(window)")
                #expect(fromReader == plain, "\(step): \(question) in \(window)")
                // The heatmap reads the window before from the daily table too: the same answer as
                // the report of every hour row of both windows.
                let heatmap = try await reader.heatmap(centre: haa, question: question, window: window)
                let whole = HeatmapResponse(
                    centre: centre, timeZone: "Asia/Thimphu", openingHours: calendar.hours?.description,
                    report: WindowReport(
                        question: question, window: window, rows: rows, calendar: calendar, minimumCount: 5),
                    timeUncertainPresses: try database.uncertainCount(centre: centre))
                #expect(heatmap == whole, "\(step): \(question) in \(window)")
                if window == windows[0] { first.append(daily) }
            }
        }
        return first
    }

    static func centreDayRows(_ path: String) throws -> [[String]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT centre_id, question, day, answer, score, open_count, closed_count FROM centre_day
                    ORDER BY centre_id, question, day, answer
                    """
            ).map { row in (0..<7).map { "\(row[$0] as DatabaseValue)" } }
        }
    }

    @Test func theDailyTableGivesTheTotalsOfTheHourRowsThroughEveryWriter() async throws {
        let directory = NSTemporaryDirectory() + "smiley-centre-day-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/hub.sqlite"
        let key = Curve25519.Signing.PrivateKey()
        do {
            let database = try HubDatabase(path: path)
            try database.addCentre(Centre(id: Self.centre, name: "Haa", timeZone: "Asia/Thimphu"))
            for device in Self.devices { _ = try database.addDevice(device, centre: Self.centre, nowMillis: 0) }
            _ = try database.addDevice(
                Self.importer, centre: Self.centre, publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
                nowMillis: 0)
            try Self.ingest(database, 1...1_400)

            // No opening hours: every hour open, nothing outside.
            for totals in try await Self.check(database, "no hours") {
                #expect(totals.total.count > 0 && totals.previousTotal.count > 0)
                #expect(totals.outsideOpeningHours == 0)
            }

            // Opening hours and holidays set after the presses arrived.
            try database.setOpeningHours(
                try OpeningHours.parse("Mon-Fri 09:00-17:00, Sat 09:30-13:00"), centre: Self.centre)
            try database.updateHolidays(
                centre: Self.centre,
                adding: [
                    try LocalDate.parse("2026-10-02"), try LocalDate.parse("2026-09-14"), try .parse("2026-11-10"),
                ],
                removing: [])
            let before = try await Self.check(database, "hours and holidays set")
            for totals in before { #expect(totals.outsideOpeningHours > 0 && totals.total.count > 0) }

            // More presses under those hours, then the hours changed again and a holiday moved.
            try Self.ingest(database, 1_401...1_700)
            try await Self.check(database, "presses after the hours")
            try database.setOpeningHours(try OpeningHours.parse("Tue-Sun 07:00-22:00"), centre: Self.centre)
            try database.updateHolidays(
                centre: Self.centre, adding: [try LocalDate.parse("2026-11-17")],
                removing: [try LocalDate.parse("2026-10-02")])
            let after = try await Self.check(database, "hours changed, a holiday moved")
            for (old, new) in zip(before, after) {
                #expect(new.total.count != old.total.count)
                #expect(new.outsideOpeningHours > 0 && new.previousTotal.count > 0)
            }

            // Presses of a boot whose clock is unknown: kept, not counted, then placed by a later sample.
            let device = Self.devices[1]
            let bootMillis = Self.start + 100 * 86_400_000  // 2026-11-02 00:00 in Bhutan
            let uncertain = (0..<60).map { n -> Press in
                let seconds = Int64(n * 53 * 60 + 36_000)
                return Press(
                    device: device, boot: "b2", sequence: Int64(2_000 + n), answer: Self.answers[n % 7],
                    monotonicNanos: seconds * 1_000_000_000, wallClockMillis: seconds * 1000, clockSynchronised: false)
            }
            let stored = try database.ingest(
                IngestBatch(device: device, centre: Self.centre, presses: uncertain), receivedMillis: Self.start)
            #expect(stored.timeUncertain == 60)
            let unplaced = try await Self.check(database, "uncertain presses held")
            #expect(unplaced == after)
            let sample = ClockSample(
                boot: "b2", monotonicNanos: 200_000 * 1_000_000_000, wallClockMillis: bootMillis + 200_000_000,
                synchronised: true)
            let placing = try database.ingest(
                IngestBatch(device: device, centre: Self.centre, presses: [], clock: sample),
                receivedMillis: bootMillis + 200_000_000)
            #expect(placing.timeUncertain == 0)
            let placed = try await Self.check(database, "uncertain presses placed")
            #expect(
                placed[0].total.count + placed[0].outsideOpeningHours > after[0].total.count
                    + after[0].outsideOpeningHours)

            // A backlog imported from a USB stick.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let payload = try encoder.encode(
                ExportFile.Payload(
                    device: Self.importer, centre: Self.centre, exportedAtMillis: Self.start,
                    clock: ClockSample(
                        boot: "b1", monotonicNanos: 0, wallClockMillis: Self.start, synchronised: true),
                    presses: Self.presses(Self.importer, offset: 2, 1...900)))
            let file = try JSONEncoder().encode(
                ExportFile(device: Self.importer, payload: payload, signature: try key.signature(for: payload)))
            let imported = try database.importBacklog(file, nowMillis: Self.start + 1_000 * 97 * 60_000)
            #expect(imported.accepted == 900)
            let afterImport = try await Self.check(database, "backlog imported")
            #expect(afterImport[0].total.count > placed[0].total.count)

            // Refused input changes nothing.
            #expect(throws: HubError.self) {
                try database.setOpeningHours(
                    try OpeningHours.parse("Mon 09:00-10:00"), centre: CentreID(rawValue: "nowhere")!)
            }
            #expect(try await Self.check(database, "after refused input") == afterImport)
        }

        // A hub from before the daily table: the migration fills it with the same rows.
        let rows = try Self.centreDayRows(path)
        #expect(rows.count > 500)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TABLE centre_day")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'read-side r2:%'")
        }
        try queue.close()
        let reopened = try HubDatabase(path: path)
        #expect(try Self.centreDayRows(path) == rows)
        try await Self.check(reopened, "filled by the migration")
    }
}
