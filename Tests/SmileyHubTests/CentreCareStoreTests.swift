import Foundation
import GRDB
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// A centre's care (`CentreCareStore`) on both backends: the same actions, rule changes, alert changes,
/// acknowledgements and delivery attempts give the same reads; bad input gives the same typed error on both
/// and changes nothing.
@Suite struct CentreCareStoreTests {
    static let centre = PressStoreTests.centre
    static let paro = CentreID(rawValue: "paro-dcrc")!
    static let paroDevice = DeviceID(rawValue: "paro-exit-1")!
    static let start = PressStoreTests.mondayTen
    static let monday = PressStoreTests.monday

    static func evidence(_ summary: String, answers: Int = 8, negative: Int = 5, index: Double? = nil)
        -> AlertEvidence
    {
        AlertEvidence(
            answers: answers, negative: negative, fromMillis: start, toMillis: start + 900_000,
            firstPressMillis: start + 60_000, lastPressMillis: start + 840_000, index: index, summary: summary)
    }

    static func change(_ centre: CentreID, _ kind: AlertKind, _ subject: String, _ transition: AlertTransition)
        -> HubDatabase.AlertChange
    {
        HubDatabase.AlertChange(centre: centre, kind: kind, subject: subject, transition: transition)
    }

    /// Everything the care store reads back, for both centres.
    struct Transcript: Equatable, Sendable {
        var actions: [[CentreAction]] = []
        var firstData: [LocalDate?] = []
        var rules: [CentreAlertRules] = []
        var ruleChanges: [[AlertRuleChange]] = []
        var unsynchronised: [[DeviceID: Int64]] = []
        var open: [StoredAlert] = []
        var openAtCentre: [[StoredAlert]] = []
        var history: [[StoredAlert]] = []
        var byID: [StoredAlert?] = []
        var heads: [HubDatabase.OpenAlertHead] = []
        var deliveriesOfAlerts: [[AlertDelivery]] = []
        var deliveriesOfCentres: [[AlertDelivery]] = []
        var allDeliveries: [AlertDelivery] = []
        var due: [AlertDelivery] = []
        var next: Int64?
        var recent: [TimedAnswer] = []
        var managers: [[String]] = []
        /// "actor: action: detail", newest first.
        var audit: [String] = []
    }

    static func transcript(_ subject: StoreUnderTest, nowMillis: Int64) async throws -> Transcript {
        let care = subject.care
        var read = Transcript()
        for centre in [centre, paro] {
            read.actions.append(try await care.actions(centre: centre))
            read.firstData.append(try await care.firstDataDate(centre: centre))
            read.rules.append(try await care.alertRules(centre: centre))
            read.ruleChanges.append(try await care.alertRuleChanges(centre: centre))
            read.unsynchronised.append(try await care.clockUnsynchronisedSince(centre: centre))
            read.openAtCentre.append(try await care.openAlerts(centre: centre, limit: 100))
            read.history.append(try await care.alertHistory(centre: centre, limit: 20))
            read.deliveriesOfCentres.append(try await care.deliveries(centre: centre, limit: 50))
            read.managers.append(try await care.managerAddresses(centre: centre))
        }
        read.open = try await care.openAlerts(centre: nil, limit: 100)
        let ids = try await care.alertHistory(centre: nil, limit: 100).map(\.id).sorted()
        for id in ids + [9_999] { read.byID.append(try await care.alert(id: id)) }
        for id in ids { read.deliveriesOfAlerts.append(try await care.deliveries(alertID: id)) }
        read.heads = try await care.openAlertHeads()
        read.allDeliveries = try await care.deliveries(centre: nil, limit: 50)
        read.due = try await care.dueDeliveries(nowMillis: nowMillis, limit: 50)
        read.next = try await care.nextDeliveryMillis()
        read.recent = try await care.recentAnswers(
            centre: centre, question: .satisfaction, fromMillis: start - 1, toMillis: start + 3_600_000
        ).sorted { ($0.millis, $0.score) < ($1.millis, $1.score) }
        read.audit = try await subject.people.auditEntries(limit: 100).map { "\($0.actor): \($0.action): \($0.detail)" }
        return read
    }

