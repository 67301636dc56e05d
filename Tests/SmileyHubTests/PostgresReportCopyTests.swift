import Foundation
import Logging
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// `smiley-hub migrate` and the weekly reports' ledger: a week the SQLite hub mailed is not mailed again by a
/// hub on PostgreSQL; a week settled differently on both sides is refused by name; the enrollment codes still
/// open are copied and enroll once on PostgreSQL.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresReportCopyTests {
    static let paro = WeeklyReportSenderTests.paro
    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Int64 {
        WeeklyReportSenderTests.at(day, hour, minute)
    }

    /// Paro (Monday to Friday 09:00-17:00) with Dorji its manager; its ledger: the week of 23 November sent
    /// by the sender on Friday 27 at 17:00, the week of 9 November given up, the week of 2 November pending
    /// (one failed attempt, retried later). Enrollment codes: one open, one expired, one redeemed.
    static func sqliteHub() async throws -> (HubDatabase, openCode: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-report-copy-\(UUID().uuidString)")
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        try database.addCentre(Centre(id: paro, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: paro)
        try database.addPerson(
            "dorji", role: .manager, grants: [.centre(paro)], passwordHash: nil, by: "test", nowMillis: 0)
        try database.setEmail("dorji@paro.example.bt", of: "dorji", by: "test", nowMillis: 0)
        let box = RecordingMailBox()
        let sent = try await WeeklyReportSender(
            database: database, from: "smiley-hub@example.bt", mail: RecordingTransport(box: box),
            logger: Logger(label: "test-weekly")
        ).sendDue(nowMillis: at(27, 17))
        #expect(sent.map(\.state) == [.delivered] && sent.first?.weekFrom.description == "2026-11-23")
        let givenUp = try LocalDate.parse("2026-11-09")
        try database.queueWeeklyReport(centre: paro, weekFrom: givenUp, nowMillis: at(13, 17))
        try database.recordWeeklyReportAttempt(
            centre: paro, weekFrom: givenUp, error: "no recipients", recipients: [], nextAttemptMillis: nil,
            nowMillis: at(13, 18))
        let pending = try LocalDate.parse("2026-11-02")
        try database.queueWeeklyReport(centre: paro, weekFrom: pending, nowMillis: at(6, 17))
        try database.recordWeeklyReportAttempt(
            centre: paro, weekFrom: pending, error: "SMTP 451", recipients: [], nextAttemptMillis: at(30, 12),
            nowMillis: at(6, 18))
        let open = try database.createEnrollmentCode(centre: paro, expiresMillis: at(29, 12), nowMillis: at(27, 12))
        _ = try database.createEnrollmentCode(centre: paro, expiresMillis: at(27, 13), nowMillis: at(27, 12))
        let used = try database.createEnrollmentCode(centre: paro, expiresMillis: at(29, 12), nowMillis: at(27, 12))
        _ = try database.redeem(
            EnrollmentRequest(code: used, device: DeviceID(rawValue: "paro-exit-9")!), nowMillis: at(27, 14))
        return (database, open, directory)
    }

    static func quietSender(_ store: PostgresPressStore, _ box: RecordingMailBox) -> WeeklyReportSender {
        WeeklyReportSender(
            store: store, from: "smiley-hub@example.bt", mail: RecordingTransport(box: box),
            logger: Logger(label: "test-weekly"))
    }

    @Test func theLedgerIsCopiedComparedAndAMigratedHubDoesNotMailASentWeekAgain() async throws {
        let (source, openCode, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try source.weeklyReportSendings(centre: nil, limit: 100)
        #expect(ledger.count == 3)
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            let first = try await PostgresCopy.copy(from: source, to: target, nowMillis: Self.at(28, 9))
            #expect(first.weeklyReports == 3)
            #expect(first.enrollmentCodes == 1, "only the code neither redeemed nor expired")
            #expect(try await target.weeklyReportSendings(centre: nil, limit: 100) == ledger)
            let comparison = StoreFigures.comparison(
                sqlite: try StoreFigures.read(source), postgres: try await StoreFigures.read(target))
            #expect(!comparison.differ, "\(comparison.lines)")
            #expect(comparison.lines.contains("weekly_report_sending rows: sqlite 3, postgresql 3"))
            #expect(!PostgresCopy.tablesNotCopied.contains("weekly_report_sending"))

            let again = try await PostgresCopy.copy(from: source, to: target, nowMillis: Self.at(28, 9))
            #expect(again.weeklyReports == 0 && again.enrollmentCodes == 0)
            #expect(try await target.weeklyReportSendings(centre: nil, limit: 100) == ledger)

            // The migrated hub's pass on Saturday: the week of 23 November was mailed on SQLite, so nothing
            // goes out; the pending week of 2 November is not due before the 30th.
            let box = RecordingMailBox()
            let tried = try await Self.quietSender(target, box).sendDue(nowMillis: Self.at(28, 12))
            #expect(tried.isEmpty)
            #expect(await box.sent.isEmpty)
            #expect(try await target.weeklyReportSendings(centre: nil, limit: 100) == ledger)

            // The open code enrolls a device through PostgreSQL, once.
            let grant = try await target.redeem(
                EnrollmentRequest(code: openCode, device: DeviceID(rawValue: "paro-exit-2")!),
                nowMillis: Self.at(28, 10))
            #expect(grant.centre == Self.paro)
            await #expect(throws: HubError.self) {
                try await target.redeem(
                    EnrollmentRequest(code: openCode, device: DeviceID(rawValue: "paro-exit-3")!),
                    nowMillis: Self.at(28, 11))
            }
        }
    }

    @Test func aWeekPendingOnPostgresIsSettledBySQLitesSending() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            // A hub on PostgreSQL started before the copy queued the same week and failed to mail it.
            try await target.addCentre(Centre(id: Self.paro, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
            try await target.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: Self.paro)
            let week = try LocalDate.parse("2026-11-23")
            try await target.queueWeeklyReport(centre: Self.paro, weekFrom: week, nowMillis: Self.at(27, 17, 30))
            try await target.recordWeeklyReportAttempt(
                centre: Self.paro, weekFrom: week, error: "no recipients", recipients: [],
                nextAttemptMillis: Self.at(27, 18), nowMillis: Self.at(27, 17, 30))
            let outcome = try await PostgresCopy.copy(from: source, to: target, nowMillis: Self.at(28, 9))
            #expect(outcome.weeklyReports == 2, "the two weeks PostgreSQL lacked")
            let row = try #require(
                try await target.weeklyReportSendings(centre: Self.paro, limit: 100).first { $0.weekFrom == week })
            #expect(row.state == .delivered && row.recipients == "dorji@paro.example.bt")
            #expect(row.sentMillis == Self.at(27, 17))
            let box = RecordingMailBox()
            #expect(try await Self.quietSender(target, box).sendDue(nowMillis: Self.at(28, 12)).isEmpty)
            #expect(await box.sent.isEmpty)
        }
    }

    @Test func aWeekSettledOtherwiseOnPostgresIsRefusedByNameAndNothingIsWritten() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addCentre(Centre(id: Self.paro, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
            try await target.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: Self.paro)
            // The week of 23 November, mailed by a hub on PostgreSQL too, at another time to another address.
            let week = try LocalDate.parse("2026-11-23")
            try await target.queueWeeklyReport(centre: Self.paro, weekFrom: week, nowMillis: Self.at(27, 17, 30))
            try await target.recordWeeklyReportAttempt(
                centre: Self.paro, weekFrom: week, error: nil, recipients: ["duty@paro.example.bt"],
                nextAttemptMillis: nil, nowMillis: Self.at(27, 17, 31))
            let before = try await StoreFigures.read(target)
            let ledgerBefore = try await target.weeklyReportSendings(centre: nil, limit: 100)
            do {
                _ = try await PostgresCopy.copy(from: source, to: target, nowMillis: Self.at(28, 9))
                Issue.record("a week sent twice was copied")
            } catch {
                #expect(
                    "\(error)".contains("weekly report of paro-dcrc for the week of 2026-11-23 differs"),
                    "\(error)")
                #expect("\(error)".contains("duty@paro.example.bt"), "\(error)")
            }
            #expect(try await StoreFigures.read(target) == before)
            #expect(try await target.weeklyReportSendings(centre: nil, limit: 100) == ledgerBefore)
            #expect(try await target.people().isEmpty, "the refused copy wrote nothing")
        }
    }

    @Test func anEnrollmentCodeHeldForAnotherCentreIsRefused() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            _ = try await PostgresCopy.copy(from: source, to: target, nowMillis: Self.at(28, 9))
            // The same code hash held with another expiry (changed behind the copy's back).
            guard case .postgres(let client) = subject.probe else { return }
            try await client.query("UPDATE enrollment_code SET expires_millis = expires_millis + 1")
            do {
                _ = try await PostgresCopy.copy(from: source, to: target, nowMillis: Self.at(28, 9))
                Issue.record("a differing enrollment code was accepted")
            } catch {
                #expect("\(error)".contains("enrollment code ") && "\(error)".contains("differs"))
            }
        }
    }
}
