import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import SmileyHub
import Testing

@Suite struct HeartbeatTests {
    static let centre = TimePlacementTests.centre
    static let device = TimePlacementTests.device

    static func heartbeat(boot: String = "b1", monotonicSeconds: Int64 = 3600, stuck: [String] = []) -> Heartbeat {
        Heartbeat(
            device: device, centre: centre, firmwareVersion: "0.1.0", uptimeSeconds: 3600, backlog: 3,
            oldestUnsentMillis: nil, lastPressMillis: nil,
            clock: ClockSample(
                boot: boot, monotonicNanos: monotonicSeconds * 1_000_000_000, wallClockMillis: 0, synchronised: false),
            stuckLines: stuck, lostGPIOEvents: 2, freeDiskBytes: 1 << 30, storageWarning: nil)
    }

    @Test func aHeartbeatIsKeptAndItsClockReadingPlacesWaitingPresses() throws {
        let database = try TimePlacementTests().makeDatabase()
        _ = try database.ingest(
            IngestBatch(
                device: Self.device, centre: Self.centre,
                presses: [TimePlacementTests.press(1, boot: "b1", secondsAfterBoot: 1800)]),
            receivedMillis: TimePlacementTests.mondayTen)
        try database.recordHeartbeat(Self.heartbeat(stuck: ["GPIO5"]), receivedMillis: TimePlacementTests.mondayTen)
        #expect(try database.placement(device: Self.device, sequence: 1)?.status == "corrected")
        let kept = try #require(try database.lastHeartbeat(Self.device))
        #expect(kept.heartbeat.stuckLines == ["GPIO5"])
        #expect(kept.heartbeat.lostGPIOEvents == 2)
    }

    @Test func theHeartbeatRouteAnswersWithWhatTheHubHolds() async throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: "Haa", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0).value
        let headers: HTTPFields = [.authorization: "Bearer \(token)"]
        let app = Application(router: try buildRouter(database: database, access: .testing))
        try await app.test(.router) { client in
            let body = ByteBuffer(bytes: try JSONEncoder().encode(Self.heartbeat()))
            try await client.execute(uri: "/api/v1/heartbeat", method: .post, headers: headers, body: body) {
                response in
                #expect(response.status == .ok)
                let status = try JSONDecoder().decode(DeviceStatus.self, from: Data(String(buffer: response.body).utf8))
                #expect(status.device == Self.device && status.highestSequence == 0)
            }
            try await client.execute(
                uri: "/api/v1/heartbeat", method: .post, headers: headers, body: ByteBuffer(string: "{}")
            ) {
                response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("missing field 'device'"))
            }
            try await client.execute(uri: "/api/v1/devices/nobody", method: .get, headers: headers) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("not 'nobody'"))
            }
            try await client.execute(uri: "/api/v1/devices/haa-exit-1", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
