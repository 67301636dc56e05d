import Crypto
import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

/// Only the device can sign its backlog: what the hub's database holds is not enough to forge one.
@Suite struct ExportSignatureTests {
    static let centre = IngestTests.centre
    static let device = IngestTests.device

    /// The backlog file as `smileyctl export` wrote it before devices had their own signing key.
    struct LegacyExportFile: Codable {
        struct Payload: Codable {
            var format = "smiley-export-v1"
            var device: DeviceID
            var centre: CentreID
            var exportedAtMillis: Int64
            var clock: ClockSample
            var presses: [Press]
        }
        var payload: Payload
        var signature: String
    }

    static func presses() -> [Press] {
        (1...3).map { IngestTests.press(Int64($0)) }
    }

    static var clock: ClockSample {
        ClockSample(
            boot: "boot-a", monotonicNanos: 1_000_000_000, wallClockMillis: HostileInputTests.now, synchronised: true)
    }

    @Test func aFileSignedWithWhatTheDatabaseHoldsIsRefused() throws {
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        try database.addCentre(Centre(id: Self.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0)
        // Someone who can read the database (a backup, a copied file) takes the token's hash ...
        let tokenHash = try #require(
            try queue.read { db in try String.fetchOne(db, sql: "SELECT token_sha256 FROM device_token") })
        // ... and signs a backlog of invented presses with it, as the old export signature allowed.
        let payload = LegacyExportFile.Payload(
            device: Self.device, centre: Self.centre, exportedAtMillis: HostileInputTests.now, clock: Self.clock,
            presses: Self.presses())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let mac = HMAC<SHA256>.authenticationCode(
            for: try encoder.encode(payload), using: SymmetricKey(data: Data(tokenHash.utf8)))
        let forged = try encoder.encode(
            LegacyExportFile(payload: payload, signature: mac.map { String(format: "%02x", $0) }.joined()))
        #expect(throws: HubError.self) { try database.importBacklog(forged, nowMillis: HostileInputTests.now) }
        #expect(try database.pressCount() == 0)
    }

    /// A hub holding the device with `key`'s public half (or none).
    func makeDatabase(publicKey: String?) throws -> HubDatabase {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(Self.device, centre: Self.centre, publicKey: publicKey, nowMillis: 0)
        return database
    }

    static func payloadBytes(_ presses: [Press] = presses()) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(
            ExportFile.Payload(
                device: device, centre: centre, exportedAtMillis: HostileInputTests.now, clock: clock, presses: presses)
        )
    }

    static func file(payload: Data, signature: Data) throws -> Data {
        try JSONEncoder().encode(ExportFile(device: device, payload: payload, signature: signature))
    }

    @Test func aFileSignedByTheDevicesKeyIsImported() throws {
        let key = Curve25519.Signing.PrivateKey()
        let database = try makeDatabase(publicKey: key.publicKey.rawRepresentation.base64EncodedString())
        let payload = try Self.payloadBytes()
        let result = try database.importBacklog(
            try Self.file(payload: payload, signature: try key.signature(for: payload)),
            nowMillis: HostileInputTests.now)
        #expect(result.accepted == 3 && result.duplicates == 0)
    }

    @Test func anAlteredOrForeignOrReencodedPayloadIsRefused() throws {
        let key = Curve25519.Signing.PrivateKey()
        let database = try makeDatabase(publicKey: key.publicKey.rawRepresentation.base64EncodedString())
        let payload = try Self.payloadBytes()
        let signature = try key.signature(for: payload)
        var altered = Self.presses()
        altered[0].answer = .veryHappy
        // The same JSON with its keys in another order: equal as data, not as bytes.
        let reencoded = try JSONEncoder().encode(try JSONDecoder().decode(ExportFile.Payload.self, from: payload))
        #expect(reencoded != payload)
        let cases: [(String, Data)] = [
            ("altered", try Self.file(payload: try Self.payloadBytes(altered), signature: signature)),
            ("re-encoded", try Self.file(payload: reencoded, signature: signature)),
            (
                "another key",
                try Self.file(payload: payload, signature: try Curve25519.Signing.PrivateKey().signature(for: payload))
            ),
        ]
        for (_, file) in cases {
            #expect {
                try database.importBacklog(file, nowMillis: HostileInputTests.now)
            } throws: { error in
                "\(error)".contains("signature does not match device 'paro-exit-1'")
            }
        }
        #expect(try database.pressCount() == 0)
    }

    @Test func aDeviceWithoutASigningKeyIsToldHowToGetOne() throws {
        let database = try makeDatabase(publicKey: nil)
        let key = Curve25519.Signing.PrivateKey()
        let payload = try Self.payloadBytes()
        let file = try Self.file(payload: payload, signature: try key.signature(for: payload))
        #expect {
            try database.importBacklog(file, nowMillis: HostileInputTests.now)
        } throws: { error in
            "\(error)".contains("has no signing key at this hub: set it with smiley-hub device set-key paro-exit-1")
        }
        try database.setSigningKey(Self.device, publicKey: key.publicKey.rawRepresentation.base64EncodedString())
        #expect(try database.importBacklog(file, nowMillis: HostileInputTests.now).accepted == 3)
        #expect(throws: HubError.self) { try database.setSigningKey(Self.device, publicKey: "not-a-key") }
    }
}