    /// Two centres with a device each, a manager of each (Dorji with an e-mail address), and presses at Wangdue.
    static func prepare(_ subject: StoreUnderTest) async throws {
        try await PressStoreTests.prepare(subject.store)
        try await subject.store.addCentre(Centre(id: paro, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        _ = try await subject.store.addDevice(paroDevice, centre: paro, publicKey: nil, nowMillis: 0)
        try await subject.people.addPerson(
            "dorji", role: .manager, grants: [.centre(centre)], passwordHash: nil, by: "admin", nowMillis: 1)
        try await subject.people.addPerson(
            "pema", role: .manager, grants: [.centre(paro)], passwordHash: nil, by: "admin", nowMillis: 1)
        // `user email` is not on PostgreSQL yet: the address is set in the table itself, alike on both.
        try await subject.probe.setEmail("dorji@example.bt", of: "dorji")
        let presses = [
            PressStoreTests.press(1, .unhappy), PressStoreTests.press(2, .veryUnhappy, minutes: 1),
            PressStoreTests.press(3, .happy, minutes: 2),
            PressStoreTests.press(4, .unhappy, minutes: 3, suppressed: true),
            PressStoreTests.press(5, .veryHappy, minutes: 70),
        ]
        _ = try await subject.store.ingest(PressStoreTests.batch(presses), receivedMillis: start + 4_800_000)
        // Wangdue's device reports an unsynchronised clock.
        let heartbeat = Heartbeat(
            device: PressStoreTests.device, centre: centre, firmwareVersion: "0.1.0", uptimeSeconds: 1200, backlog: 0,
            oldestUnsentMillis: nil, lastPressMillis: nil,
            clock: ClockSample(
                boot: "boot-a", monotonicNanos: 1_000_000_000_000 + 9_000_000, wallClockMillis: start + 4_900_000,
                synchronised: false), stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
        try await subject.store.recordHeartbeat(heartbeat, receivedMillis: start + 4_900_000)
    }

    /// What a centre's care goes through: actions added and one removed, rules changed, reset and changed
    /// again, alerts opened with deliveries, one updated, one resolved, one acknowledged, deliveries attempted
    /// (delivered, retried later, given up, then retried by hand). Returns the ids `apply` returned.
    static func tell(_ subject: StoreUnderTest) async throws -> [Int64] {
        let care = subject.care
        try await prepare(subject)
        try await care.addAction(
            centre: centre, date: monday, text: "  Second counter opened  ", target: "Mon 09:00-12:00", by: "dorji",
            address: "192.0.2.7", nowMillis: start + 1)
        let removed = try await care.addAction(
            centre: centre, date: monday.adding(days: -3), text: "Queue signs", target: nil, by: "dorji", address: nil,
            nowMillis: start + 2)
        try await care.addAction(
            centre: centre, date: monday.adding(days: -3), text: "Ramp repaired\nat the entrance", target: " ",
            by: "dorji", address: nil, nowMillis: start + 3)
        try await care.addAction(
            centre: paro, date: monday, text: "Longer hours", target: nil, by: "pema", address: nil,
            nowMillis: start + 4)
        try await care.removeAction(removed.id, centre: centre, by: "dorji", address: "192.0.2.7", nowMillis: start + 5)

        try await care.setAlertRules(
            [("dip.window-minutes", "30"), ("drift.sigmas", " 2.5 "), ("enabled.drift", "no")], centre: centre,
            by: "dorji", nowMillis: start + 6)
        try await care.setAlertRules([("silent.open-hours", "3")], centre: paro, by: "pema", nowMillis: start + 7)
        try await care.resetAlertRules(centre: paro, by: "pema", nowMillis: start + 8)
        try await care.setAlertRules(
            [("dip.window-minutes", "20"), ("enabled.drift", "yes")], centre: centre, by: "dorji", nowMillis: start + 9)

        let opened = AlertState(openedMillis: start + 10_000, evidence: evidence("5 of 8 answers negative"))
        var later = AlertState(openedMillis: start + 10_000, evidence: evidence("6 of 9 answers negative", answers: 9))
        var ids = try await care.apply(
            [
                change(centre, .dip, "satisfaction", .open(opened)),
                change(centre, .deviceOffline, PressStoreTests.device.rawValue, .open(opened)),
                change(paro, .drift, "accessibility", .open(opened)),
                change(centre, .dip, "accessibility", .nothing),
            ], deliverTo: ["webhook", "email"])
        ids += try await care.apply(
            [change(centre, .dip, "satisfaction", .update(later))], deliverTo: ["webhook", "email"])
        later.resolvedMillis = start + 20_000
        ids += try await care.apply(
            [change(centre, .deviceOffline, PressStoreTests.device.rawValue, .resolve(later))], deliverTo: [])
        // The same kind and subject opens again once resolved: a new alert.
        let again = AlertState(
            openedMillis: start + 30_000, evidence: evidence("offline again", answers: 0, negative: 0, index: 41.5))
        ids += try await care.apply(
            [change(centre, .deviceOffline, PressStoreTests.device.rawValue, .open(again))], deliverTo: ["webhook"])
        try await care.acknowledgeAlert(
            id: ids[0], centre: centre, by: "dorji", comment: "  Extra staff sent\n", nowMillis: start + 40_000)

        let due = try await care.dueDeliveries(nowMillis: start + 50_000, limit: 50)
        try await care.recordDeliveryAttempt(
            id: due[0].id, error: nil, nextAttemptMillis: nil, nowMillis: start + 50_001)
        try await care.recordDeliveryAttempt(
            id: due[1].id, error: "HTTP 502 from the webhook", nextAttemptMillis: start + 110_000,
            nowMillis: start + 50_002)
        try await care.recordDeliveryAttempt(
            id: due[2].id, error: String(repeating: "x", count: 1500), nextAttemptMillis: nil, nowMillis: start + 50_003
        )
        try await care.recordDeliveryAttempt(
            id: due[3].id, error: "SMTP 451", nextAttemptMillis: nil, nowMillis: start + 50_004)
        try await care.retryDelivery(
            id: due[3].id, centre: centre, by: "dorji", address: nil, nowMillis: start + 60_000)
        return ids
    }

    @Test(arguments: StoreBackend.available)
    func aCentresCareReadsBackWhatWasDone(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let ids = try await Self.tell(subject)
            let read = try await Self.transcript(subject, nowMillis: Self.start + 120_000)
            #expect(ids.count == 7 && ids[3] == 0 && ids[4] == ids[0] && ids[5] == ids[1] && ids[6] > ids[2])

            let wangdue = read.actions[0]
            #expect(wangdue.map(\.text) == ["Ramp repaired\nat the entrance", "Second counter opened"])
            #expect(wangdue[1].target?.description == "Mon 09:00-12:00" && wangdue[0].target == nil)
            #expect(read.actions[1].map(\.recordedBy) == ["pema"])
            #expect(read.firstData == [Self.monday, nil])

            #expect(
                read.ruleChanges[0].map { "\($0.name)=\($0.value)" }.sorted() == [
                    "dip.window-minutes=20", "drift.sigmas=2.5", "enabled.drift=yes",
                ])
            #expect(read.rules[0].dip.windowMinutes == 20 && read.rules[0].drift.sigmas == 2.5)
            #expect(read.rules[0].value(of: "enabled.drift") == "yes")
            #expect(read.rules[1] == CentreAlertRules() && read.ruleChanges[1].isEmpty)
            #expect(read.unsynchronised == [[PressStoreTests.device: Self.start + 4_900_000], [:]])

            #expect(read.open.map(\.id) == [ids[0], ids[2], ids[6]])
            let acknowledged = try #require(read.byID.compactMap { $0 }.first { $0.id == ids[0] })
            #expect(acknowledged.state.acknowledgedBy == "dorji" && acknowledged.state.comment == "Extra staff sent")
            #expect(
                acknowledged.state.evidence.answers == 9 && acknowledged.state.acknowledgedMillis == Self.start + 40_000
            )
            let resolved = try #require(read.byID.compactMap { $0 }.first { $0.id == ids[1] })
            #expect(resolved.state.resolvedMillis == Self.start + 20_000 && !resolved.state.isOpen)
            #expect(read.byID.last == .some(nil))
            #expect(read.history[0].map(\.id) == [ids[6], ids[1], ids[0]])
            #expect(read.heads.map(\.id) == read.open.map(\.id))
            #expect(read.heads[0].evidenceJSON == (try HubDatabase.json(acknowledged.state.evidence)))

            // Two channels for each of the first three alerts, one for the fourth: seven deliveries.
            #expect(read.allDeliveries.count == 7)
            #expect(read.deliveriesOfAlerts.map(\.count) == [2, 2, 2, 1])
            let states = read.deliveriesOfAlerts.flatMap { $0 }.map {
                "\($0.channel) \($0.state.rawValue) \($0.attempts)"
            }
            #expect(
                states == [
                    "webhook delivered 1", "email pending 1", "webhook failed 1", "email pending 1",
                    "webhook pending 0",
                    "email pending 0", "webhook pending 0",
                ])
            let failed = try #require(read.deliveriesOfAlerts[1].first)
            #expect(failed.lastError?.count == 1000)
            #expect(read.deliveriesOfAlerts[1][1].lastError == "SMTP 451")
            #expect(read.deliveriesOfAlerts[1][1].nextAttemptMillis == Self.start + 60_000)
            #expect(read.due.count == 5 && read.next == Self.start + 10_000)
            #expect(read.deliveriesOfCentres[1].map(\.alertID) == [ids[2], ids[2]])

            #expect(read.recent.map(\.score) == [2, 1, 3])
            #expect(read.managers == [["dorji@example.bt"], []])
            let retried = try #require(read.allDeliveries.first { $0.lastError == "SMTP 451" })
            #expect(retried.state == .pending)
            #expect(
                read.audit.prefix(10) == [
                    "dorji: retry delivery: wangdue-dcrc delivery \(retried.id)",
                    "dorji: acknowledge alert: wangdue-dcrc alert \(ids[0])",
                    "dorji: alert rules: wangdue-dcrc: dip.window-minutes=20 enabled.drift=yes",
                    "pema: alert rules: paro-dcrc: defaults",
                    "pema: alert rules: paro-dcrc: silent.open-hours=3",
                    "dorji: alert rules: wangdue-dcrc: dip.window-minutes=30 drift.sigmas=2.5 enabled.drift=no",
                    "dorji: action removed: wangdue-dcrc #\(wangdue[0].id - 1)",
                    "pema: action added: paro-dcrc #\(read.actions[1][0].id) 2026-11-02: Longer hours",
                    "dorji: action added: wangdue-dcrc #\(wangdue[0].id) 2026-10-30: Ramp repaired\nat the entrance",
                    "dorji: action added: wangdue-dcrc #\(wangdue[0].id - 1) 2026-10-30: Queue signs",
                ])
        }
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func bothBackendsReadTheSameCare() async throws {
        let fromSQLite = try await StoreBackend.sqlite.withStore { subject in
            (try await Self.tell(subject), try await Self.transcript(subject, nowMillis: Self.start + 120_000))
        }
        let fromPostgres = try await StoreBackend.postgres.withStore { subject in
            (try await Self.tell(subject), try await Self.transcript(subject, nowMillis: Self.start + 120_000))
        }
        #expect(fromSQLite.0 == fromPostgres.0)
        let (lite, pg) = (fromSQLite.1, fromPostgres.1)
        #expect(lite.actions == pg.actions)
        #expect(lite.firstData == pg.firstData)
        #expect(lite.rules == pg.rules && lite.ruleChanges == pg.ruleChanges)
        #expect(lite.unsynchronised == pg.unsynchronised)
        #expect(lite.open == pg.open && lite.openAtCentre == pg.openAtCentre && lite.history == pg.history)
        #expect(lite.byID == pg.byID && lite.heads == pg.heads)
        #expect(lite.deliveriesOfAlerts == pg.deliveriesOfAlerts && lite.deliveriesOfCentres == pg.deliveriesOfCentres)
        #expect(lite.allDeliveries == pg.allDeliveries && lite.due == pg.due && lite.next == pg.next)
        #expect(lite.recent == pg.recent && lite.managers == pg.managers)
        #expect(lite.audit == pg.audit)
        #expect(lite == pg)
    }

    /// Each refusal, in order, for one backend: the error thrown (nil when nothing was thrown).
    static func refusals(_ subject: StoreUnderTest) async throws -> (
        errors: [HubError?], before: Transcript, after: Transcript
    ) {
        let care = subject.care
        let ids = try await tell(subject)
        let now = start + 120_000
        let before = try await transcript(subject, nowMillis: now)
        let paroAction = before.actions[1][0].id
        let pendingDelivery = before.due[0].id
        func attempt(_ body: () async throws -> Void) async -> HubError? {
            do {
                try await body()
                return nil
            } catch let error as HubError {
                return error
            } catch {
                return .storage("not a HubError: \(error)")
            }
        }
        let unknown = CentreID(rawValue: "nowhere-dcrc")!
        var errors: [HubError?] = []
        errors.append(
            await attempt {
                try await care.addAction(
                    centre: centre, date: monday, text: "  \n ", target: nil, by: "dorji", address: nil, nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.addAction(
                    centre: centre, date: monday, text: String(repeating: "a", count: 281), target: nil, by: "dorji",
                    address: nil, nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.addAction(
                    centre: centre, date: monday, text: "Bell\u{7}", target: nil, by: "dorji", address: nil,
                    nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.addAction(
                    centre: centre, date: monday, text: "Ramp", target: "Mon 25:00-26:00", by: "dorji", address: nil,
                    nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.addAction(
                    centre: unknown, date: monday, text: "Ramp", target: nil, by: "dorji", address: nil, nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.removeAction(paroAction, centre: centre, by: "dorji", address: nil, nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.removeAction(9_999, centre: centre, by: "dorji", address: nil, nowMillis: now)
            })
        // Rules: out of range, not a number, unknown, inconsistent, a good one before a bad one, unknown centre.
        errors.append(
            await attempt {
                try await care.setAlertRules([("dip.window-minutes", "0")], centre: centre, by: "dorji", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.setAlertRules([("drift.sigmas", "lots")], centre: centre, by: "dorji", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.setAlertRules([("dip.colour", "red")], centre: centre, by: "dorji", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.setAlertRules(
                    [("drift.minimum-history-days", "60")], centre: centre, by: "dorji", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.setAlertRules(
                    [("silent.open-hours", "4"), ("enabled.dip", "maybe")], centre: centre, by: "dorji", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.setAlertRules([("silent.open-hours", "4")], centre: unknown, by: "dorji", nowMillis: now)
            })
        errors.append(await attempt { try await care.resetAlertRules(centre: unknown, by: "dorji", nowMillis: now) })
        // Acknowledging: no comment, an unknown alert, another centre's, a resolved one, one acknowledged already.
        errors.append(
            await attempt {
                try await care.acknowledgeAlert(id: ids[2], centre: paro, by: "pema", comment: " \n", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.acknowledgeAlert(
                    id: 9_999, centre: centre, by: "dorji", comment: "On it", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.acknowledgeAlert(
                    id: ids[2], centre: centre, by: "dorji", comment: "On it", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.acknowledgeAlert(
                    id: ids[1], centre: centre, by: "dorji", comment: "On it", nowMillis: now)
            })
        errors.append(
            await attempt {
                try await care.acknowledgeAlert(
                    id: ids[0], centre: centre, by: "dorji", comment: "Again", nowMillis: now)
            })
        let failedDelivery = before.allDeliveries.first { $0.state == .failed }!.id
        let delivered = before.allDeliveries.first { $0.state == .delivered }!.id
        func retry(_ id: Int64, at centre: CentreID?) async -> HubError? {
            await attempt {
                try await care.retryDelivery(id: id, centre: centre, by: "dorji", address: nil, nowMillis: now)
            }
        }
        // Retrying a delivery that has not failed, none, or another centre's.
        errors.append(await retry(pendingDelivery, at: nil))
        errors.append(await retry(9_999, at: nil))
        errors.append(await retry(delivered, at: nil))
        errors.append(await retry(failedDelivery, at: paro))
        return (errors, before, try await transcript(subject, nowMillis: now))
    }

    @Test(arguments: StoreBackend.available)
    func badInputIsRefusedByNameAndChangesNothing(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let (errors, before, after) = try await Self.refusals(subject)
            #expect(after == before)
            #expect(errors.allSatisfy { $0 != nil })
            let kinds = errors.map { error -> String in
                switch error {
                case .invalid?: "invalid"
                case .notFound?: "not found"
                case .conflict?: "conflict"
                default: "\(String(describing: error))"
                }
            }
            #expect(
                kinds == [
                    "invalid", "invalid", "invalid", "invalid", "not found", "not found", "not found",
                    "invalid", "invalid", "invalid", "invalid", "invalid", "not found", "not found",
                    "invalid", "not found", "not found", "conflict", "conflict", "conflict", "not found",
                    "conflict", "not found",
                ])
            #expect(errors[0]?.description.contains("an action needs a description") == true)
            #expect(errors[7]?.description == "dip.window-minutes must be in 5...240, not 0")
            #expect(errors[16]?.description == "no alert \(before.open[1].id) at wangdue-dcrc")
            #expect(errors[17]?.description.contains("already resolved itself") == true)
            #expect(errors[18]?.description == "alert \(before.open[0].id) was already acknowledged by dorji")
            #expect(errors[19]?.description.contains("is still pending") == true)
            #expect(errors[20]?.description == "no delivery 9999")
            #expect(errors[21]?.description.contains("was delivered: there is nothing to retry") == true)
            #expect(errors[22]?.description.hasPrefix("no delivery ") == true)
            #expect(errors[22]?.description.hasSuffix(" at paro-dcrc") == true)
        }
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func bothBackendsRefuseInTheSameWords() async throws {
        let lite = try await StoreBackend.sqlite.withStore { try await Self.refusals($0).errors }
        let pg = try await StoreBackend.postgres.withStore { try await Self.refusals($0).errors }
        #expect(lite == pg)
    }
}

extension CentreCareStoreTests {
    /// Two pools (two hub processes) acknowledging the same alert at the same moment, forty alerts in turn:
    /// each time exactly one acknowledgement is recorded, the other is refused naming who did it, and the
    /// audit log holds one line per alert.
    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func twoHubsAcknowledgingTheSameAlertRecordItOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let (a, b) = (PostgresPressStore.quiet(first), PostgresPressStore.quiet(second))
                    try await a.migrate()
                    try await Self.prepare(StoreUnderTest(store: a, probe: .postgres(first), people: a, care: a))
                    let rounds = 40
                    for round in 0..<rounds {
                        let state = AlertState(
                            openedMillis: Self.start + Int64(round), evidence: Self.evidence("r\(round)"))
                        let id = try #require(
                            try await a.apply(
                                [Self.change(Self.centre, .silentDevice, "device-\(round)", .open(state))],
                                deliverTo: []
                            ).first)
                        async let byA = Self.outcome {
                            try await a.acknowledgeAlert(
                                id: id, centre: Self.centre, by: "dorji", comment: "from hub A", nowMillis: Self.start)
                        }
                        async let byB = Self.outcome {
                            try await b.acknowledgeAlert(
                                id: id, centre: Self.centre, by: "tashi", comment: "from hub B", nowMillis: Self.start)
                        }
                        let outcomes = [await byA, await byB]
                        let winners = outcomes.compactMap { try? $0.get() }
                        #expect(winners.count == 1, "round \(round)")
                        let winner = try #require(winners.first?.state.acknowledgedBy)
                        let refused = outcomes.compactMap { outcome -> HubError? in
                            if case .failure(let error) = outcome { return error }
                            return nil
                        }
                        #expect(refused == [.conflict("alert \(id) was already acknowledged by \(winner)")])
                        let stored = try #require(try await b.alert(id: id))
                        #expect(stored.state.acknowledgedBy == winner)
                        #expect(stored.state.comment == (winner == "dorji" ? "from hub A" : "from hub B"))
                    }
                    let lines = try await a.auditEntries(limit: 1000).filter { $0.action == "acknowledge alert" }
                    #expect(lines.count == rounds)
                }
            }
        }
    }

    static func outcome(_ body: () async throws -> StoredAlert) async -> Result<StoredAlert, HubError> {
        do {
            return .success(try await body())
        } catch let error as HubError {
            return .failure(error)
        } catch {
            return .failure(.storage("not a HubError: \(error)"))
        }
    }
}

extension StoreProbe {
    /// Sets a person's e-mail address in the table itself (`user email` has no PostgreSQL side yet).
    func setEmail(_ address: String, of person: String) async throws {
        switch self {
        case .sqlite(let database):
            try await database.writer.write { db in
                try db.execute(sql: "UPDATE person SET email = ? WHERE name = ?", arguments: [address, person])
            }
        case .postgres(let client):
            try await client.query("UPDATE person SET email = \(address) WHERE name = \(person)")
        }
    }
}
