import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import SmileyHub
import Testing

/// A hub with one centre in Thimphu (UTC+6) open Mon-Fri 09:00-17:00, its hub clock fixed on
/// Wednesday 25 November 2026 at 10:00 local time, and presses placed on chosen local hours.
struct ReadSideFixture {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let device = DeviceID(rawValue: "paro-exit-1")!
    static let other = CentreID(rawValue: "haa-dcrc")!

    let database: HubDatabase
    var nowMillis: Int64
    var sequence: Int64 = 0
    /// An administrator's API token: these tests read as a script of the ministry would.
    let token: String

    init(hours: String? = "Mon-Fri 09:00-17:00", name: String = "Paro <DCRC>") throws {
        database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: name, timeZone: "Asia/Thimphu"))
        try database.addCentre(Centre(id: Self.other, name: "Haa DCRC", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0)
        if let hours { try database.setOpeningHours(try OpeningHours.parse(hours), centre: Self.centre) }
        nowMillis = Self.thimphu(2026, 11, 25, 10, 0)
        token = try database.administratorToken()
    }

    static func thimphu(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Thimphu")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    /// Stores `count` presses of `answer` at a local time (synchronised clock), as a device would send them.
    mutating func press(_ answer: Answer, _ count: Int, on day: (Int, Int, Int), at hour: Int, minute: Int = 10) throws
    {
        var presses: [Press] = []
        let at = Self.thimphu(day.0, day.1, day.2, hour, minute)
        for offset in 0..<count {
            sequence += 1
            presses.append(
                Press(
                    device: Self.device, boot: "boot", sequence: sequence, answer: answer,
                    monotonicNanos: sequence * 1_000_000_000, wallClockMillis: at + Int64(offset) * 1_000,
                    clockSynchronised: true, suppressed: false))
        }
        _ = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: presses), receivedMillis: nowMillis)
    }

    func get(_ uri: String) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        let app = Application(router: try buildRouter(database: database, clock: .fixed(nowMillis), access: .testing))
        return try await app.test(.router) { [token] client in
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                (response.status, String(buffer: response.body), response.headers)
            }
        }
    }

    func heatmap(_ query: String) async throws -> HeatmapResponse {
        let (status, text, _) = try await get("/api/v1/centres/paro-dcrc/heatmap?\(query)")
        #expect(status == .ok, "\(text)")
        return try JSONDecoder().decode(HeatmapResponse.self, from: Data(text.utf8))
    }
}

@Suite struct HeatmapRouteTests {
    @Test func theHeatmapReadsTheWindowAndDrawsOnlyOpenHours() async throws {
        var hub = try ReadSideFixture()
        try hub.press(.veryHappy, 3, on: (2026, 11, 23), at: 9)  // Monday 09:xx
        try hub.press(.veryUnhappy, 1, on: (2026, 11, 23), at: 9)
        try hub.press(.happy, 6, on: (2026, 11, 24), at: 14)  // Tuesday 14:xx
        try hub.press(.happy, 2, on: (2026, 11, 24), at: 19)  // after closing
        try hub.press(.happy, 4, on: (2026, 10, 4), at: 10)  // a Sunday, closed and long ago

        let week = try await hub.heatmap("question=satisfaction&from=2026-11-23&to=2026-11-29")
        #expect(week.window.description == "2026-11-23 to 2026-11-29")
        #expect(week.presses == 10 && week.outsideOpeningHours == 2)
        #expect(Set(week.cells.map(\.weekday)) == [1, 2, 3, 4, 5])
        #expect(Set(week.cells.map(\.hour)) == Set(9...16))
        let monday = try #require(week.cells.first { $0.weekday == 1 && $0.hour == 9 })
        #expect(monday.count == 4 && !monday.enough && monday.index == 75)
        let tuesday = try #require(week.cells.first { $0.weekday == 2 && $0.hour == 14 })
        #expect(tuesday.count == 6 && tuesday.enough)
        #expect(week.answers.map(\.count) == [1, 0, 6, 3])
        #expect(week.openingHours == "Mon-Fri 09:00-17:00")
        #expect(week.previous.window.description == "2026-11-16 to 2026-11-22")
        #expect(week.previous.presses == 0 && week.previous.verdict == .tooFewPresses)

        // The default is the last 28 days up to today (25 November).
        let standard = try await hub.heatmap("question=satisfaction")
        #expect(standard.window.description == "2026-10-29 to 2026-11-25")  // the 4 October presses are outside it
        #expect(standard.presses == 10 && standard.outsideOpeningHours == 2)
        let wide = try await hub.heatmap("question=satisfaction&from=2026-10-01&to=2026-11-30")
        #expect(wide.outsideOpeningHours == 6)
    }

