import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// The centre page, byte for byte, over a rich hub: three centres (opening hours with holidays, none, no
/// presses at all), 26 weeks of presses, time-uncertain presses, presses outside opening hours, actions,
/// alerts open, acknowledged and resolved with their deliveries, devices with and without heartbeats,
/// and text with markup in it. Each page is compared with the HTML the hub drew for it before the page's
/// rendering was reshaped for speed (Tests/golden/centre-pages/), so a change of the drawing shows here.
///
/// `SMILEY_WRITE_GOLDEN=1 swift test --filter CentrePageGoldenTests` writes the files again: only when the
/// page is meant to change, and the diff reviewed.
@Suite struct CentrePageGoldenTests {
    static let password = "correct horse battery"
    static let paro = CentreID(rawValue: "paro-dcrc")!
    static let haa = CentreID(rawValue: "haa-dcrc")!
    static let empty = CentreID(rawValue: "gasa-dcrc")!
    static let paroDevices = [DeviceID(rawValue: "paro-exit-1")!, DeviceID(rawValue: "paro-lobby-2")!]
    static let haaDevice = DeviceID(rawValue: "haa-exit-1")!
    /// Wednesday 25 November 2026, 10:00 in Thimphu.
    static let nowMillis = ReadSideFixture.thimphu(2026, 11, 25, 10, 0)

