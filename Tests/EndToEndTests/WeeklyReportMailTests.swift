import Foundation
import Logging
import SmileyCore
import SmileyHub
import Testing

/// The weekly report mailed through a real SMTP server on loopback (aiosmtpd with STARTTLS and AUTH
/// required), at the test's time: what arrived, and that a later pass and a restarted hub send nothing more.
@Suite(.serialized) struct WeeklyReportMailTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let device = DeviceID(rawValue: "paro-exit-1")!

    /// A local time in Thimphu (UTC+6), as milliseconds since 1970.
    static func thimphu(_ day: Int, _ hour: Int) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Thimphu")!
        let date = calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour))!
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    @Test(.enabled(if: DeliveryPeers.python != nil, DeliveryPeers.absentReason))
    func theDueReportArrivesOnceAsHTMLAndTextToTheCentresManagers() async throws {
        let peers = try DeliveryPeers.start()
        defer { peers.stop() }
        let path = peers.directory + "/hub.sqlite"
        let database = try HubDatabase(path: path)
        try database.addCentre(Centre(id: Self.centre, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: Self.centre)
        _ = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0)
        for (name, role) in [("dorji", Role.manager), ("sonam", .manager), ("pema", .viewer)] {
            try database.addPerson(
                name, role: role, grants: [.centre(Self.centre)], passwordHash: nil, by: "test", nowMillis: 0)
            try database.setEmail("\(name)@paro.example.bt", of: name, by: "test", nowMillis: 0)
        }
        // Five happy presses on Monday 23 November at 10:00.
        let presses = (1...5).map { sequence in
            Press(
                device: Self.device, boot: "b", sequence: Int64(sequence), answer: .veryHappy,
                monotonicNanos: Int64(sequence) * 1_000_000_000,
                wallClockMillis: Self.thimphu(23, 10) + Int64(sequence) * 1000, clockSynchronised: true,
                suppressed: false)
        }
        _ = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: presses),
            receivedMillis: Self.thimphu(23, 10))
        let configuration = DeliveryConfiguration(
            smtp: SMTPConfiguration(
                host: "localhost", port: peers.smtpPort, from: "smiley-hub@example.bt", security: .starttls,
                user: DeliveryPeers.user, password: DeliveryPeers.password, caFile: peers.caFile,
                stepTimeout: .seconds(20)),
            extraRecipients: ["duty@example.bt"])
        let sender = try #require(
            WeeklyReportSender(
                database: database, configuration: configuration, settings: ReportSettings(),
                logger: Logger(label: "test-weekly")))

        // Friday 27 November 17:00, the week's last opening hour over: the week of the 23rd goes out.
        let tried = try await sender.sendDue(nowMillis: Self.thimphu(27, 17))
        #expect(tried.map(\.state) == [.delivered] && tried.first?.weekFrom.description == "2026-11-23")
        #expect(try await sender.sendDue(nowMillis: Self.thimphu(28, 9)).isEmpty)
        // A restarted hub (a new connection and sender on the same file) sends nothing more.
        let restarted = try #require(
            WeeklyReportSender(
                database: try HubDatabase(path: path), configuration: configuration, settings: ReportSettings(),
                logger: Logger(label: "test-weekly")))
        #expect(try await restarted.sendDue(nowMillis: Self.thimphu(28, 10)).isEmpty)

        let mails = peers.mails
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail["tls"] as? Bool == true && mail["authenticated"] as? Bool == true)
        #expect(mail["from"] as? String == "smiley-hub@example.bt")
        // The managers only: not the viewer, and not the alert-only --alert-mail-to address.
        #expect(mail["to"] as? [String] == ["dorji@paro.example.bt", "sonam@paro.example.bt"])
        #expect(mail["subject"] as? String == "Smiley weekly report: Paro <DCRC>, 2026-11-23 to 2026-11-29")
        #expect(mail["content_type"] as? String == "multipart/alternative")
        let html = try #require(mail["html"] as? String)
        #expect(html.contains("Weekly report: Paro &lt;DCRC&gt;"))
        #expect(html.contains("Week 2026-11-23 to 2026-11-29"))
        let text = try #require(mail["text"] as? String).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(text.contains("Satisfaction: 5 presses. Index 100"), "\(text)")
    }
}
