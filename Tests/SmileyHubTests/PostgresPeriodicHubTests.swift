import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import SmileyCore
import Synchronization
import Testing

@testable import SmileyHub

/// Two hubs on one PostgreSQL database, each a real server on loopback with its own alert evaluation and
/// delivery, on one clock the test moves. A device goes silent: one offline alert opens, evaluated by the hub
/// holding the lease only, and its webhook reaches a receiver on loopback once. The holding hub stops; the
/// other takes the leases over, resolves the alert when the device reports again, and delivers the next one.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresPeriodicHubTests {
    static let start = PressStoreTests.mondayTen
    static let device = PressStoreTests.device
    static let centre = PressStoreTests.centre

    /// A webhook receiver: every request's delivery id and event, answered 200.
    final class Receiver: Sendable {
        let hooks = Mutex<[(delivery: String, event: String)]>([])
        let port = Mutex<Int?>(nil)

        var received: [(delivery: String, event: String)] { hooks.withLock { $0 } }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("hook") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 1 << 20)
                let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
                let delivery = request.headers[HTTPField.Name(WebhookSignature.deliveryHeader)!] ?? "none"
                self.hooks.withLock { $0.append((delivery, json?["event"] as? String ?? "none")) }
                return .ok
            }
            return Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in self.port.withLock { $0 = channel.localAddress?.port } },
                logger: Logger(label: "test-receiver"))
        }
    }

    /// A running service group and its task.
    struct Running {
        let group: ServiceGroup
        let task: Task<Void, any Error>

        init(_ service: some Service, logger: Logger) {
            let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
            self.group = group
            self.task = Task { try await group.run() }
        }

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
    }

    /// Waits until `condition` holds; fails the test naming `what` if it has not after a minute (a bound on a
    /// wait for something that should happen within seconds, never a measure of speed).
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("never happened: \(what)")
        throw CancellationError()
    }

    static func count(_ logs: LogCapture, _ text: String) -> Int {
        logs.all.filter { $0.contains(text) }.count
    }

    static func heartbeat(at millis: Int64) -> Heartbeat {
        Heartbeat(
            device: device, centre: centre, firmwareVersion: "0.1.0", uptimeSeconds: 1200, backlog: 0,
            oldestUnsentMillis: nil, lastPressMillis: nil,
            clock: ClockSample(
                boot: "boot-a", monotonicNanos: 1_000_000_000_000, wallClockMillis: millis, synchronised: true),
            stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
    }

    static func heartbeat(port: Int, token: String, at millis: Int64) async throws {
        let heartbeat = heartbeat(at: millis)
        let status = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.post(
                "/api/v1/heartbeat", headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONEncoder().encode(heartbeat))
            ).status
        }
        #expect(status == .ok)
    }

    static func scrape(port: Int) async throws -> String {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            String(buffer: try await client.get("/metrics").body ?? ByteBuffer())
        }
    }

    @Test func oneHubAtATimeEvaluatesAndDeliversAndTheOtherTakesOverWhenItStops() async throws {
        let clock = MovableClock(Self.start)
        let receiver = Receiver()
        let receiving = Running(receiver.application(), logger: Logger(label: "test-receiver"))
        defer { receiving.task.cancel() }
        try await Self.waitUntil("the receiver listens") { receiver.port.withLock { $0 } != nil }
        let hookURL = URL(string: "http://127.0.0.1:\(receiver.port.withLock { $0 } ?? 0)/hook")!

        try await PostgresTestServer.withFreshDatabase { name in
            let token = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                try await store.addCentre(Centre(id: Self.centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
                let token = try await store.addDevice(
                    Self.device, centre: Self.centre, publicKey: nil, nowMillis: Self.start - 60_000
                ).value
                // The device reported in at 10:00 (a device that never did is offline from the first evaluation).
                try await store.recordHeartbeat(Self.heartbeat(at: Self.start), receivedMillis: Self.start)
                return token
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            var configuration = HubConfiguration(
                host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent",
                delivery: DeliveryConfiguration(
                    webhook: WebhookConfiguration(url: hookURL, secret: Array("hook secret".utf8))),
                alertInterval: .milliseconds(200))
            configuration.metricsAccess = .loopbackOnly
            let (logsA, logsB) = (LogCapture(), LogCapture())
            let (wakeA, wakeB) = (WakeSignal(), WakeSignal())
            let portA = Mutex<Int?>(nil)
            let portB = Mutex<Int?>(nil)
            let hubA = Running(
                try buildPostgresApplication(
                    configuration: configuration, location: location, password: nil, logger: logsA.logger,
                    clock: clock.clock, access: .testing, alertWake: wakeA
                ) { port in portA.withLock { $0 = port } }, logger: logsA.logger)
            // Hub A takes both leases before hub B starts.
            try await Self.waitUntil("hub A holds the leases") {
                Self.count(logsA, "lease taken: this hub runs 'alert-evaluation'") == 1
                    && Self.count(logsA, "lease taken: this hub runs 'alert-delivery'") == 1
            }
            let hubB = Running(
                try buildPostgresApplication(
                    configuration: configuration, location: location, password: nil, logger: logsB.logger,
                    clock: clock.clock, access: .testing, alertWake: wakeB
                ) { port in portB.withLock { $0 = port } }, logger: logsB.logger)
            try await Self.waitUntil("hub B ticks and finds both leases held") {
                portB.withLock { $0 } != nil
                    && Self.count(logsB, "'alert-evaluation' runs in another hub") >= 2
                    && Self.count(logsB, "'alert-delivery' runs in another hub") >= 1
            }
            let (a, b) = (try #require(portA.withLock { $0 }), try #require(portB.withLock { $0 }))
            #expect(Self.count(logsA, "alert opened") == 0, "the device reported in: nothing to open yet")
            // The device falls silent.
            clock.advance(minutes: 20)
            wakeA.wake()
            wakeB.wake()
            try await Self.waitUntil("the offline alert's webhook arrives") { receiver.received.count >= 1 }
            // Several more evaluations and delivery passes by hub A: nothing opens or goes out twice.
            let evaluationsSoFar = Self.count(logsA, "alert evaluation at")
            try await Self.waitUntil("hub A evaluates three more times") {
                Self.count(logsA, "alert evaluation at") >= evaluationsSoFar + 3
            }
            #expect(receiver.received.map(\.event) == ["opened"])
            #expect(Self.count(logsA, "alert opened at wangdue-dcrc: device-offline") == 1)
            #expect(Self.count(logsA, "alert resolved") == 0)
            #expect(Self.count(logsB, "alert evaluation at") == 0, "hub B never evaluated")
            #expect(Self.count(logsB, "delivered by") == 0, "hub B never delivered")
            let opened = try await PostgresTestServer.withClient(database: name) { client in
                try await PostgresPressStore.quiet(client).openAlerts(centre: nil, limit: 10)
            }
            #expect(opened.map(\.kind) == [.deviceOffline] && opened.map(\.subject) == [Self.device.rawValue])
            let deliveries = try await PostgresTestServer.withClient(database: name) { client in
                try await PostgresPressStore.quiet(client).deliveries(centre: nil, limit: 10)
            }
            #expect(deliveries.map(\.state) == [.delivered] && deliveries.map(\.attempts) == [1])
            #expect(receiver.received.map(\.delivery) == deliveries.map { "\($0.id)" })
            // Either hub's /metrics counts the open alert from the database.
            for port in [a, b] {
                #expect(try await Self.scrape(port: port).contains(#"smiley_hub_alerts_open{kind="device-offline"} 1"#))
            }

            // Hub A stops: hub B takes both leases at its next ticks.
            await hubA.stop()
            #expect(Self.count(logsA, "lease released") == 2)
            try await Self.waitUntil("hub B takes the leases over") {
                Self.count(logsB, "lease taken: this hub runs 'alert-evaluation'") == 1
                    && Self.count(logsB, "lease taken: this hub runs 'alert-delivery'") == 1
            }
            // The device reports again: hub B resolves the alert.
            clock.advance(minutes: 1)
            try await Self.heartbeat(port: b, token: token, at: clock.now)
            wakeB.wake()
            try await Self.waitUntil("hub B resolves the alert") {
                Self.count(logsB, "alert resolved at wangdue-dcrc: device-offline") == 1
            }
            #expect(try await Self.scrape(port: b).contains(#"smiley_hub_alerts_open{kind="device-offline"} 0"#))
            // Silent again: hub B opens a new alert and delivers its webhook, once.
            clock.advance(minutes: 20)
            wakeB.wake()
            try await Self.waitUntil("the second alert's webhook arrives") { receiver.received.count >= 2 }
            let evaluationsOfB = Self.count(logsB, "alert evaluation at")
            try await Self.waitUntil("hub B evaluates three more times") {
                Self.count(logsB, "alert evaluation at") >= evaluationsOfB + 3
            }
            #expect(receiver.received.map(\.event) == ["opened", "opened"])
            #expect(Set(receiver.received.map(\.delivery)).count == 2)
            #expect(Self.count(logsB, "alert opened at wangdue-dcrc: device-offline") == 1)
            await hubB.stop()
            #expect(Self.count(logsB, "lease released") == 2)
        }
        await receiving.stop()
    }
}