    static var goldenDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("golden/centre-pages")
    }

    /// A small deterministic generator, so the fixture is the same on every run.
    struct Sequence64 {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func hub() throws -> HubDatabase {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(
            Centre(id: paro, name: #"Paro <DCRC> & "Sons" 'Dzong' ་"#, timeZone: "Asia/Thimphu"))
        try database.addCentre(Centre(id: haa, name: "Haa DCRC", timeZone: "Asia/Thimphu"))
        try database.addCentre(Centre(id: empty, name: "Gasa <b>DCRC</b>", timeZone: "Asia/Thimphu"))
        for device in paroDevices { _ = try database.addDevice(device, centre: paro, nowMillis: 0) }
        _ = try database.addDevice(haaDevice, centre: haa, nowMillis: 0)
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00, Sat 10:00-13:00"), centre: paro)
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-16:00"), centre: empty)
        try database.updateHolidays(
            centre: paro, adding: [try LocalDate.parse("2026-11-11"), try LocalDate.parse("2026-10-02")], removing: [])

        // 26 weeks of presses: busy hours with enough presses, quiet ones with a few, some outside opening hours.
        var random = Sequence64(state: 20_261_125)
        let answers = Question.satisfaction.answers + Question.accessibility.answers
        var sequences: [DeviceID: Int64] = [:]
        func send(_ device: DeviceID, centre: CentreID, _ times: [Int64], synchronised: Bool = true, boot: String = "b")
            throws
        {
            var presses: [Press] = []
            for millis in times.sorted() {
                let sequence = (sequences[device] ?? 0) + 1
                sequences[device] = sequence
                presses.append(
                    Press(
                        device: device, boot: boot, sequence: sequence, answer: answers[random.next(answers.count)],
                        monotonicNanos: sequence * 1_000_000_000, wallClockMillis: millis,
                        clockSynchronised: synchronised, suppressed: random.next(40) == 0))
            }
            _ = try database.ingest(
                IngestBatch(device: device, centre: centre, presses: presses), receivedMillis: nowMillis)
        }
        for dayBack in 0..<182 {
            let date = try LocalDate.parse("2026-11-25").adding(days: -dayBack)
            var paroTimes: [[Int64]] = [[], []]
            var haaTimes: [Int64] = []
            for hour in 8..<19 {
                let busy = (hour == 10 || hour == 14) ? 9 : 2
                for _ in 0..<random.next(busy + 1) {
                    let millis = ReadSideFixture.thimphu(date.year, date.month, date.day, hour, random.next(60))
                    guard millis < nowMillis else { continue }
                    paroTimes[random.next(2)].append(millis)
                }
            }
            if dayBack % 3 == 0 {
                for _ in 0..<random.next(4) {
                    let millis = ReadSideFixture.thimphu(date.year, date.month, date.day, random.next(24), 5)
                    if millis < nowMillis { haaTimes.append(millis) }
                }
            }
            for (device, times) in zip(paroDevices, paroTimes) where !times.isEmpty {
                try send(device, centre: paro, times)
            }
            if !haaTimes.isEmpty { try send(haaDevice, centre: haa, haaTimes) }
        }
        // Presses of a boot whose clock is still unknown: held, not drawn, counted as uncertain.
        try send(paroDevices[1], centre: paro, (0..<7).map { Int64($0) * 60_000 }, synchronised: false, boot: "lost")

        // Heartbeats: one device in trouble, one well, the third never heard from.
        try database.recordHeartbeat(
            Heartbeat(
                device: paroDevices[0], centre: paro, firmwareVersion: "1.2 <beta>", uptimeSeconds: 4_000,
                backlog: 12, oldestUnsentMillis: nowMillis - 3 * 3_600_000, lastPressMillis: nowMillis - 600_000,
                clock: ClockSample(
                    boot: "b", monotonicNanos: 4_000_000_000_000, wallClockMillis: nowMillis - 120_000,
                    synchronised: false),
                stuckLines: ["happy", "very-unhappy"], lostGPIOEvents: 3, freeDiskBytes: 1 << 20,
                storageWarning: "disk <90%> full & \"slow\""),
            receivedMillis: nowMillis - 120_000)
        try database.recordHeartbeat(
            Heartbeat(
                device: haaDevice, centre: haa, firmwareVersion: "1.2", uptimeSeconds: 10, backlog: 0,
                oldestUnsentMillis: nil, lastPressMillis: nil,
                clock: ClockSample(
                    boot: "b", monotonicNanos: 10_000_000_000, wallClockMillis: nowMillis - 30_000, synchronised: true),
                stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil),
            receivedMillis: nowMillis - 30_000)

        // Actions, one of them with markup and quotes in its words.
        try database.addAction(
            centre: paro, date: try LocalDate.parse("2026-10-19"), text: #"Second counter <opened> & "queue" 'moved'"#,
            target: "Mon 09:00-12:00", by: "dorji", nowMillis: nowMillis)
        try database.addAction(
            centre: paro, date: try LocalDate.parse("2026-11-16"), text: "Signs in Dzongkha ཞབས་ཏོག", target: nil,
            by: "pema", nowMillis: nowMillis)
        try database.addAction(
            centre: paro, date: try LocalDate.parse("2026-11-16"), text: "Water for those waiting", target: nil,
            by: "pema", nowMillis: nowMillis)

        // Alerts: open, acknowledged, resolved; deliveries delivered, pending, failed.
        func evidence(_ summary: String) -> AlertEvidence {
            AlertEvidence(
                answers: 8, negative: 6, fromMillis: nowMillis - 900_000, toMillis: nowMillis,
                firstPressMillis: nil, lastPressMillis: nil, index: 21.5, summary: summary)
        }
        let dip = try database.apply(
            .open(AlertState(openedMillis: nowMillis - 1_200_000, evidence: evidence("6 of 8 answers <unhappy>"))),
            centre: paro, kind: .dip, subject: "satisfaction", deliverTo: ["email", "webhook"])
        let offline = try database.apply(
            .open(AlertState(openedMillis: nowMillis - 7_200_000, evidence: evidence("no heartbeat & no \"press\""))),
            centre: paro, kind: .deviceOffline, subject: "paro-lobby-2", deliverTo: ["webhook"])
        try database.acknowledgeAlert(
            id: offline, by: "dorji", comment: "Power cut <fixed> at 'noon' & \"tomorrow\"",
            nowMillis: nowMillis - 3_600_000)
        var resolved = AlertState(openedMillis: nowMillis - 5 * 86_400_000, evidence: evidence("stuck line"))
        _ = try database.apply(.open(resolved), centre: paro, kind: .stuckLine, subject: "paro-exit-1")
        resolved.resolvedMillis = nowMillis - 4 * 86_400_000
        _ = try database.apply(.resolve(resolved), centre: paro, kind: .stuckLine, subject: "paro-exit-1")
        let deliveries = try database.deliveries(alertID: dip)
        for (delivery, error) in zip(deliveries, [nil, "connection refused <smtp> & \"retry\""]) {
            try database.recordDeliveryAttempt(
                id: delivery.id, error: error, nextAttemptMillis: error == nil ? nil : nowMillis + 60_000,
                nowMillis: nowMillis - 600_000)
        }
        for delivery in try database.deliveries(alertID: offline) {
            try database.recordDeliveryAttempt(
                id: delivery.id, error: "HTTP 500 'busy'", nextAttemptMillis: nil, nowMillis: nowMillis - 500_000)
        }

        try database.addPerson(
            "dorji", role: .manager, grants: [.centre(paro), .centre(haa), .centre(empty)],
            passwordHash: try AccessTests.Hub.hash(password), by: "test", nowMillis: 0)
        return database
    }

    /// Each page drawn: (file name, path, read with the manager's session rather than an administrator's token).
    static let pages: [(String, String, Bool)] = [
        ("paro-13-weeks-manager", "/centres/paro-dcrc?window=last-13-weeks", true),
        ("paro-13-weeks-token", "/centres/paro-dcrc?window=last-13-weeks", false),
        ("paro-4-weeks-token", "/centres/paro-dcrc", false),
        ("paro-holidays-manager", "/centres/paro-dcrc?from=2026-09-28&to=2026-11-15", true),
        ("paro-today-token", "/centres/paro-dcrc?window=today", false),
        ("haa-13-weeks-manager", "/centres/haa-dcrc?window=last-13-weeks", true),
        ("gasa-4-weeks-token", "/centres/gasa-dcrc", false),
    ]

    @Test func everyPageIsDrawnAsBefore() async throws {
        let database = try Self.hub()
        let token = try database.administratorToken()
        let app = Application(
            router: try buildRouter(database: database, clock: .fixed(Self.nowMillis), access: .testing))
        let write = ProcessInfo.processInfo.environment["SMILEY_WRITE_GOLDEN"] == "1"
        try await app.test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            for (name, path, asManager) in Self.pages {
                let reply = try await client.send(
                    .get, path, cookie: asManager ? session : nil, bearer: asManager ? nil : token)
                #expect(reply.status == .ok, "\(name): \(reply.body)")
                // The session's CSRF token is new on every run: compared by its place, not its value.
                var body = reply.body
                if let csrf = reply.csrfField { body = body.replacingOccurrences(of: csrf, with: "CSRF-TOKEN") }
                #expect(asManager == (reply.csrfField != nil), "\(name)")
                let file = Self.goldenDirectory.appendingPathComponent(name + ".html")
                if write {
                    try FileManager.default.createDirectory(
                        at: Self.goldenDirectory, withIntermediateDirectories: true)
                    try Data(body.utf8).write(to: file)
                    continue
                }
                let expected = try String(contentsOf: file, encoding: .utf8)
                if body != expected {
                    let mismatch =
                        zip(body.utf8, expected.utf8).enumerated().first { $1.0 != $1.1 }?.offset
                        ?? min(body.utf8.count, expected.utf8.count)
                    let around = String(
                        decoding: Array(body.utf8).dropFirst(max(0, mismatch - 120)).prefix(240), as: UTF8.self)
                    Issue.record("\(name): differs from \(file.lastPathComponent) at byte \(mismatch): …\(around)…")
                }
            }
        }
    }

    /// The fixture holds what the pages are meant to show, so the comparison above covers each kind of content.
    @Test func theFixtureHoldsEveryKindOfContent() async throws {
        let database = try Self.hub()
        let token = try database.administratorToken()
        let app = Application(
            router: try buildRouter(database: database, clock: .fixed(Self.nowMillis), access: .testing))
        try await app.test(.router) { client in
            let page = try await client.send(.get, "/centres/paro-dcrc?window=last-13-weeks", bearer: token).body
            for expected in [
                "Paro &lt;DCRC&gt; &amp; &quot;Sons&quot; &#39;Dzong&#39;", "closed on 2026-10-02, 2026-11-11",
                "wait for their device&#39;s clock", "outside opening hours", #"class="few""#, #"class="scored""#,
                #"class="empty""#, "Second counter &lt;opened&gt;", "Signs in Dzongkha ཞབས་ཏོག",
                #"data-state="open""#, #"data-state="acknowledged""#, #"data-state="resolved""#,
                #"data-delivery-state="delivered""#, #"data-delivery-state="pending""#,
                #"data-delivery-state="failed""#, "disk &lt;90%&gt; full", "Offline: no heartbeat", "Silent: no press",
                "action-marker",
                "too few",
            ] {
                #expect(page.contains(expected), "\(expected)")
            }
        }
    }
}
