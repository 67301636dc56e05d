import Foundation
import Logging
import SmileyCore
import SmileyHub
import Testing

/// Alert notifications delivered to real peers on loopback: aiosmtpd (STARTTLS and AUTH required, a
/// self-signed certificate trusted through the CA file option) and an HTTP receiver that fails the first
/// attempt. Time is the test's: retries happen when the test says it is later.
@Suite(.serialized) struct AlertDeliveryTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let device = DeviceID(rawValue: "paro-exit-1")!
    /// Wednesday 25 November 2026, 10:00 in Thimphu (UTC+6).
    static let ten: Int64 = 1_795_579_200_000

    /// A hub database with one centre, a manager with an e-mail address, and a dip opened at 10:00 and queued
    /// on both channels.
    static func hubWithADip(_ directory: String) async throws -> (HubDatabase, StoredAlert) {
        let database = try HubDatabase(path: directory + "/hub.sqlite")
        try database.addCentre(Centre(id: centre, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(device, centre: centre, nowMillis: 0)
        try database.addPerson(
            "dorji", role: .manager, grants: [.centre(centre)], passwordHash: nil, by: "test", nowMillis: 0)
        try database.setEmail("dorji@paro.example.bt", of: "dorji", by: "test", nowMillis: 0)
        try database.addPerson(
            "pema", role: .viewer, grants: [.centre(centre)], passwordHash: nil, by: "test", nowMillis: 0)
        try database.setEmail("pema@paro.example.bt", of: "pema", by: "test", nowMillis: 0)
        var presses: [Press] = []
        for index in 0..<4 {
            let sequence = Int64(index + 1)
            let answer: Answer = index < 3 ? .veryUnhappy : .happy
            let millis: Int64 = ten - 300_000 + sequence * 1000
            presses.append(
                Press(
                    device: device, boot: "b", sequence: sequence, answer: answer,
                    monotonicNanos: sequence * 1_000_000_000, wallClockMillis: millis, clockSynchronised: true,
                    suppressed: false))
        }
        _ = try database.ingest(IngestBatch(device: device, centre: centre, presses: presses), receivedMillis: ten)
        // The device reports in: the dip is the only alert.
        try database.recordHeartbeat(
            Heartbeat(
                device: device, centre: centre, firmwareVersion: "t", uptimeSeconds: 1, backlog: 0,
                oldestUnsentMillis: nil, lastPressMillis: nil,
                clock: ClockSample(boot: "b", monotonicNanos: 9_000_000_000, wallClockMillis: ten, synchronised: true),
                stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil),
            receivedMillis: ten)
        try await AlertEvaluator(database: database, channels: ["webhook", "email"]).evaluate(nowMillis: ten)
        let open = try database.openAlerts()
        #expect(open.map(\.kind) == [.dip])
        let alert = try #require(open.first)
        return (database, alert)
    }

    static func configuration(_ peers: DeliveryPeers, password: String = DeliveryPeers.password, caFile: String?)
        -> DeliveryConfiguration
    {
        DeliveryConfiguration(
            webhook: WebhookConfiguration(url: peers.webhookURL, secret: Array(DeliveryPeers.secret.utf8)),
            smtp: SMTPConfiguration(
                host: "localhost", port: peers.smtpPort, from: "smiley-hub@example.bt", security: .starttls,
                user: DeliveryPeers.user, password: password, caFile: caFile, stepTimeout: .seconds(20)),
            extraRecipients: ["duty@example.bt"], hubURL: "https://hub.example.bt")
    }

    @Test(.enabled(if: DeliveryPeers.python != nil, DeliveryPeers.absentReason))
    func theWebhookIsRetriedAfterA500AndTheMailArrivesOverSTARTTLSWithAuthentication() async throws {
        let peers = try DeliveryPeers.start()
        defer { peers.stop() }
        let (database, alert) = try await Self.hubWithADip(peers.directory)
        let deliverer = AlertDeliverer(
            database: database, configuration: Self.configuration(peers, caFile: peers.caFile),
            logger: Logger(label: "test-delivery"))

        // 10:00: the mail goes out; the receiver answers 500, so the webhook waits 30 s.
        let first = try await deliverer.deliverDue(nowMillis: Self.ten)
        #expect(Set(first.map(\.channel)) == ["webhook", "email"])
        let webhook = try #require(first.first { $0.channel == "webhook" })
        #expect(webhook.state == .pending && webhook.attempts == 1 && webhook.nextAttemptMillis == Self.ten + 30_000)
        #expect(webhook.lastError?.contains("answered 500: receiver busy") == true)
        #expect(first.first { $0.channel == "email" }?.state == .delivered)
        // 10 s later nothing is due; at 30 s the webhook is tried again and accepted.
        #expect(try await deliverer.deliverDue(nowMillis: Self.ten + 10_000).isEmpty)
        let second = try await deliverer.deliverDue(nowMillis: Self.ten + 30_000)
        #expect(second.map(\.channel) == ["webhook"] && second[0].state == .delivered && second[0].attempts == 2)
        #expect(try await deliverer.deliverDue(nowMillis: Self.ten + 3_600_000).isEmpty, "nothing is sent twice")

        // What the receiver got: two identical signed bodies; its own HMAC check passed on both.
        let hooks = peers.hooks
        #expect(hooks.map { $0["status"] as? Int } == [500, 200])
        for hook in hooks {
            #expect(hook["signature_ok"] as? Bool == true)
            #expect(hook["content_type"] as? String == "application/json")
            #expect(hook["path"] as? String == "/smiley-hook")
            #expect(hook["delivery"] as? String == "\(webhook.id)")
        }
        let accepted = try #require(hooks.last)
        let body = try #require(accepted["body"] as? String)
        let timestamp = try #require(Int64(accepted["timestamp"] as? String ?? ""))
        #expect(timestamp == (Self.ten + 30_000) / 1000)
        #expect(
            WebhookSignature.verify(
                body: Array(body.utf8), timestamp: timestamp, signature: accepted["signature"] as? String ?? "",
                secret: Array(DeliveryPeers.secret.utf8), nowSeconds: timestamp))
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let sent = try #require(payload["alert"] as? [String: Any])
        #expect(
            payload["event"] as? String == "opened"
                && payload["url"] as? String == "https://hub.example.bt/centres/paro-dcrc")
        #expect(sent["id"] as? Int64 == alert.id && sent["kind"] as? String == "dip")
        #expect(sent["centre"] as? String == "paro-dcrc" && sent["centreName"] as? String == "Paro <DCRC>")
        #expect(sent["summary"] as? String == "3 of 4 satisfaction answers were unhappy in 15 minutes")

        // What the SMTP server got: one mail over TLS after AUTH, to the manager (not the viewer) and the extra
        // address.
        let mails = peers.mails
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail["tls"] as? Bool == true && mail["authenticated"] as? Bool == true)
        #expect(mail["from"] as? String == "smiley-hub@example.bt")
        #expect(mail["to"] as? [String] == ["dorji@paro.example.bt", "duty@example.bt"])
        #expect(mail["subject"] as? String == "Smiley alert: Many unhappy answers at Paro <DCRC> (satisfaction)")
        let text = try #require(mail["text"] as? String)
        #expect(text.contains("3 of 4 satisfaction answers were unhappy in 15 minutes."))
        #expect(text.contains("Acknowledge it on the centre page: https://hub.example.bt/centres/paro-dcrc"))
        #expect(text.contains("Opened: 2026-11-25T04:00:00Z"))
    }

    @Test(.enabled(if: DeliveryPeers.python != nil, DeliveryPeers.absentReason))
    func aMessageArrivesByteForByteWithDotLinesAndHTML() async throws {
        let peers = try DeliveryPeers.start()
        defer { peers.stop() }
        let client = SMTPClient(configuration: Self.configuration(peers, caFile: peers.caFile).smtp!)
        let text = "First line\n.a line starting with a dot\n.\n..two dots\nnaïve café ✓\nlast"
        try await client.send(
            MailMessage(
                from: "smiley-hub@example.bt", to: ["a@example.bt", "b@example.bt"], subject: "Weekly: ཁྲིམས་ report",
                text: text, html: "<p>Hello <b>Paro</b></p>"))
        let mail = try #require(peers.mails.first)
        #expect(mail["content_type"] as? String == "multipart/alternative")
        #expect(mail["to"] as? [String] == ["a@example.bt", "b@example.bt"])
        #expect(mail["subject"] as? String == "Weekly: ཁྲིམས་ report")
        let received = (mail["text"] as? String)?.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(received?.trimmingCharacters(in: .newlines) == text)
        #expect((mail["html"] as? String)?.contains("<p>Hello <b>Paro</b></p>") == true)
    }

    @Test(.enabled(if: DeliveryPeers.python != nil, DeliveryPeers.absentReason))
    func failuresNameTheStepAndTheServersReplyAndTheDeliveryIsRetriedLater() async throws {
        let peers = try DeliveryPeers.start()
        defer { peers.stop() }
        let message = MailMessage(from: "smiley-hub@example.bt", to: ["a@example.bt"], subject: "s", text: "t")
        // A wrong password: the AUTH step and the server's 535.
        let wrong = SMTPClient(configuration: Self.configuration(peers, password: "wrong", caFile: peers.caFile).smtp!)
        do {
            try await wrong.send(message)
            Issue.record("a wrong password was accepted")
        } catch let error as SMTPError {
            #expect(error.step == "AUTH PLAIN" && error.problem.contains("535"), "\(error)")
        }
        // The system's roots do not trust the test's certificate: the TLS step fails, nothing is sent.
        let untrusted = SMTPClient(configuration: Self.configuration(peers, caFile: nil).smtp!)
        do {
            try await untrusted.send(message)
            Issue.record("an untrusted certificate was accepted")
        } catch let error as SMTPError {
            #expect(error.step == "EHLO after STARTTLS", "\(error)")
        }
        // Nothing listening: the connect step names the address.
        var closed = Self.configuration(peers, caFile: peers.caFile).smtp!
        closed.port = peers.httpPort + 1 == peers.smtpPort ? peers.httpPort + 2 : peers.httpPort + 1
        do {
            try await SMTPClient(configuration: closed).send(message)
            Issue.record("a closed port accepted mail")
        } catch let error as SMTPError {
            #expect(error.step == "connect" && error.problem.contains("localhost:\(closed.port)"), "\(error)")
        }
        // A server that never answers: the step's timeout ends the wait and names the step.
        var mute = Self.configuration(peers, caFile: peers.caFile).smtp!
        mute.port = peers.silentPort
        mute.stepTimeout = .milliseconds(300)
        do {
            try await SMTPClient(configuration: mute).send(message)
            Issue.record("a silent server accepted mail")
        } catch let error as SMTPError {
            #expect(error.description == "SMTP greeting failed: no reply within 0.3 seconds", "\(error)")
        }
        #expect(peers.mails.isEmpty)

        // Through the outbox: the failure is kept with its attempt count and next attempt.
        let (database, _) = try await Self.hubWithADip(peers.directory)
        let deliverer = AlertDeliverer(
            database: database, configuration: Self.configuration(peers, password: "wrong", caFile: peers.caFile),
            logger: Logger(label: "test-delivery"))
        let attempt = try await deliverer.deliverDue(nowMillis: Self.ten)
        let mail = try #require(attempt.first { $0.channel == "email" })
        #expect(mail.state == .pending && mail.attempts == 1 && mail.nextAttemptMillis == Self.ten + 30_000)
        #expect(mail.lastError?.hasPrefix("SMTP AUTH PLAIN failed: the server replied 535") == true, "\(mail)")
    }
}
