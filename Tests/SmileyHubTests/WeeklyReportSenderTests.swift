import Foundation
import Logging
import SmileyCore
import SmileyHub
import Testing

/// Mail the sender hands over, kept in order; fails the first `failures` messages.
actor RecordingMailBox {
    private(set) var sent: [MailMessage] = []
    private(set) var refused = 0
    var failures: Int

    init(failures: Int = 0) { self.failures = failures }

    func take(_ message: MailMessage) throws {
        if failures > 0 {
            failures -= 1
            refused += 1
            throw SMTPRefusal()
        }
        sent.append(message)
    }

    struct SMTPRefusal: Error, CustomStringConvertible {
        var description: String { "SMTP DATA failed: the server replied 451 try again later" }
    }
}

struct RecordingTransport: MailTransport {
    let box: RecordingMailBox
    func send(_ message: MailMessage) async throws { try await box.take(message) }
}

/// The weekly report sender on a real SQLite file, a fake transport and the test's clock: Paro is open
/// Monday to Friday 09:00-17:00 (Thimphu), so the week of 23 November is due on Friday 27 November at 17:00.
@Suite struct WeeklyReportSenderTests {
    static let paro = CentreID(rawValue: "paro-dcrc")!
    static let haa = CentreID(rawValue: "haa-dcrc")!
    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Int64 {
        ReadSideFixture.thimphu(2026, 11, day, hour, minute)
    }

    let path: String

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weekly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("hub.sqlite").path
        let database = try HubDatabase(path: path)
        try database.addCentre(Centre(id: Self.paro, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: Self.paro)
        try database.addCentre(Centre(id: Self.haa, name: "Haa DCRC", timeZone: "Asia/Thimphu"))
        try database.addPerson(
            "dorji", role: .manager, grants: [.centre(Self.paro)], passwordHash: nil, by: "test", nowMillis: 0)
        try database.setEmail("dorji@paro.example.bt", of: "dorji", by: "test", nowMillis: 0)
        try database.addPerson(
            "pema", role: .viewer, grants: [.centre(Self.paro)], passwordHash: nil, by: "test", nowMillis: 0)
        try database.setEmail("pema@paro.example.bt", of: "pema", by: "test", nowMillis: 0)
        // Haa's manager has no address yet.
        try database.addPerson(
            "karma", role: .manager, grants: [.centre(Self.haa)], passwordHash: nil, by: "test", nowMillis: 0)
    }

    func sender(_ box: RecordingMailBox, backoff: DeliveryBackoff = DeliveryBackoff()) throws -> WeeklyReportSender {
        WeeklyReportSender(
            database: try HubDatabase(path: path), from: "smiley-hub@example.bt", mail: RecordingTransport(box: box),
            backoff: backoff, logger: Logger(label: "test-weekly"))
    }

    @Test func theWeekGoesOutAfterItsLastOpeningHourNotBeforeAndOnlyOnce() async throws {
        let box = RecordingMailBox()
        let sender = try sender(box)
        // Friday 16:59: the week of 16 November is the latest due; it goes to the manager, not the viewer.
        try await sender.sendDue(nowMillis: Self.at(27, 16, 59))
        var sent = await box.sent
        #expect(sent.count == 1)
        let first = try #require(sent.first)
        #expect(first.to == ["dorji@paro.example.bt"] && first.from == "smiley-hub@example.bt")
        #expect(first.subject == "Smiley weekly report: Paro <DCRC>, 2026-11-16 to 2026-11-22")
        #expect(first.html?.contains("Paro &lt;DCRC&gt;") == true)
        #expect(first.text.contains("Week 2026-11-16 to 2026-11-22"))
        // A second pass a minute before closing sends nothing new.
        try await sender.sendDue(nowMillis: Self.at(27, 16, 59) + 30_000)
        #expect(await box.sent.count == 1)
        // 17:00: this week's last opening hour is over, so its report goes.
        try await sender.sendDue(nowMillis: Self.at(27, 17))
        sent = await box.sent
        #expect(sent.map(\.subject).last == "Smiley weekly report: Paro <DCRC>, 2026-11-23 to 2026-11-29")
        #expect(sent.count == 2)
        try await sender.sendDue(nowMillis: Self.at(28, 12))
        #expect(await box.sent.count == 2, "nothing is sent twice")
        let ledger = try HubDatabase(path: path).weeklyReportSendings(centre: Self.paro)
        #expect(ledger.map(\.weekFrom.description) == ["2026-11-23", "2026-11-16"])
        #expect(ledger.allSatisfy { $0.state == .delivered && $0.recipients == "dorji@paro.example.bt" })
        #expect(ledger.first?.sentMillis == Self.at(27, 17))
    }

