import Foundation
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// The weekly report sender over the ledger of each backend (`WeeklyReportLedger`): the same weeks go out
/// once, to the manager with an address, and the ledger reads the same; on PostgreSQL, two hubs queueing the
/// same week at once add one row.
@Suite struct WeeklyReportLedgerTests {
    static let paro = WeeklyReportSenderTests.paro

    /// The backend's store as the sender takes it, Paro open Monday to Friday 09:00-17:00, Dorji its manager.
    static func prepared(_ subject: StoreUnderTest) async throws
        -> any CentreReadStore & CentreCareStore & WeeklyReportLedger
    {
        let store: any CentreReadStore & CentreCareStore & WeeklyReportLedger
        switch subject.probe {
        case .sqlite(let database): store = database
        case .postgres(let client): store = PostgresPressStore.quiet(client)
        }
        try await subject.store.addCentre(Centre(id: paro, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
        try await subject.store.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: paro)
        try await subject.people.addPerson(
            "dorji", role: .manager, grants: [.centre(paro)], passwordHash: nil, by: "test", nowMillis: 0)
        try await subject.probe.setEmail("dorji@paro.example.bt", of: "dorji")
        return store
    }

    @Test(arguments: StoreBackend.available)
    func eachWeekGoesOutOnceOnEitherBackend(_ backend: StoreBackend) async throws {
        let ledger = try await backend.withStore { subject in
            let store = try await Self.prepared(subject)
            let box = RecordingMailBox(failures: 1)
            let sender = WeeklyReportSender(
                store: store, from: "smiley-hub@example.bt", mail: RecordingTransport(box: box),
                logger: Logger(label: "test-weekly"))
            // Friday 16:59: last week's report is due; the first attempt is refused, retried on the backoff.
            let first = try await sender.sendDue(nowMillis: WeeklyReportSenderTests.at(27, 16, 59))
            #expect(first.map(\.state) == [.pending] && first.first?.lastError?.contains("451") == true)
            try await sender.sendDue(nowMillis: WeeklyReportSenderTests.at(27, 16, 59) + 30_000)
            try await sender.sendDue(nowMillis: WeeklyReportSenderTests.at(27, 17))
            try await sender.sendDue(nowMillis: WeeklyReportSenderTests.at(28, 12))
            let sent = await box.sent
            #expect(
                sent.map(\.subject) == [
                    "Smiley weekly report: Paro <DCRC>, 2026-11-16 to 2026-11-22",
                    "Smiley weekly report: Paro <DCRC>, 2026-11-23 to 2026-11-29",
                ])
            #expect(sent.allSatisfy { $0.to == ["dorji@paro.example.bt"] })
            #expect(
                try await store.queueWeeklyReport(
                    centre: Self.paro, weekFrom: try LocalDate.parse("2026-11-23"), nowMillis: 0) == false)
            return try await store.weeklyReportSendings(centre: nil, limit: 10)
        }
        #expect(ledger.map(\.weekFrom.description) == ["2026-11-23", "2026-11-16"])
        #expect(ledger.map(\.attempts) == [1, 2] && ledger.allSatisfy { $0.state == .delivered })
        #expect(
            ledger.map(\.sentMillis) == [
                WeeklyReportSenderTests.at(27, 17), WeeklyReportSenderTests.at(27, 16, 59) + 30_000,
            ])
        #expect(ledger.allSatisfy { $0.recipients == "dorji@paro.example.bt" })
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func twoHubsQueueingTheSameWeekAddOneRow() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let (a, b) = (PostgresPressStore.quiet(first), PostgresPressStore.quiet(second))
                    try await a.migrate()
                    try await a.addCentre(Centre(id: Self.paro, name: "Paro", timeZone: "Asia/Thimphu"))
                    for day in 1...20 {
                        let week = try LocalDate.parse(String(format: "2026-10-%02d", day))
                        async let byA = a.queueWeeklyReport(centre: Self.paro, weekFrom: week, nowMillis: 1)
                        async let byB = b.queueWeeklyReport(centre: Self.paro, weekFrom: week, nowMillis: 2)
                        let added = try await [byA, byB]
                        #expect(added.filter { $0 }.count == 1, "\(week)")
                    }
                    #expect(try await a.weeklyReportSendings(centre: Self.paro, limit: 100).count == 20)
                }
            }
        }
    }
}
