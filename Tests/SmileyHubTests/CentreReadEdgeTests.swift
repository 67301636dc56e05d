import Foundation
import SmileyCore
import Testing

@testable import SmileyHub

/// The overview's sums (`overviewSums`) and the heatmap's one read (`windowRows`) at their edges, on each
/// backend: a centre without devices or presses, a window without rows, windows not of whole weeks,
/// opening hours changed and holidays added and moved inside the windows read. Each is compared with
/// the plain reads of the same store (`overviewDays`, `hourCounts`, `openingCalendar`, `uncertainCount`)
/// and the overview's totals with the totals of the hour rows.
@Suite struct CentreReadEdgeTests {
    static let empty = CentreID(rawValue: "haa-dcrc")!

    @Test(arguments: StoreBackend.available)
    func theSummedAndSingleReadsAgreeWithThePlainReadsAtEveryStage(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            let reader = CentreReader(store: store, clock: .fixed(ReadHistory.nowMillis), settings: ReportSettings())
            let historyStart = try LocalDate.parse("2026-10-01")
            let windows =
                ReadHistory.windows + [
                    DateWindow(days: 14, endingOn: try LocalDate.parse("2025-01-14")),
                    DateWindow(days: 10, endingOn: ReadHistory.today),
                    DateWindow(days: 1, endingOn: try LocalDate.parse("2026-11-12")),
                ]
            var pressesSeen = 0
            for (stage, name) in ReadHistory.stages.enumerated() {
                try await ReadHistory().tell(stage, to: store)
                if stage == 0 {
                    try await store.addCentre(Centre(id: Self.empty, name: "Haa DCRC", timeZone: "Asia/Thimphu"))
                    try await store.setOpeningHours(try OpeningHours.parse("mon-fri 09:00-17:00"), centre: Self.empty)
                    try await store.updateHolidays(
                        centre: Self.empty, adding: [try LocalDate.parse("2026-11-20")], removing: [])
                }
                let centres = try await reader.centres()
                #expect(centres.count == 3)
                for window in windows {
                    let requests = centres.map { (centre: $0.id, window: window) }
                    let sums = try await store.overviewSums(requests)
                    let days = try await store.overviewDays(
                        requests.map { ($0.centre, $0.window.previous.from, $0.window.to) })
                    let totals = try await reader.totals(centres.map { ($0, window) })
                    #expect(sums.count == centres.count && totals.count == centres.count)
                    for (index, centre) in centres.enumerated() {
                        let label = "\(name): \(centre.id) \(window)"
                        #expect(
                            sums[index].satisfaction == WindowDaySum.summing(days[index].satisfaction, window: window),
                            "\(label)")
                        #expect(
                            sums[index].accessibility
                                == WindowDaySum.summing(days[index].accessibility, window: window), "\(label)")
                        let calendar = try await store.openingCalendar(centre: centre.id)
                        let rows = try await store.windowRows(
                            centre: centre.id, questions: Question.allCases, window: window)
                        #expect(rows.calendar == calendar, "\(label)")
                        #expect(rows.uncertain == (try await store.uncertainCount(centre: centre.id)), "\(label)")
                        for (question, read) in [
                            (Question.satisfaction, totals[index].satisfaction),
                            (.accessibility, totals[index].accessibility),
                        ] {
                            let hours = try await store.hourCounts(
                                centre: centre.id, question: question, from: window.previous.from, to: window.to,
                                device: nil)
                            let plain = WindowTotals(
                                question: question, window: window, rows: hours, calendar: calendar, minimumCount: 5)
                            #expect(read == plain, "\(label) \(question)")
                            pressesSeen += plain.total.count + plain.outsideOpeningHours
                            #expect(rows.hours[question] != nil && rows.previousDays[question] != nil, "\(label)")
                            #expect(
                                Set(rows.hours[question] ?? []) == Set(hours.filter { window.contains($0.date) }),
                                "\(label) \(question)")
                            let before = try await store.overviewDays([
                                (centre.id, window.previous.from, window.previous.to)
                            ])[0]
                            #expect(
                                Set(rows.previousDays[question] ?? [])
                                    == Set(question == .satisfaction ? before.satisfaction : before.accessibility),
                                "\(label) \(question)")
                            if centre.id == Self.empty || window.to < historyStart {
                                #expect(
                                    hours.isEmpty && read.total.count == 0 && read.previousTotal.count == 0, "\(label)")
                                #expect(
                                    (question == .satisfaction ? sums[index].satisfaction : sums[index].accessibility)
                                        .isEmpty, "\(label)")
                            }
                        }
                    }
                }
            }
            #expect(pressesSeen > 1_000)
            #expect(try await store.overviewSums([]).isEmpty)
        }
    }

    /// An unknown centre reads as one with nothing: no rows, no calendar, no uncertain presses.
    @Test(arguments: StoreBackend.available)
    func anUnknownCentreReadsEmpty(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await ReadHistory().tell(0, to: subject.store)
            let window = DateWindow(days: 7, endingOn: ReadHistory.today)
            let rows = try await subject.store.windowRows(
                centre: Self.empty, questions: Question.allCases, window: window)
            #expect(rows.calendar.hours == nil && rows.calendar.holidays.isEmpty && rows.uncertain == 0)
            #expect(rows.hours.values.allSatisfy(\.isEmpty) && rows.previousDays.values.allSatisfy(\.isEmpty))
            let sums = try await subject.store.overviewSums([
                (centre: Self.empty, window: window), (centre: ReadHistory.centre, window: window),
            ])
            #expect(sums.count == 2 && sums[0].satisfaction.isEmpty && sums[0].accessibility.isEmpty)
            #expect(!sums[1].satisfaction.isEmpty)
        }
    }
}
