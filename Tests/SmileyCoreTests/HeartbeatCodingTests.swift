import Foundation
import SmileyCore
import Testing

@Suite struct HeartbeatCodingTests {
    static let heartbeat = Heartbeat(
        device: DeviceID(rawValue: "d1")!, centre: CentreID(rawValue: "c1")!, firmwareVersion: "0.1.0",
        uptimeSeconds: 60, backlog: 0, oldestUnsentMillis: nil, lastPressMillis: nil,
        clock: ClockSample(boot: "b", monotonicNanos: 1, wallClockMillis: 2, synchronised: true), stuckLines: [],
        lostGPIOEvents: 0, freeDiskBytes: 1, storageWarning: nil)

    @Test func aHeartbeatWithoutSetAsidePressesIsTheSameOnTheWireAsBefore() throws {
        let data = try JSONEncoder().encode(Self.heartbeat)
        #expect(!String(decoding: data, as: UTF8.self).contains("setAside"))
        // What a device from before the field sends still decodes.
        var old = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        old["setAside"] = nil
        let decoded = try JSONDecoder().decode(Heartbeat.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded == Self.heartbeat)
    }

    @Test func setAsidePressesSurviveTheWire() throws {
        var heartbeat = Self.heartbeat
        heartbeat.setAside = SetAsideReport(
            count: 1,
            latest: [SetAsidePress(sequence: 4, status: 422, message: "presses[3]: too far ahead", atMillis: 9)])
        let data = try JSONEncoder().encode(heartbeat)
        #expect(try JSONDecoder().decode(Heartbeat.self, from: data) == heartbeat)
    }

    @Test func aSetAsideMessageWithControlCharactersIsRefusedByTheHubsCheck() throws {
        var heartbeat = Self.heartbeat
        heartbeat.setAside = SetAsideReport(
            count: 1, latest: [SetAsidePress(sequence: 4, status: 422, message: "fine", atMillis: 9)])
        #expect(throws: Never.self) { try heartbeat.validate() }
        // A hostile device writes the JSON itself: an escape sequence in the message.
        let text = String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self)
            .replacingOccurrences(of: "fine", with: "\\u001b[2J")
        let hostile = try JSONDecoder().decode(Heartbeat.self, from: Data(text.utf8))
        #expect(throws: WireValueError.self) { try hostile.validate() }
    }

    @Test func aReportListingTooMuchIsRefused() throws {
        let entry = #"{"sequence": 1, "status": 422, "message": "m", "atMillis": 0}"#
        let tooMany = #"{"count": 11, "latest": ["# + Array(repeating: entry, count: 11).joined(separator: ",") + "]}"
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SetAsideReport.self, from: Data(tooMany.utf8)) }
        let long =
            #"{"count": 1, "latest": [{"sequence": 1, "status": 422, "message": ""#
            + String(repeating: "x", count: 301) + #"", "atMillis": 0}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SetAsideReport.self, from: Data(long.utf8)) }
        let fine = #"{"count": 11, "latest": ["# + Array(repeating: entry, count: 10).joined(separator: ",") + "]}"
        #expect(try JSONDecoder().decode(SetAsideReport.self, from: Data(fine.utf8)).latest.count == 10)
    }
}
