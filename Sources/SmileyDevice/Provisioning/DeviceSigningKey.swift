import Crypto
import Foundation
import SmileyCore

/// The device's own Ed25519 key pair, made at provisioning: the private key signs backlog files and
/// never leaves the device (its file is 0600); the hub holds the public key and checks signatures
/// with it. Reading the hub's database therefore gives no power to sign.
public struct DeviceSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    public static func generate() -> DeviceSigningKey {
        DeviceSigningKey(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The public key as the hub takes it: base64 of its 32 raw bytes.
    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// Signs exactly these bytes.
    public func signature(for data: Data) throws -> Data {
        try privateKey.signature(for: data)
    }

    /// Writes the private key (base64 of its 32 raw bytes) to a new 0600 file.
    public func write(to path: String) throws(SecretFileError) {
        try SecretFile.create(Data((privateKey.rawRepresentation.base64EncodedString() + "\n").utf8), at: path)
    }

    /// Reads the private key; refuses a file others may read, and says how to make one.
    public static func load(path: String) throws(SigningKeyError) -> DeviceSigningKey {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let data = FileManager.default.contents(atPath: path)
        else { throw .missing(path) }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .readableByOthers(path, mode: mode)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw .unreadable(path) }
        return DeviceSigningKey(privateKey: key)
    }
}

public enum SigningKeyError: Error, Sendable, CustomStringConvertible {
    case missing(String)
    case readableByOthers(String, mode: Int)
    case unreadable(String)

    public var description: String {
        switch self {
        case .missing(let path):
            "no signing key at \(path): run smileyctl signing-key, then give its public key to the hub (smiley-hub device set-key)"
        case .readableByOthers(let path, let mode):
            "the signing key \(path) has mode \(String(mode, radix: 8)): run chmod 600 \(path)"
        case .unreadable(let path):
            "\(path) does not hold an Ed25519 private key (base64 of 32 bytes)"
        }
    }
}

extension DeviceConfiguration {
    /// The device's private signing key, beside its store.
    public var signingKeyPath: String { (stateDirectory as NSString).appendingPathComponent("signing-key") }
}
