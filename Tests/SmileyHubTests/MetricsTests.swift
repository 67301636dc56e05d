import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SmileyCore
import SmileyHub
import Synchronization
import Testing

/// `/metrics`: who may read it, and that its figures are what the requests before it did.
@Suite struct MetricsTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let device = DeviceID(rawValue: "paro-exit-1")!
    static let token = "metrics-token-0123456789"
    /// 2026-11-02 10:45 in Bhutan (a Monday).
    static let start: Int64 = 1_793_594_700_000

    /// A clock the test moves.
    final class MovingClock: Sendable {
        let millis = Mutex<Int64>(MetricsTests.start)
        var hubClock: HubClock { HubClock { self.millis.withLock { $0 } } }
        func advance(seconds: Int64) { millis.withLock { $0 += seconds * 1000 } }
    }

    /// The value of one series (`name{labels}` exactly as emitted); nil when absent.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static func makeDatabase() throws -> (HubDatabase, String) {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(device, centre: centre, nowMillis: 0).value
        return (database, token)
    }

    static func batch(_ presses: [Press]) throws -> ByteBuffer {
        var batch = IngestBatch(device: device, centre: centre, presses: presses)
        batch.clock = ClockSample(boot: "boot-a", monotonicNanos: 1, wallClockMillis: 0, synchronised: false)
        return ByteBuffer(bytes: try JSONEncoder().encode(batch))
    }

    static func press(_ sequence: Int64, _ answer: Answer = .happy) -> Press {
        Press(
            device: device, boot: "boot-a", sequence: sequence, answer: answer,
            monotonicNanos: sequence * 60_000_000_000, wallClockMillis: start - 3_600_000 + sequence * 60_000,
            clockSynchronised: true, suppressed: false)
    }

    @Test func theFiguresAreWhatTheRequestsDid() async throws {
        let (database, deviceToken) = try Self.makeDatabase()
        let clock = MovingClock()
        let router = try buildRouter(
            database: database, clock: clock.hubClock, access: .testing, metricsAccess: .bearerToken(Self.token))
        let app = Application(router: router)
        try await app.test(.router) { client in
            func ingest(_ body: ByteBuffer, token: String? = deviceToken) async throws -> HTTPResponse.Status {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: body) {
                    $0.status
                }
            }
            func scrape() async throws -> String {
                try await client.execute(
                    uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.token)"]
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                    return String(buffer: response.body)
                }
            }
            let before = try await scrape()
            #expect(Self.value(before, #"smiley_hub_ingest_requests_total{outcome="stored"}"#) == 0)
            #expect(Self.value(before, "smiley_hub_devices") == 1)
            // Registered but never heard from.
            #expect(Self.value(before, "smiley_hub_devices_seen_last_hour") == 0)

            #expect(try await ingest(try Self.batch([Self.press(1), Self.press(2), Self.press(3)])) == .ok)
            #expect(try await ingest(try Self.batch([Self.press(3), Self.press(4)])) == .ok)
            // Sequence 2 again with other content: a conflict, nothing stored.
            #expect(try await ingest(try Self.batch([Self.press(2, .unhappy)])) == .conflict)
            #expect(try await ingest(ByteBuffer(string: "{not json")) == .badRequest)
            #expect(try await ingest(try Self.batch([Self.press(5)]), token: nil) == .unauthorized)

            let heartbeat = Heartbeat(
                device: Self.device, centre: Self.centre, firmwareVersion: "0.1.0", uptimeSeconds: 60, backlog: 7,
                oldestUnsentMillis: nil, lastPressMillis: nil,
                clock: ClockSample(
                    boot: "boot-a", monotonicNanos: 2, wallClockMillis: Self.start, synchronised: true),
                stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
            let status = try await client.execute(
                uri: "/api/v1/heartbeat", method: .post,
                headers: [.contentType: "application/json", .authorization: "Bearer \(deviceToken)"],
                body: ByteBuffer(bytes: try JSONEncoder().encode(heartbeat))
            ) { $0.status }
            #expect(status == .ok)
            clock.advance(seconds: 90)

            let text = try await scrape()
            #expect(Self.value(text, #"smiley_hub_ingest_requests_total{outcome="stored"}"#) == 2)
            #expect(Self.value(text, #"smiley_hub_ingest_requests_total{outcome="refused"}"#) == 3)
            #expect(Self.value(text, #"smiley_hub_ingest_presses_total{outcome="accepted"}"#) == 4)
            #expect(Self.value(text, #"smiley_hub_ingest_presses_total{outcome="duplicate"}"#) == 1)
            #expect(Self.value(text, #"smiley_hub_ingest_refused_total{status="409"}"#) == 1)
            #expect(Self.value(text, #"smiley_hub_ingest_refused_total{status="400"}"#) == 1)
            #expect(Self.value(text, #"smiley_hub_ingest_refused_total{status="401"}"#) == 1)
            #expect(Self.value(text, "smiley_hub_ingest_conflicts_total") == 1)
            #expect(Self.value(text, "smiley_hub_ingest_duration_seconds_count") == 5)
            #expect(Self.value(text, #"smiley_hub_ingest_duration_seconds_bucket{le="+Inf"}"#) == 5)
            #expect(Self.value(text, "smiley_hub_devices_seen_last_hour") == 1)
            let labels = #"{centre="paro-dcrc",device="paro-exit-1"}"#
            #expect(Self.value(text, "smiley_hub_device_heartbeat_age_seconds" + labels) == 90)
            #expect(Self.value(text, "smiley_hub_device_backlog_presses" + labels) == 7)
            #expect(Self.value(text, "smiley_hub_device_offline" + labels) == 0)
            #expect(Self.value(text, #"smiley_hub_alerts_open{kind="dip"}"#) == 0)
            #expect((Self.value(text, #"smiley_hub_database_bytes{file="main"}"#) ?? 0) > 0)
            // Without opening hours a centre is open every hour.
            #expect(Self.value(text, #"smiley_hub_centre_open{centre="paro-dcrc"}"#) == 1)
            #expect(try database.pressCount() == 4)

            // An hour and a half later the device is no longer "seen in the last hour".
            clock.advance(seconds: 5400)
            #expect(Self.value(try await scrape(), "smiley_hub_devices_seen_last_hour") == 0)
        }
    }

    @Test func withoutTheTokenMetricsAreRefusedAndTellHow() async throws {
        let (database, deviceToken) = try Self.makeDatabase()
        let app = Application(
            router: try buildRouter(database: database, access: .testing, metricsAccess: .bearerToken(Self.token)))
        try await app.test(.router) { client in
            for header in [nil, "Bearer wrong-token-0123456789", "Bearer \(deviceToken)", "Basic \(Self.token)"] {
                var headers: HTTPFields = [:]
                if let header { headers[.authorization] = header }
                try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(header ?? "no header")")
                    #expect(String(buffer: response.body).contains("Authorization: Bearer <metrics token>"))
                    #expect(!String(buffer: response.body).contains("smiley_hub"))
                }
            }
        }
    }

    @Test func byDefaultOnlyTheHubsOwnMachineMayScrape() async throws {
        let (database, _) = try Self.makeDatabase()
        // No socket here: no peer address, so not loopback.
        let app = Application(router: try buildRouter(database: database, access: .testing))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("--metrics-token-file"))
            }
        }
    }

    @Test func overLoopbackTheConnectionsAreCountedAndAProxiedRequestIsRefused() async throws {
        let (database, _) = try Self.makeDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let app = try buildApplication(
            configuration: HubConfiguration(port: 0, stateDirectory: directory), database: database,
            logger: Logger(label: "metrics-test"))
        try await app.test(.live) { client in
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            #expect((Self.value(text, "smiley_hub_http_connections_open") ?? 0) >= 1)
            #expect((Self.value(text, "smiley_hub_http_connections_total") ?? 0) >= 1)
            for header in ["X-Forwarded-For", "Forwarded"] {
                var headers: HTTPFields = [:]
                headers[.init(header)!] = "203.0.113.9"
                try await client.execute(uri: "/metrics", method: .get, headers: headers) {
                    #expect($0.status == .forbidden, "\(header)")
                }
            }
        }
    }

    @Test func accessDecisions() {
        let loopback = MetricsAccess.loopbackOnly
        for address in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            #expect(
                loopback.decide(remoteAddress: address, authorization: nil, forwarded: false) == .allow, "\(address)")
        }
        for address in ["10.0.0.1", "::ffff:10.0.0.1", "128.0.0.1", "127.0.0", "fe80::1", ""] {
            #expect(
                loopback.decide(remoteAddress: address, authorization: nil, forwarded: false) != .allow, "\(address)")
        }
        #expect(loopback.decide(remoteAddress: nil, authorization: nil, forwarded: false) != .allow)
        #expect(loopback.decide(remoteAddress: "127.0.0.1", authorization: nil, forwarded: true) != .allow)
        let token = MetricsAccess.bearerToken(Self.token)
        #expect(
            token.decide(remoteAddress: "203.0.113.9", authorization: "Bearer \(Self.token)", forwarded: true) == .allow
        )
        #expect(token.decide(remoteAddress: "127.0.0.1", authorization: nil, forwarded: false) != .allow)
        #expect(
            token.decide(remoteAddress: "127.0.0.1", authorization: "Bearer \(Self.token)x", forwarded: false) != .allow
        )
    }

    @Test func aTokenFileIsCheckedAndItsProblemsNamed() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-token-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: HubError.self) { try MetricsAccess.tokenFile(path) }
        do {
            _ = try MetricsAccess.tokenFile(path)
        } catch {
            #expect(error.description.contains(path))
        }
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try MetricsAccess.tokenFile(path)
            Issue.record("a 5-character token was accepted")
        } catch {
            #expect(error.description.contains("5 characters"))
        }
        try Data("\(Self.token)\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try MetricsAccess.tokenFile(path) == .bearerToken(Self.token))
    }
}
