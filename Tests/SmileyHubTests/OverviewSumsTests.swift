import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

/// The overview's totals, summed in SQL under the opening hours and holidays, equal `WindowTotals`
/// computed the plain way from the hour rows and the calendar, through every kind of calendar change.
@Suite struct OverviewSumsTests {
    static let centre = CentreID(rawValue: "haa-dcrc")!
    static let devices = [DeviceID(rawValue: "haa-exit-1")!, DeviceID(rawValue: "haa-exit-2")!]
    /// 2026-07-25 00:00 in Bhutan (UTC+6).
    static let start: Int64 = 1_784_916_000_000
    static let answers: [Answer] = [.veryHappy, .happy, .unhappy, .veryUnhappy, .hard, .soSo, .easy]

    /// Presses `range` of each device, one every 97 minutes (so every hour of every weekday comes round).
    static func ingest(_ database: HubDatabase, _ range: ClosedRange<Int>) throws {
        for (d, device) in devices.enumerated() {
            let presses = range.map { n -> Press in
                let minutes = Int64(n * 97 + d * 31)
                return Press(
                    device: device, boot: "b1", sequence: Int64(n), answer: answers[(n * 3 + d) % answers.count],
                    monotonicNanos: minutes * 60_000_000_000, wallClockMillis: start + minutes * 60_000,
                    clockSynchronised: true)
            }
            let receipt = try database.ingest(
                IngestBatch(device: device, centre: centre, presses: presses),
                receivedMillis: start + Int64(range.upperBound * 97 + 60) * 60_000)
            #expect(receipt.accepted == range.count)
        }
    }

    static let windows: [DateWindow] = [
        DateWindow(days: 91, endingOn: try! LocalDate.parse("2026-11-20")),
        DateWindow(days: 28, endingOn: try! LocalDate.parse("2026-11-02")),
        // Ten days: a gap of four days between the window before and this one.
        DateWindow(days: 10, endingOn: try! LocalDate.parse("2026-10-15")),
        DateWindow(days: 1, endingOn: try! LocalDate.parse("2026-10-02")),
        DateWindow(days: 7, endingOn: try! LocalDate.parse("2026-12-31")),
    ]

    /// Checks every window and question; returns the totals of the first window for further checks.
    static func check(_ database: HubDatabase) throws -> [WindowTotals] {
        let calendar = try database.openingCalendar(centre: centre)
        let read = try database.overviewSums(windows.map { (centre: centre, window: $0) })
        var first: [WindowTotals] = []
        for (window, sums) in zip(windows, read) {
            for (question, placed) in [
                (Question.satisfaction, sums.satisfaction), (.accessibility, sums.accessibility),
            ] {
                let rows = try database.hourCounts(
                    centre: centre, question: question, from: window.previous.from, to: window.to)
                #expect(
                    Set(placed) == Set(PlacedSum.sums(of: rows, window: window, calendar: calendar)),
                    "\(question) in \(window)")
                let plain = WindowTotals(
                    question: question, window: window, rows: rows, calendar: calendar, minimumCount: 5)
                let summed = WindowTotals(question: question, window: window, sums: placed, minimumCount: 5)
                #expect(summed == plain, "\(question) in \(window)")
                if window == windows[0] { first.append(summed) }
            }
        }
        return first
    }

    @Test func theSummedTotalsEqualThePlainOnesThroughCalendarChanges() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "overview-sums-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        try database.addCentre(Centre(id: Self.centre, name: "Haa", timeZone: "Asia/Thimphu"))
        for device in Self.devices { _ = try database.addDevice(device, centre: Self.centre, nowMillis: 0) }
        try Self.ingest(database, 1...1_400)

        // No opening hours: every hour open, nothing outside.
        for totals in try Self.check(database) {
            #expect(totals.total.count > 0 && totals.previousTotal.count > 0)
            #expect(totals.outsideOpeningHours == 0)
        }

        // Opening hours and holidays set after the presses arrived.
        try database.setOpeningHours(
            try OpeningHours.parse("Mon-Fri 09:00-17:00, Sat 09:30-13:00"), centre: Self.centre)
        try database.updateHolidays(
            centre: Self.centre,
            adding: [try LocalDate.parse("2026-10-02"), try LocalDate.parse("2026-09-14"), try .parse("2026-11-10")],
            removing: [])
        let before = try Self.check(database)
        for totals in before { #expect(totals.outsideOpeningHours > 0 && totals.total.count > 0) }

        // More presses, then the hours changed again and a holiday moved.
        try Self.ingest(database, 1_401...1_700)
        try database.setOpeningHours(try OpeningHours.parse("Tue-Sun 07:00-22:00"), centre: Self.centre)
        try database.updateHolidays(
            centre: Self.centre, adding: [try LocalDate.parse("2026-11-17")],
            removing: [try LocalDate.parse("2026-10-02")])
        let after = try Self.check(database)
        for (old, new) in zip(before, after) {
            #expect(new.total.count != old.total.count)
            #expect(new.outsideOpeningHours > 0 && new.previousTotal.count > 0)
        }
    }
}
