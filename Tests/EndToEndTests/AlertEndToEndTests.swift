import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SmileyCore
import SmileyDevice
import SmileyHub
import Synchronization
import Testing

/// A burst of unhappy presses from the device pipeline, through the real ingest over HTTP on loopback into a
/// running hub; one evaluation later (the test moves the hub's clock and wakes the evaluation) the alert is open
/// on the centre page and delivered by webhook and by e-mail to the real peers.
@Suite struct AlertEndToEndTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let device = DeviceID(rawValue: "paro-exit-1")!
    /// Wednesday 25 November 2026, 09:50 in Thimphu (UTC+6).
    static let tenToTen: Int64 = 1_795_579_200_000 - 10 * 60_000

    final class HubTime: Sendable {
        let millis: Mutex<Int64>
        init(_ millis: Int64) { self.millis = Mutex(millis) }
        var clock: HubClock { HubClock { self.millis.withLock { $0 } } }
        func set(_ value: Int64) { millis.withLock { $0 = value } }
    }

    @Test(.enabled(if: DeliveryPeers.python != nil, DeliveryPeers.absentReason))
    func aBurstOfUnhappyPressesIsOnThePageAndDeliveredByBothChannelsOneEvaluationLater() async throws {
        let peers = try DeliveryPeers.start(failFirstWebhook: false)
        defer { peers.stop() }
        let directory = try temporaryDirectory()
        let database = try HubDatabase(path: directory + "/hub/hub.sqlite")
        try database.addCentre(Centre(id: Self.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0).value
        try database.addPerson(
            "dorji", role: .manager, grants: [.centre(Self.centre)], passwordHash: nil, by: "test", nowMillis: 0)
        try database.setEmail("dorji@paro.example.bt", of: "dorji", by: "test", nowMillis: 0)
        try database.addPerson("reader", role: .administrator, grants: [], passwordHash: nil, by: "test", nowMillis: 0)
        let readToken = try database.createAPIToken(
            for: "reader", name: "end-to-end", expiresMillis: nil, by: "test", nowMillis: 0
        ).token

        let time = HubTime(Self.tenToTen)
        let evaluate = WakeSignal()
        let delivery = DeliveryConfiguration(
            webhook: WebhookConfiguration(url: peers.webhookURL, secret: Array(DeliveryPeers.secret.utf8)),
            smtp: SMTPConfiguration(
                host: "localhost", port: peers.smtpPort, from: "smiley-hub@example.bt", user: DeliveryPeers.user,
                password: DeliveryPeers.password, caFile: peers.caFile))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(
            configuration: HubConfiguration(
                host: "127.0.0.1", port: 0, stateDirectory: directory + "/hub", delivery: delivery),
            database: database, logger: Logger(label: "test-hub"), clock: time.clock, alertWake: evaluate
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test-hub"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await Self.burstAndCheck(
                    hub: "http://127.0.0.1:\(port)", directory: directory, database: database, token: token,
                    readToken: readToken, time: time, evaluate: evaluate, peers: peers)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func burstAndCheck(
        hub: String, directory: String, database: HubDatabase, token: String, readToken: String, time: HubTime,
        evaluate: WakeSignal, peers: DeliveryPeers
    ) async throws {
        do {

            // The device: five "very unhappy" presses from 09:50 through the debouncer, its store and uploader.
            let configuration = DeviceConfiguration(
                device: Self.device, centre: Self.centre, hub: hub, stateDirectory: directory + "/device",
                simulation: SimulationSettings())
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let clock = SimulatedClock(bootWallClockMillis: Self.tenToTen - 3_600_000)
            let button = try #require(configuration.buttons.firstIndex { $0.answer == .veryUnhappy })
            let steps = (0..<5).map { index in
                PressScript.Step(
                    button: button, atNanos: clock.monotonicNanos(atWallClock: Self.tenToTen + Int64(index) * 30_000),
                    bounces: 3)
            }
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let recorder = device.recorder(clock: clock, boot: "alert-boot")
            try await source.run { output in try recorder.handle(output) }
            let uploader = Uploader(
                store: device.store, device: Self.device, centre: Self.centre, hub: URL(string: hub)!,
                settings: configuration.upload, client: HTTPClient.shared, clock: clock, token: token,
                signal: UploadSignal(), logger: Logger(label: "test-uploader"))
            #expect(try await uploader.drain() == 5)
            // Its heartbeat over HTTP too: the device is alive, so the dip is the only alert.
            var beat = HTTPClientRequest(url: "\(hub)/api/v1/heartbeat")
            beat.method = .POST
            beat.headers.add(name: "Content-Type", value: "application/json")
            beat.headers.add(name: "Authorization", value: "Bearer \(token)")
            beat.body = .bytes(
                ByteBuffer(
                    data: try JSONEncoder().encode(
                        Heartbeat(
                            device: Self.device, centre: Self.centre, firmwareVersion: "test", uptimeSeconds: 3600,
                            backlog: 0, oldestUnsentMillis: nil, lastPressMillis: Self.tenToTen + 120_000,
                            clock: ClockSample(
                                boot: "alert-boot", monotonicNanos: clock.monotonicNanos(),
                                wallClockMillis: clock.wallClockMillis(), synchronised: true),
                            stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil))))
            #expect(try await HTTPClient.shared.execute(beat, timeout: .seconds(10)).status == .ok)

            // 09:55, one evaluation: the dip is open, on the page and delivered by both channels.
            time.set(Self.tenToTen + 5 * 60_000)
            evaluate.wake()
            // Wait (bounded, for a busy machine) until the dip's own entry on the page says both are delivered.
            var dip = ""
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                dip = Self.entry(of: "dip", in: try await Self.centrePage(hub, readToken))
                if dip.contains(#"data-channel="webhook" data-delivery-state="delivered""#)
                    && dip.contains(#"data-channel="email" data-delivery-state="delivered""#)
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(dip.contains(#"data-subject="satisfaction""#))
            #expect(dip.contains("5 of 5 satisfaction answers were unhappy in 15 minutes"))
            #expect(dip.contains(#"data-channel="webhook" data-delivery-state="delivered""#), "\(dip)")
            #expect(dip.contains(#"data-channel="email" data-delivery-state="delivered""#))
            let open = try database.openAlerts()
            #expect(open.map(\.kind) == [.dip])
            let alert = try #require(open.first { $0.kind == .dip })
            #expect(alert.state.openedMillis == Self.tenToTen + 5 * 60_000)

            // The hub's first evaluation, at start, found the device offline (it had not reported in yet) and
            // notified that too; the dip's notifications are the ones with its id.
            let hooks = peers.hooks.filter { ($0["body"] as? String)?.contains(#""id":\#(alert.id),"#) == true }
            #expect(hooks.count == 1 && hooks.first?["signature_ok"] as? Bool == true)
            #expect((hooks.first?["body"] as? String)?.contains(#""kind":"dip""#) == true)
            let mails = peers.mails.filter { ($0["subject"] as? String)?.contains("Many unhappy answers") == true }
            #expect(mails.count == 1 && mails.first?["to"] as? [String] == ["dorji@paro.example.bt"])
            #expect(
                mails.first?["subject"] as? String == "Smiley alert: Many unhappy answers at Paro DCRC (satisfaction)")
            #expect(mails.first?["tls"] as? Bool == true && mails.first?["authenticated"] as? Bool == true)
        }
    }

    /// The page's list entry of the open alert of a kind ("" when there is none).
    static func entry(of kind: String, in page: String) -> String {
        guard let start = page.range(of: #"data-alert="\#(kind)""#) else { return "" }
        let rest = page[start.lowerBound...]
        return String(rest[..<(rest.range(of: "</li>")?.lowerBound ?? rest.endIndex)])
    }

    static func centrePage(_ hub: String, _ token: String) async throws -> String {
        var request = HTTPClientRequest(url: "\(hub)/centres/paro-dcrc")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 4 << 20))
    }
}