    @Test func aCentreWithoutOpeningHoursIsDueAtMidnightEndingSunday() async throws {
        let box = RecordingMailBox()
        let database = try HubDatabase(path: path)
        try database.setEmail("karma@haa.example.bt", of: "karma", by: "test", nowMillis: 0)
        let sender = try sender(box)
        try await sender.sendDue(nowMillis: Self.at(29, 23, 59))
        #expect(
            await box.sent.filter { $0.to == ["karma@haa.example.bt"] }.map(\.subject).last?.hasSuffix(
                "2026-11-16 to 2026-11-22") == true)
        try await sender.sendDue(nowMillis: Self.at(30, 0))
        let haa = await box.sent.filter { $0.to == ["karma@haa.example.bt"] }.map(\.subject)
        #expect(
            haa == [
                "Smiley weekly report: Haa DCRC, 2026-11-16 to 2026-11-22",
                "Smiley weekly report: Haa DCRC, 2026-11-23 to 2026-11-29",
            ])
    }

    @Test func aRestartedHubDoesNotSendAgainButRetriesWhatFailed() async throws {
        let box = RecordingMailBox()
        try await sender(box).sendDue(nowMillis: Self.at(27, 17))
        #expect(await box.sent.count == 1)
        let haa = try #require(try HubDatabase(path: path).weeklyReportSendings(centre: Self.haa).first)
        #expect(haa.state == .pending && haa.attempts == 1 && haa.nextAttemptMillis == Self.at(27, 17) + 30_000)
        #expect(haa.lastError?.hasPrefix("no recipients: no manager of haa-dcrc has an e-mail address") == true)
        // The hub restarts (a new database connection and sender); Haa's manager now has an address.
        try HubDatabase(path: path).setEmail("karma@haa.example.bt", of: "karma", by: "test", nowMillis: 0)
        let restarted = try sender(box)
        try await restarted.sendDue(nowMillis: Self.at(27, 17) + 60_000)
        let sent = await box.sent
        #expect(sent.count == 2 && sent.last?.to == ["karma@haa.example.bt"], "\(sent.map(\.subject))")
        #expect(sent.filter { $0.to == ["dorji@paro.example.bt"] }.count == 1, "Paro's week is not sent again")
    }

    @Test func aRefusedMessageIsRetriedOnTheBackoffAndGivenUpAfterTheLastAttempt() async throws {
        let box = RecordingMailBox(failures: 1)
        let sender = try sender(box)
        let five = Self.at(27, 17)
        let first = try await sender.sendDue(nowMillis: five)
        let paro = try #require(first.first { $0.centre == Self.paro })
        #expect(paro.state == .pending && paro.attempts == 1 && paro.nextAttemptMillis == five + 30_000)
        #expect(paro.lastError == "SMTP DATA failed: the server replied 451 try again later")
        #expect(try await sender.sendDue(nowMillis: five + 10_000).isEmpty, "not due again before 30 s")
        let second = try await sender.sendDue(nowMillis: five + 30_000)
        #expect(second.first { $0.centre == Self.paro }.map { $0.state == .delivered && $0.attempts == 2 } == true)
        let (delivered, refused) = (await box.sent.count, await box.refused)
        #expect(delivered == 1 && refused == 1)

        // With two attempts allowed, a server that keeps refusing is given up after the second.
        let stubborn = RecordingMailBox(failures: 100)
        let fresh = try WeeklyReportSenderTests()
        let giving = try fresh.sender(stubborn, backoff: DeliveryBackoff(maximumAttempts: 2))
        _ = try await giving.sendDue(nowMillis: five)
        let last = try await giving.sendDue(nowMillis: five + 30_000)
        #expect(last.first { $0.centre == Self.paro }.map { $0.state == .failed && $0.attempts == 2 } == true)
        #expect(try await giving.sendDue(nowMillis: five + 3_600_000).isEmpty)
        let (stubbornSent, stubbornRefused) = (await stubborn.sent.count, await stubborn.refused)
        #expect(stubbornSent == 0 && stubbornRefused == 2)
    }

    @Test func withoutSMTPThereIsNoSender() async throws {
        #expect(
            WeeklyReportSender(
                database: try HubDatabase(path: path), configuration: DeliveryConfiguration(),
                settings: ReportSettings(), logger: Logger(label: "test-weekly")) == nil)
    }
}
