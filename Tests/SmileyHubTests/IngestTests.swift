import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import SmileyHub
import Testing

@Suite final class IngestTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let device = DeviceID(rawValue: "paro-exit-1")!

    /// A hub database with the Paro centre and its device `paro-exit-1` (token in `token`).
    func makeDatabase() throws -> HubDatabase {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        token = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0).value
        return database
    }

    var token = ""

    static func press(_ sequence: Int64, _ answer: Answer = .happy, device: DeviceID = device, suppressed: Bool = false)
        -> Press
    {
        // 2026-11-02 10:30 in Bhutan (04:30 UTC), a Monday; one minute per sequence number.
        Press(
            device: device, boot: "boot-a", sequence: sequence, answer: answer,
            monotonicNanos: sequence * 60_000_000_000, wallClockMillis: 1_793_593_800_000 + sequence * 60_000,
            clockSynchronised: true, suppressed: suppressed)
    }

    /// The batch as a device sends it: with a reading of its clocks (the protocol requires one).
    static func body(_ batch: IngestBatch) throws -> ByteBuffer {
        var batch = batch
        if batch.clock == nil {
            batch.clock = ClockSample(boot: "boot-a", monotonicNanos: 1, wallClockMillis: 0, synchronised: false)
        }
        return ByteBuffer(bytes: try JSONEncoder().encode(batch))
    }

    func post(_ database: HubDatabase, _ body: ByteBuffer, token: String? = nil) async throws -> (
        HTTPResponse.Status, String
    ) {
        let app = Application(router: try buildRouter(database: database, access: .testing))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.authorization] = "Bearer \(token ?? self.token)"
        let fields = headers
        return try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: fields, body: body) { response in
                (response.status, String(buffer: response.body))
            }
        }
    }

    @Test func aRequestWithoutATokenIsRefused() async throws {
        let database = try makeDatabase()
        let batch = IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1)])
        let (status, text) = try await post(database, try Self.body(batch), token: "")
        #expect(status == .unauthorized)
        #expect(text.contains("missing device token") || text.contains("unknown device token"))
        let (wrong, wrongText) = try await post(database, try Self.body(batch), token: "smiley_guess")
        #expect(wrong == .unauthorized)
        #expect(wrongText.contains("unknown device token"))
        #expect(try database.pressCount() == 0)
    }

    @Test func aRevokedTokenIsRefusedAndThePressesStay() async throws {
        let database = try makeDatabase()
        _ = try await post(
            database, try Self.body(IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1)])))
        try database.revokeDevice(Self.device, nowMillis: 1)
        let (status, text) = try await post(
            database, try Self.body(IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(2)])))
        #expect(status == .unauthorized)
        #expect(text.contains("token of device 'paro-exit-1' was revoked"))
        #expect(try database.pressCount() == 1)
    }

    @Test func aDeviceCanWriteOnlyItsOwnPresses() async throws {
        let database = try makeDatabase()
        let other = DeviceID(rawValue: "paro-exit-2")!
        let otherToken = try database.addDevice(other, centre: Self.centre, nowMillis: 0).value
        let batch = IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1)])
        let (status, text) = try await post(database, try Self.body(batch), token: otherToken)
        #expect(status == .forbidden)
        #expect(text.contains("this token belongs to device 'paro-exit-2', not 'paro-exit-1'"))
        #expect(try database.pressCount() == 0)
    }

    @Test func onlyAHashOfTheTokenIsStored() throws {
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        try database.addCentre(Centre(id: Self.centre, name: "Paro", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0)
        let stored = try queue.read { db in try String.fetchAll(db, sql: "SELECT token_sha256 FROM device_token") }
        #expect(stored == [token.sha256])
        #expect(!stored[0].contains(token.value))
    }

    @Test func aValidBatchIsStoredAndCounted() async throws {
        let database = try makeDatabase()
        let batch = IngestBatch(
            device: Self.device, centre: Self.centre, presses: [Self.press(1), Self.press(2, .veryHappy)])
        let (status, text) = try await post(database, try Self.body(batch))
        #expect(status == .ok)
        let receipt = try JSONDecoder().decode(IngestReceipt.self, from: Data(text.utf8))
        #expect(receipt.accepted == 2 && receipt.duplicates == 0 && receipt.highestSequence == 2)
        let heatmap = try database.heatmap(centre: Self.centre, question: .satisfaction)
        #expect(heatmap.cells == [HeatmapCell(weekday: 1, hour: 10, count: 2, index: 83)])
    }

    @Test func suppressedPressesAreKeptButNotCounted() async throws {
        let database = try makeDatabase()
        let batch = IngestBatch(
            device: Self.device, centre: Self.centre, presses: [Self.press(1), Self.press(2, suppressed: true)])
        let (status, _) = try await post(database, try Self.body(batch))
        #expect(status == .ok)
        #expect(try database.pressCount() == 2)
        #expect(try database.heatmap(centre: Self.centre, question: .satisfaction).totalCount == 1)
    }

    @Test func notJSONIsRefusedByName() async throws {
        let database = try makeDatabase()
        let (status, text) = try await post(database, ByteBuffer(string: "presses=1,2,3"))
        #expect(status == .badRequest)
        #expect(text.contains("not valid JSON"))
        #expect(try database.pressCount() == 0)
    }

    @Test func aMissingFieldIsNamed() async throws {
        let database = try makeDatabase()
        let (status, text) = try await post(
            database, ByteBuffer(string: #"{"device": "paro-exit-1", "presses": []}"#))
        #expect(status == .badRequest)
        #expect(text.contains("missing field 'centre'"))
    }

    @Test func anUnknownQuestionIsNamedAndNothingOfTheBatchIsStored() async throws {
        let database = try makeDatabase()
        var json = String(
            decoding: try JSONEncoder().encode(
                IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1), Self.press(2)])),
            as: UTF8.self)
        // Corrupt the second press only: the first, valid one must not be stored either.
        let second = json.range(of: "\"question\":\"satisfaction\"", options: .backwards)!
        json.replaceSubrange(second, with: "\"question\":\"mood\"")
        let (status, text) = try await post(database, ByteBuffer(string: json))
        #expect(status == .badRequest)
        #expect(text.contains("presses[1].question"))
        #expect(text.contains("unknown question 'mood'"))
        #expect(try database.pressCount() == 0)
    }

    @Test func anUnknownAnswerIsNamed() async throws {
        let database = try makeDatabase()
        var json = String(
            decoding: try JSONEncoder().encode(
                IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1)])), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"answer\":\"happy\"", with: "\"answer\":\"ecstatic\"")
        let (status, text) = try await post(database, ByteBuffer(string: json))
        #expect(status == .badRequest)
        #expect(text.contains("unknown answer 'ecstatic' for question satisfaction"))
    }

    @Test func wrongTypesAreNamed() async throws {
        let database = try makeDatabase()
        let (status, text) = try await post(
            database, ByteBuffer(string: #"{"device": "paro-exit-1", "centre": "paro-dcrc", "presses": 7}"#))
        #expect(status == .badRequest)
        #expect(text.contains("presses: expected"))
    }

    @Test func anUnknownCentreIsRefused() async throws {
        let database = try makeDatabase()
        let batch = IngestBatch(device: Self.device, centre: CentreID(rawValue: "nowhere")!, presses: [Self.press(1)])
        let (status, text) = try await post(database, try Self.body(batch))
        #expect(status == .unprocessableContent)
        #expect(text.contains("unknown centre 'nowhere'"))
        #expect(try database.pressCount() == 0)
    }

    @Test func anotherDevicesPressInTheBatchIsRefused() async throws {
        let database = try makeDatabase()
        let other = DeviceID(rawValue: "paro-exit-2")!
        let batch = IngestBatch(
            device: Self.device, centre: Self.centre, presses: [Self.press(1), Self.press(2, device: other)])
        let (status, text) = try await post(database, try Self.body(batch))
        #expect(status == .forbidden)
        #expect(text.contains("presses[1].device 'paro-exit-2'"))
        #expect(try database.pressCount() == 0)
    }

    @Test func aRepeatedBatchChangesNothing() async throws {
        let database = try makeDatabase()
        let batch = IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1), Self.press(2)])
        _ = try await post(database, try Self.body(batch))
        let before = try database.heatmap(centre: Self.centre, question: .satisfaction)
        let (status, text) = try await post(database, try Self.body(batch))
        #expect(status == .ok)
        let receipt = try JSONDecoder().decode(IngestReceipt.self, from: Data(text.utf8))
        #expect(receipt.accepted == 0 && receipt.duplicates == 2)
        #expect(try database.heatmap(centre: Self.centre, question: .satisfaction) == before)
        #expect(try database.pressCount() == 2)
    }

    @Test func aReusedSequenceWithOtherContentIsAConflictAndStoresNothing() async throws {
        let database = try makeDatabase()
        _ = try await post(
            database, try Self.body(IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(1)])))
        let clash = IngestBatch(
            device: Self.device, centre: Self.centre, presses: [Self.press(1, .veryUnhappy), Self.press(2)])
        let (status, text) = try await post(database, try Self.body(clash))
        #expect(status == .conflict)
        #expect(text.contains("sequence 1 of device 'paro-exit-1' is already held with other content"))
        #expect(try database.pressCount() == 1)
        #expect(try database.heatmap(centre: Self.centre, question: .satisfaction).totalCount == 1)
    }

    @Test func aBatchThatSkipsOrReordersSequenceNumbersIsRefusedWhole() async throws {
        let database = try makeDatabase()
        let gap = IngestBatch(
            device: Self.device, centre: Self.centre, presses: [Self.press(1), Self.press(2), Self.press(4)])
        let (status, text) = try await post(database, try Self.body(gap))
        #expect(status == .unprocessableContent)
        #expect(text.contains("presses[2]: sequence 4 after 2: a batch must not skip sequence numbers"))
        let reordered = IngestBatch(device: Self.device, centre: Self.centre, presses: [Self.press(2), Self.press(1)])
        let (again, againText) = try await post(database, try Self.body(reordered))
        #expect(again == .unprocessableContent)
        #expect(againText.contains("increasing order"))
        #expect(try database.pressCount() == 0)
    }

    @Test func aSynchronisedPressFarInTheFutureIsRefusedByName() async throws {
        let database = try makeDatabase()
        var press = Self.press(1)
        press.wallClockMillis = Int64(Date().timeIntervalSince1970 * 1000) + 10 * 86_400_000
        let (status, text) = try await post(
            database, try Self.body(IngestBatch(device: Self.device, centre: Self.centre, presses: [press])))
        #expect(status == .unprocessableContent)
        #expect(text.contains("presses[0].wallClockMillis"))
        #expect(text.contains("more than a day ahead"))
    }

    @Test func aBodyOverTheLimitIsRefused() async throws {
        let database = try makeDatabase()
        let (status, text) = try await post(database, ByteBuffer(repeating: UInt8(ascii: " "), count: 5 << 20))
        #expect(status == .contentTooLarge)
        #expect(text.contains("larger than"))
    }
}