    @Test func todayAndYesterdayFollowTheHubClockInTheCentresZone() async throws {
        var hub = try ReadSideFixture(hours: nil)
        try hub.press(.happy, 2, on: (2026, 11, 25), at: 9)
        try hub.press(.unhappy, 1, on: (2026, 11, 24), at: 23)
        #expect(try await hub.heatmap("window=today").presses == 2)
        #expect(try await hub.heatmap("window=yesterday").presses == 1)
        // At 00:30 on the 26th in Thimphu (18:30 UTC on the 25th), "today" has moved on.
        hub.nowMillis = ReadSideFixture.thimphu(2026, 11, 26, 0, 30)
        #expect(try await hub.heatmap("window=today").presses == 0)
        #expect(try await hub.heatmap("window=yesterday").presses == 2)
        #expect(try await hub.heatmap("window=this-week").window.description == "2026-11-23 to 2026-11-26")
    }

    @Test func badWindowsAndUnknownCentresAreNamed() async throws {
        let hub = try ReadSideFixture()
        let (badDate, text, _) = try await hub.get("/api/v1/centres/paro-dcrc/heatmap?from=2026-02-30&to=2026-03-01")
        #expect(badDate == .badRequest && text.contains("month 2 of 2026 has no day 30"))
        let (backwards, backwardsText, _) = try await hub.get(
            "/api/v1/centres/paro-dcrc/heatmap?from=2026-03-02&to=2026-03-01")
        #expect(backwards == .badRequest && backwardsText.contains("is after"))
        let (unknownWindow, windowText, _) = try await hub.get("/centres/paro-dcrc?window=forever")
        #expect(unknownWindow == .badRequest && windowText.contains("unknown window 'forever'"))
        let (question, questionText, _) = try await hub.get("/api/v1/centres/paro-dcrc/heatmap?question=mood")
        #expect(question == .badRequest && questionText.contains("unknown question 'mood'"))
        for uri in ["/api/v1/centres/thimphu/heatmap", "/centres/thimphu", "/api/v1/centres/thimphu/export"] {
            let (status, body, _) = try await hub.get(uri)
            #expect(status == .notFound && body.contains("unknown centre 'thimphu'"), "\(uri)")
        }
    }

    @Test func theCentrePageShowsTheWindowCountsAndHonestSmallNumbers() async throws {
        var hub = try ReadSideFixture()
        try hub.press(.veryHappy, 3, on: (2026, 11, 23), at: 9)
        try hub.press(.happy, 6, on: (2026, 11, 24), at: 14)
        try hub.press(.happy, 2, on: (2026, 11, 24), at: 19)
        let (status, html, headers) = try await hub.get("/centres/paro-dcrc?window=this-week")
        #expect(status == .ok && headers[.contentType] == "text/html; charset=utf-8")
        #expect(html.contains("Paro &lt;DCRC&gt;") && !html.contains("Paro <DCRC>"))
        #expect(html.contains(#"<strong data-window-label>This week</strong>"#))
        #expect(html.contains("2026-11-23 to 2026-11-25"))
        #expect(html.contains(#"<a href="/centres/paro-dcrc?window=this-week" aria-current="page">This week</a>"#))
        // Three presses: counted, hatched, no index. Six: coloured with an index.
        #expect(html.contains(#"<td class="few" style="" data-weekday="1" data-hour="9" data-count="3" title="#))
        #expect(html.contains(#"data-weekday="2" data-hour="14" data-count="6" data-index="67""#))
        #expect(html.contains("2 presses outside opening hours"))
        #expect(html.contains(#"data-live="true""#))
        #expect(!html.contains("data-weekday=\"6\""))  // closed on Saturdays
        let (_, lastWeek, _) = try await hub.get("/centres/paro-dcrc?window=last-week")
        #expect(lastWeek.contains(#"data-live="false""#) && lastWeek.contains("No presses in this window."))
    }

