import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import SmileyHub
import Testing

/// Inputs a device with a valid token could send, on purpose or through a broken clock: each is refused
/// by name, the hub keeps running, and after a restart a normal batch is stored.
@Suite final class HostileInputTests {
    static let centre = IngestTests.centre
    static let device = IngestTests.device
    /// 2026-11-02 10:30 in Bhutan.
    static let now: Int64 = 1_793_593_800_000

    let directory: String
    var token = ""

    init() throws {
        directory = NSTemporaryDirectory() + "smiley-hostile-\(UUID().uuidString)"
        let database = try HubDatabase(path: databasePath)
        try database.addCentre(Centre(id: Self.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        token = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0).value
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var databasePath: String { directory + "/hub.sqlite" }

    /// Sends `body` to `uri` with the device's token on a freshly opened hub (as after a restart).
    func send(_ uri: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
        let app = Application(router: try buildRouter(database: try HubDatabase(path: databasePath)))
        let headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
                response in (response.status, String(buffer: response.body))
            }
        }
    }

    static func pressJSON(
        sequence: Int64 = 1, boot: String = "b1", monotonic: String = "60000000000", wall: String = "1793593800000",
        synchronised: Bool = true, suppressed: String? = "false"
    ) -> String {
        var json = """
            {"device": "paro-exit-1", "boot": "\(boot)", "sequence": \(sequence), "question": "satisfaction",
             "answer": "happy", "monotonicNanos": \(monotonic), "wallClockMillis": \(wall),
             "clockSynchronised": \(synchronised)
            """
        if let suppressed { json += #", "suppressed": \#(suppressed)"# }
        return json + "}"
    }

    static func clockJSON(
        boot: String = "b1", monotonic: String = "120000000000", wall: String = "0", synchronised: Bool = false
    )
        -> String
    {
        #"{"boot": "\#(boot)", "monotonicNanos": \#(monotonic), "wallClockMillis": \#(wall), "synchronised": \#(synchronised)}"#
    }

    static func batchJSON(_ presses: [String], clock: String? = clockJSON()) -> String {
        var json = #"{"device": "paro-exit-1", "centre": "paro-dcrc", "presses": [\#(presses.joined(separator: ", "))]"#
        if let clock { json += #", "clock": \#(clock)"# }
        return json + "}"
    }

    static func heartbeatJSON(clock: String = clockJSON(), stuckLines: String = "[]", storageWarning: String = "null")
        -> String
    {
        """
        {"device": "paro-exit-1", "centre": "paro-dcrc", "firmwareVersion": "0.1.0", "uptimeSeconds": 60,
         "backlog": 0, "oldestUnsentMillis": null, "lastPressMillis": null, "clock": \(clock),
         "stuckLines": \(stuckLines), "lostGPIOEvents": 0, "freeDiskBytes": 1000, "storageWarning": \(storageWarning)}
        """
    }

    /// After whatever came before, a restarted hub still stores a normal batch.
    func expectANormalBatchIsStored(sequence: Int64 = 1) async throws {
        let body = Self.batchJSON(
            [Self.pressJSON(sequence: sequence, boot: "b9", wall: "\(Self.now)")], clock: Self.clockJSON(boot: "b9"))
        let (status, text) = try await send("/api/v1/ingest", body)
        #expect(status == .ok, "\(text)")
    }

    // MARK: Overflow and impossible times

    @Test func aSynchronisedPressDatedInt64MinIsRefusedAndTheHubKeepsWorking() async throws {
        let (status, text) = try await send(
            "/api/v1/ingest", Self.batchJSON([Self.pressJSON(wall: "\(Int64.min)")]))
        #expect(status == .badRequest)
        #expect(text.contains("presses[0].wallClockMillis"), "\(text)")
        try await expectANormalBatchIsStored()
    }

    @Test func aClockSampleWhoseOffsetWouldOverflowIsRefused() async throws {
        let sample = Self.clockJSON(monotonic: "0", wall: "\(Int64.max)", synchronised: true)
        let (status, text) = try await send(
            "/api/v1/ingest",
            Self.batchJSON([Self.pressJSON(monotonic: "\(Int64.max)", synchronised: false)], clock: sample))
        #expect(status == .badRequest)
        #expect(text.contains("wallClockMillis") || text.contains("monotonicNanos"), "\(text)")
        let (heartbeat, heartbeatText) = try await send("/api/v1/heartbeat", Self.heartbeatJSON(clock: sample))
        #expect(heartbeat == .badRequest)
        #expect(heartbeatText.contains("clock.wallClockMillis"), "\(heartbeatText)")
        let (late, lateText) = try await send(
            "/api/v1/heartbeat", Self.heartbeatJSON(clock: Self.clockJSON(monotonic: "\(Int64.max)")))
        #expect(late == .badRequest)
        #expect(lateText.contains("clock.monotonicNanos"), "\(lateText)")
        try await expectANormalBatchIsStored()
    }

    @Test func aNegativeOrHugeMonotonicTimeOrSequenceIsRefusedByName() async throws {
        for (press, field) in [
            (Self.pressJSON(monotonic: "-1"), "presses[0].monotonicNanos"),
            (Self.pressJSON(monotonic: "\(Int64.max)", synchronised: false), "presses[0].monotonicNanos"),
            (Self.pressJSON(sequence: Int64.max), "presses[0].sequence"),
        ] {
            let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([press]))
            #expect(status == .badRequest, "\(press)")
            #expect(text.contains(field), "\(text)")
        }
        try await expectANormalBatchIsStored()
    }

    @Test func synchronisedPressesDatedBefore2000AreRefusedAsImpossible() async throws {
        // 1938, and the 1970 of a clock that lost its time but claims to be synchronised.
        for wall in ["-1000000000000", "60000"] {
            let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([Self.pressJSON(wall: wall)]))
            #expect(status == .unprocessableContent)
            #expect(text.contains("presses[0].wallClockMillis"), "\(text)")
        }
        let sample = Self.clockJSON(wall: "60000", synchronised: true)
        let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([], clock: sample))
        #expect(status == .unprocessableContent)
        #expect(text.contains("clock.wallClockMillis"), "\(text)")
        #expect(try HubDatabase(path: databasePath).pressCount() == 0)
        try await expectANormalBatchIsStored()
    }

    @Test func aPlacementOutsideThePlausibleSpanStaysUncertain() async throws {
        // Boot b1 synchronised at 2026 with its monotonic clock near zero; a later press of that boot
        // claims to be 99 years after boot: it would be placed in 2125, so it stays uncertain.
        let sample = Self.clockJSON(monotonic: "1000000000", wall: "\(Self.now)", synchronised: true)
        let late = Self.pressJSON(monotonic: "\(99 * 365 * 86_400 * 1_000_000_000 as Int64)", synchronised: false)
        let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([late], clock: sample))
        #expect(status == .ok, "\(text)")
        let database = try HubDatabase(path: databasePath)
        #expect(try database.placement(device: Self.device, sequence: 1)?.status == "uncertain")
        #expect(try database.heatmap(centre: Self.centre, question: .satisfaction).totalCount == 0)
        try await expectANormalBatchIsStored(sequence: 2)
    }

    @Test func aBadRowInAnOlderDatabaseNeverStopsTheHub() async throws {
        // An older hub stored a press with monotonic Int64.max as uncertain, and a boot offset of Int64.max
        // (5,000 ms + Int64.max overflows when that boot's press is placed).
        let queue = try DatabaseQueue(path: databasePath)
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                        wall_clock_millis, clock_synchronised, suppressed, time_status, received_millis)
                    VALUES ('paro-exit-1', 1, 'old', 'satisfaction', 'happy', 3, ?, 0, 0, 0, 'uncertain', 0),
                           ('paro-exit-1', 2, 'old2', 'satisfaction', 'happy', 3, 5000000000, 0, 0, 0, 'uncertain', 0)
                    """, arguments: [Int64.max])
            try db.execute(
                sql: """
                    INSERT INTO boot_clock (device_id, boot, offset_millis, source, updated_millis)
                    VALUES ('paro-exit-1', 'old2', ?, 'synchronised', 0)
                    """, arguments: [Int64.max])
        }
        try queue.close()
        // The boots' clocks become known now: the hub places what it can and keeps the rest uncertain.
        let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([], clock: Self.clockJSON(boot: "old")))
        #expect(status == .ok, "\(text)")
        let (again, againText) = try await send(
            "/api/v1/ingest",
            Self.batchJSON(
                [], clock: Self.clockJSON(boot: "old2", monotonic: "1000000", wall: "\(Self.now)", synchronised: true)))
        #expect(again == .ok, "\(againText)")
        let database = try HubDatabase(path: databasePath)
        #expect(try database.placement(device: Self.device, sequence: 1)?.status == "uncertain")
        #expect(try database.placement(device: Self.device, sequence: 2)?.status == "uncertain")
        try await expectANormalBatchIsStored(sequence: 3)
    }

    // MARK: Protocol strictness

    @Test func aBatchWithoutAClockIsRefused() async throws {
        let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([Self.pressJSON()], clock: nil))
        #expect(status == .badRequest)
        #expect(text.contains("missing field 'clock'"), "\(text)")
    }

    @Test func aPressWithoutSuppressedIsRefused() async throws {
        let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([Self.pressJSON(suppressed: nil)]))
        #expect(status == .badRequest)
        #expect(text.contains("presses[0]: missing field 'suppressed'"), "\(text)")
    }

    @Test func aHeldPressResentWithAFlagFlippedIsAConflict() async throws {
        let (first, _) = try await send("/api/v1/ingest", Self.batchJSON([Self.pressJSON()]))
        #expect(first == .ok)
        for flipped in [Self.pressJSON(suppressed: "true"), Self.pressJSON(synchronised: false)] {
            let (status, text) = try await send("/api/v1/ingest", Self.batchJSON([flipped]))
            #expect(status == .conflict, "\(flipped)")
            #expect(text.contains("sequence 1 of device 'paro-exit-1' is already held with other content"), "\(text)")
        }
        let (same, sameText) = try await send("/api/v1/ingest", Self.batchJSON([Self.pressJSON()]))
        #expect(same == .ok)
        #expect(sameText.contains(#""duplicates":1"#), "\(sameText)")
    }

    // MARK: Text a device sends

    @Test func heartbeatTextWithControlCharactersOrOverLongIsRefusedByName() async throws {
        let cases: [(String, String)] = [
            (Self.heartbeatJSON(storageWarning: #""disk full\r\nthimphu-exit-9\tOK""#), "storageWarning"),
            (Self.heartbeatJSON(storageWarning: #""\u001b[2J""#), "storageWarning"),
            (Self.heartbeatJSON(stuckLines: #"["GPIO5", "\u001b]0;owned\u0007"]"#), "stuckLines[1]"),
            (Self.heartbeatJSON(storageWarning: "\"\(String(repeating: "x", count: 10_000))\""), "storageWarning"),
            (
                Self.heartbeatJSON(
                    stuckLines: "[\(Array(repeating: #""GPIO5""#, count: 1000).joined(separator: ","))]"), "stuckLines"
            ),
        ]
        for (body, field) in cases {
            let (status, text) = try await send("/api/v1/heartbeat", body)
            #expect(status == .unprocessableContent, "\(field)")
            #expect(text.contains(field), "\(text)")
        }
        #expect(try HubDatabase(path: databasePath).lastHeartbeat(Self.device) == nil)
        let (status, text) = try await send(
            "/api/v1/heartbeat",
            Self.heartbeatJSON(stuckLines: #"["GPIO5"]"#, storageWarning: #""store at 91% of its budget""#))
        #expect(status == .ok, "\(text)")
    }

    @Test func theDeviceListNeutralisesControlCharactersAStoredHeartbeatCarries() throws {
        // A heartbeat stored by an older hub, before the fields were checked.
        let heartbeat = Heartbeat(
            device: Self.device, centre: Self.centre, firmwareVersion: "0.1.0\u{1b}[31m", uptimeSeconds: 1, backlog: 2,
            oldestUnsentMillis: nil, lastPressMillis: nil,
            clock: ClockSample(boot: "b1", monotonicNanos: 1, wallClockMillis: 0, synchronised: false),
            stuckLines: ["GPIO5\r\nfake-device\tOK"], lostGPIOEvents: 0, freeDiskBytes: 1,
            storageWarning: "\u{1b}]0;title\u{07}\u{9b}2J")
        let queue = try DatabaseQueue(path: databasePath)
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO device_heartbeat (device_id, received_millis, body) VALUES (?, ?, ?)",
                arguments: [
                    Self.device.rawValue, Self.now,
                    String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self),
                ])
        }
        try queue.close()
        let lines = try HubDatabase(path: databasePath).deviceListing(nowMillis: Self.now + 5_000)
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(!line.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\t" }, "\(line)")
        #expect(line.contains(#"GPIO5\u{0d}\u{0a}fake-device\u{09}OK"#), "\(line)")
        #expect(line.contains(#"\u{1b}]0;title\u{07}\u{9b}2J"#), "\(line)")
    }

    @Test func terminalTextEscapesEveryControlCharacter() {
        #expect(TerminalText.neutralised("plain text, ümlaut") == "plain text, ümlaut")
        #expect(
            TerminalText.neutralised("a\u{1b}[2Jb\r\n\t\u{7f}\u{85}\u{202e}")
                == #"a\u{1b}[2Jb\u{0d}\u{0a}\u{09}\u{7f}\u{85}\u{202e}"#)
    }
}
