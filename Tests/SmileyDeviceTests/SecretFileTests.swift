import Foundation
import SmileyCore
import SmileyDevice
import Testing

/// Tokens and keys are the device's alone from their first byte.
@Suite struct SecretFileTests {
    static func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func aSecretFileIs0600AndReplacesAnOlderOneWhole() throws {
        let directory = NSTemporaryDirectory() + "smiley-secret-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/device-token"
        // An older, world-readable file is replaced, not written into.
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
        try SecretFile.create(Data("smiley_new\n".utf8), at: path)
        #expect(try Self.mode(path) == 0o600)
        #expect(FileManager.default.contents(atPath: path) == Data("smiley_new\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["device-token"])
        #expect(throws: SecretFileError.self) { try SecretFile.create(Data(), at: directory + "/missing/dir/file") }
    }

    @Test func aSigningKeyRoundTripsAndIsRefusedWhenOthersMayReadIt() throws {
        let directory = NSTemporaryDirectory() + "smiley-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/signing-key"
        let key = DeviceSigningKey.generate()
        try key.write(to: path)
        #expect(try Self.mode(path) == 0o600)
        #expect(try DeviceSigningKey.load(path: path).publicKeyBase64 == key.publicKeyBase64)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect {
            try DeviceSigningKey.load(path: path)
        } throws: { error in
            "\(error)".contains("has mode 644: run chmod 600")
        }
    }
}