    @Test func theOverviewRanksBySizeAsWellAsScore() async throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        let now = ReadSideFixture.thimphu(2026, 11, 25, 12, 0)
        // Big: 600 presses, index 80. Middling: 600 presses, index 60. Small: 6 presses, all "very happy" (100).
        // Overall 70.1; shrunk with a prior of 20 presses: big 79.7, small 77.0, middling 60.3.
        let centres: [(String, [(Answer, Int)])] = [
            ("big", [(.veryHappy, 240), (.happy, 360)]), ("middling", [(.happy, 480), (.unhappy, 120)]),
            ("small", [(.veryHappy, 6)]),
        ]
        for (name, answers) in centres {
            let centre = CentreID(rawValue: name)!
            let device = DeviceID(rawValue: "\(name)-1")!
            try database.addCentre(Centre(id: centre, name: name.capitalized, timeZone: "Asia/Thimphu"))
            _ = try database.addDevice(device, centre: centre, nowMillis: 0)
            let presses = answers.flatMap { answer, count in Array(repeating: answer, count: count) }.enumerated().map {
                index, answer in
                Press(
                    device: device, boot: "b", sequence: Int64(index + 1), answer: answer,
                    monotonicNanos: Int64(index + 1) * 1_000_000_000,
                    wallClockMillis: now - 3_600_000 + Int64(index) * 1_000,
                    clockSynchronised: true, suppressed: false)
            }
            _ = try database.ingest(IngestBatch(device: device, centre: centre, presses: presses), receivedMillis: now)
        }
        let token = try database.administratorToken()
        let app = Application(router: try buildRouter(database: database, clock: .fixed(now), access: .testing))
        let html = try await app.test(.router) { client in
            try await client.execute(
                uri: "/?window=today", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { String(buffer: $0.body) }
        }
        for (rank, name) in ["big", "small", "middling"].enumerated() {
            #expect(html.contains(#"data-centre="\#(name)" data-rank="\#(rank + 1)""#), "\(name)")
        }
        let byIndex = try await app.test(.router) { client in
            try await client.execute(
                uri: "/?window=today&sort=index", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { String(buffer: $0.body) }
        }
        #expect(
            byIndex.range(of: "data-centre=\"small\"")!.lowerBound
                < byIndex.range(of: "data-centre=\"big\"")!.lowerBound)
        #expect(
            byIndex.contains(#"aria-sort="descending"><a href="/?window=today&amp;sort=index">Satisfaction index</a>"#))
    }

    @Test func theExportHoldsTheRowsTheHeatmapSums() async throws {
        var hub = try ReadSideFixture()
        try hub.press(.veryHappy, 3, on: (2026, 11, 23), at: 9)
        try hub.press(.easy, 2, on: (2026, 11, 23), at: 9)
        try hub.press(.happy, 2, on: (2026, 11, 24), at: 19)
        let (status, csv, headers) = try await hub.get("/api/v1/centres/paro-dcrc/export?format=csv&window=this-week")
        #expect(status == .ok && headers[.contentType] == "text/csv; charset=utf-8")
        #expect(
            headers[.contentDisposition] == #"attachment; filename="smiley-paro-dcrc-2026-11-23-to-2026-11-25.csv""#)
        #expect(
            csv == """
                centre,device,local_hour,question,answer,count
                paro-dcrc,paro-exit-1,2026-11-23T09:00,accessibility,easy,2
                paro-dcrc,paro-exit-1,2026-11-23T09:00,satisfaction,very-happy,3
                paro-dcrc,paro-exit-1,2026-11-24T19:00,satisfaction,happy,2

                """)
        let (_, json, _) = try await hub.get("/api/v1/export?format=json&from=2026-11-23&to=2026-11-23")
        #expect(json.contains(#""rows":[{"answer":"easy","centre":"paro-dcrc","count":2"#))
        #expect(
            json.contains(
                #"{"centre":"haa-dcrc","timeZone":"Asia/Thimphu","window":{"from":"2026-11-23","to":"2026-11-23"}}"#))
        let (badFormat, text, _) = try await hub.get("/api/v1/export?format=xlsx")
        #expect(badFormat == .badRequest && text.contains("unknown format 'xlsx'"))
    }

    @Test func daylightSavingMovesTodayWithTheZone() async throws {
        // New York leaves standard time at 02:00 on Sunday 8 March 2026.
        let database = try HubDatabase(writer: DatabaseQueue())
        let centre = CentreID(rawValue: "nyc")!
        try database.addCentre(Centre(id: centre, name: "NYC", timeZone: "America/New_York"))
        let device = DeviceID(rawValue: "nyc-1")!
        _ = try database.addDevice(device, centre: centre, nowMillis: 0)
        // 07:30 UTC = 03:30 EDT on the 8th (not 02:30: that hour does not exist).
        let press = Press(
            device: device, boot: "b", sequence: 1, answer: .happy, monotonicNanos: 1,
            wallClockMillis: 1_772_955_000_000,
            clockSynchronised: true, suppressed: false)
        _ = try database.ingest(
            IngestBatch(device: device, centre: centre, presses: [press]), receivedMillis: 1_772_955_000_000)
        let token = try database.administratorToken()
        func today(_ millis: Int64) async throws -> HeatmapResponse {
            let app = Application(router: try buildRouter(database: database, clock: .fixed(millis), access: .testing))
            return try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/v1/centres/nyc/heatmap?window=today", method: .get,
                    headers: [.authorization: "Bearer \(token)"]
                ) {
                    try JSONDecoder().decode(HeatmapResponse.self, from: Data(String(buffer: $0.body).utf8))
                }
            }
        }
        let lateSaturday = try await today(1_772_944_200_000)  // 04:30 UTC = 23:30 EST on the 7th
        #expect(lateSaturday.window.description == "2026-03-07" && lateSaturday.presses == 0)
        let sunday = try await today(1_772_958_600_000)  // 08:30 UTC = 04:30 EDT on the 8th
        #expect(sunday.window.description == "2026-03-08" && sunday.presses == 1)
        #expect(sunday.cells.first { $0.count > 0 }.map { [$0.weekday, $0.hour] } == [7, 3])
        #expect(sunday.previous.window.description == "2026-03-01")
    }
}
