import Crypto
import Foundation
import SmileyCore
import Testing

@testable import SmileyHub

/// `smiley-hub device set-key` and `import` on both backends (`PressStore.setSigningKey`, `signingKey(of:)`,
/// `importBacklog(file:…)`): a signed backlog is stored once however often it is imported, its presses
/// enter the rollups exactly as an upload's would, and every refusal (a malformed key, an unknown device,
/// no key, an altered file, a revoked device) is worded alike on SQLite and PostgreSQL and changes nothing.
@Suite struct BacklogImportStoreTests {
    static let centre = IngestTests.centre
    static let device = IngestTests.device
    /// Two days after the first press: every press of the file is in the past.
    static let now = HostileInputTests.now + 2 * 86_400_000

    /// 1,200 presses, more than two batches of 500, with a gap in the sequence and some suppressed.
    static func presses() -> [Press] {
        let answers: [Answer] = [.happy, .veryHappy, .unhappy, .easy, .veryUnhappy]
        return (Array(1...700) + Array(801...1300)).map { sequence in
            IngestTests.press(Int64(sequence), answers[sequence % 5], suppressed: sequence % 13 == 0)
        }
    }

    static func file(_ presses: [Press], key: Curve25519.Signing.PrivateKey, alter: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let clock = ClockSample(
            boot: "boot-a", monotonicNanos: 2_000 * 60_000_000_000, wallClockMillis: now, synchronised: true)
        let payload = try encoder.encode(
            ExportFile.Payload(device: device, centre: centre, exportedAtMillis: now, clock: clock, presses: presses))
        let signature = try key.signature(for: payload)
        var signed = payload
        if alter { signed[signed.count / 2] ^= 0x01 }
        return try JSONEncoder().encode(ExportFile(device: device, payload: signed, signature: signature))
    }

    /// What the refusals said, in order, and whether the file then imported once and only once.
    static func story(_ subject: StoreUnderTest) async throws -> [String] {
        let store = subject.store
        try await store.addCentre(Centre(id: centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        _ = try await store.addDevice(device, centre: centre, publicKey: nil, nowMillis: 0)
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        let presses = Self.presses()
        let good = try Self.file(presses, key: key)
        var said: [String] = []
        func refused(_ body: () async throws -> Void) async {
            do {
                try await body()
                said.append("accepted")
            } catch {
                said.append("\(error)")
            }
        }
        await refused { _ = try await store.importBacklog(file: good, nowMillis: now) }
        await refused { try await store.setSigningKey(device, publicKey: "not-a-key") }
        await refused { try await store.setSigningKey(DeviceID(rawValue: "haa-exit-9")!, publicKey: publicKey) }
        #expect(try await store.signingKey(of: device) == DeviceSigningKey(revoked: false, publicKey: nil))
        #expect(try await store.signingKey(of: DeviceID(rawValue: "haa-exit-9")!) == nil)

        try await store.setSigningKey(device, publicKey: publicKey)
        #expect(try await store.signingKey(of: device) == DeviceSigningKey(revoked: false, publicKey: publicKey))
        await refused {
            _ = try await store.importBacklog(file: try Self.file(presses, key: key, alter: true), nowMillis: now)
        }
        await refused {
            _ = try await store.importBacklog(
                file: try Self.file(presses, key: Curve25519.Signing.PrivateKey()), nowMillis: now)
        }
        await refused { _ = try await store.importBacklog(file: Data("{}".utf8), nowMillis: now) }
        #expect(try await store.pressCount(device: nil) == 0)

        var seen: [(Int, Int)] = []
        let first = try await store.importBacklog(file: good, nowMillis: now) { seen.append(($0, $1)) }
        let again = try await store.importBacklog(file: good, nowMillis: now + 60_000)
        #expect(first.accepted == presses.count && first.duplicates == 0)
        #expect(again.accepted == 0 && again.duplicates == presses.count)
        #expect(seen.map(\.0) == [500, 700, 1_200] && seen.allSatisfy { $0.1 == presses.count })
        #expect(try await store.pressCount(device: device) == presses.count)
        #expect(try await subject.probe.pressKeys() == presses.map { "\(device)#\($0.sequence)" })
        let rollup = try await subject.probe.rollup()
        #expect(rollup == (try await subject.probe.recount()))
        #expect(rollup.reduce(0) { $0 + $1.count } == Int64(presses.filter { !$0.suppressed }.count))
        #expect(try await subject.probe.centreHour() == (try await subject.probe.centreHourFromRollup()))

        try await store.revokeDevice(device, nowMillis: now)
        await refused { _ = try await store.importBacklog(file: good, nowMillis: now) }
        #expect(try await store.pressCount(device: nil) == presses.count)
        return said
    }

    @Test(arguments: StoreBackend.available)
    func aSignedBacklogIsStoredOnceAndBadInputIsRefusedByName(_ backend: StoreBackend) async throws {
        let said = try await backend.withStore { try await Self.story($0) }
        #expect(said.count == 7 && !said.contains("accepted"), "\(said)")
        #expect(said[0].contains("has no signing key at this hub: set it with smiley-hub device set-key paro-exit-1"))
        #expect(said[1].contains("expected base64 of a 32-byte Ed25519 public key"))
        #expect(said[2].contains("no device 'haa-exit-9'"))
        #expect(said[3].contains("signature does not match device 'paro-exit-1'"))
        #expect(said[4].contains("signature does not match device 'paro-exit-1'"))
        #expect(said[5].contains("not a Smiley export file"))
        #expect(said[6].contains("whose token was revoked"))
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func bothBackendsRefuseInTheSameWords() async throws {
        let lite = try await StoreBackend.sqlite.withStore { try await Self.story($0) }
        let pg = try await StoreBackend.postgres.withStore { try await Self.story($0) }
        #expect(lite == pg)
    }
}
