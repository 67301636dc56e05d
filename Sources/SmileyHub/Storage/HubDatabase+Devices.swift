import Crypto
import Foundation
import GRDB
import SmileyCore

/// A device's secret: shown once when the device is added, kept by the hub only as a hash.
public struct DeviceToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// 32 random bytes, hex, with a prefix that says what it is.
    public static func generate() -> DeviceToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return DeviceToken(value: "smiley_" + bytes.map { String(format: "%02x", $0) }.joined())
    }

    public init(value: String) { self.value = value }

    public var sha256: String { Self.sha256(value) }

    /// Lower-case hex of the token's SHA-256, digit by digit (run for every device request:
    /// `String(format:)` a byte cost about 80 us a request).
    static func sha256(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(2 * SHA256.byteCount)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    public var description: String { value }
}

/// Who a request's token says it comes from.
public enum DeviceAuthentication: Sendable, Equatable {
    case device(DeviceID, centre: CentreID)
}

extension HubDatabase {
    /// Adds a device to a centre and returns its token (shown once; only its hash is kept).
    /// `publicKey` is the device's signing key (base64 of an Ed25519 public key), if known yet.
    public func addDevice(
        _ device: DeviceID, centre: CentreID, publicKey: String? = nil, nowMillis: Int64
    ) throws(HubError) -> DeviceToken {
        let token = DeviceToken.generate()
        if let publicKey { try Self.checkPublicKey(publicKey) }
        try write { db in
            guard
                try String.fetchOne(db, sql: "SELECT id FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
            else { throw HubError.unprocessable("unknown centre '\(centre)': add it first with smiley-hub centre add") }
            try insertDevice(db, device, centre: centre, token: token, publicKey: publicKey, nowMillis: nowMillis)
        }
        return token
    }

    /// Sets the public key the hub checks a device's export files with (a device added by hand
    /// makes its key with `smileyctl signing-key`).
    public func setSigningKey(_ device: DeviceID, publicKey: String) throws(HubError) {
        try Self.checkPublicKey(publicKey)
        try write { db in
            try db.execute(
                sql: "UPDATE device SET signing_public_key = ? WHERE id = ?", arguments: [publicKey, device.rawValue])
            guard db.changesCount == 1 else { throw HubError.notFound("no device '\(device)'") }
        }
    }

    /// Refuses anything but base64 of a 32-byte Ed25519 public key.
    static func checkPublicKey(_ publicKey: String) throws(HubError) {
        guard let raw = Data(base64Encoded: publicKey),
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
        else {
            throw .invalid("public key: expected base64 of a 32-byte Ed25519 public key, got '\(publicKey.prefix(60))'")
        }
    }

    /// Adds a device and its token inside the caller's transaction; refuses an existing id.
    func insertDevice(
        _ db: Database, _ device: DeviceID, centre: CentreID, token: DeviceToken, publicKey: String?, nowMillis: Int64
    ) throws {
        if try String.fetchOne(db, sql: "SELECT id FROM device WHERE id = ?", arguments: [device.rawValue]) != nil {
            throw HubError.conflict(
                "device '\(device)' already exists: revoke it and add the replacement under a new id")
        }
        try db.execute(
            sql: """
                INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis, signing_public_key)
                VALUES (?, ?, ?, ?, ?)
                """, arguments: [device.rawValue, centre.rawValue, nowMillis, nowMillis, publicKey])
        try db.execute(
            sql: "INSERT INTO device_token (device_id, token_sha256, created_millis) VALUES (?, ?, ?)",
            arguments: [device.rawValue, token.sha256, nowMillis])
    }

    /// Revokes a device's token: its requests are refused from now on; its presses stay.
    public func revokeDevice(_ device: DeviceID, nowMillis: Int64) throws(HubError) {
        try write { db in
            try db.execute(
                sql: "UPDATE device_token SET revoked_millis = ? WHERE device_id = ? AND revoked_millis IS NULL",
                arguments: [nowMillis, device.rawValue])
            guard db.changesCount == 1 else {
                throw HubError.notFound("no device '\(device)' with a valid token")
            }
        }
    }

    static func markTokenUsed(_ db: Database, _ device: DeviceID, nowMillis: Int64) throws {
        try db.execute(
            sql: "UPDATE device_token SET first_used_millis = ? WHERE device_id = ? AND first_used_millis IS NULL",
            arguments: [nowMillis, device.rawValue])
    }

    /// The device a bearer token belongs to; the error says why a request is refused.
    public func authenticate(token: String?, nowMillis: Int64) throws(HubError) -> DeviceAuthentication {
        let hash = try Self.tokenHash(token)
        let holder = try TokenHolder.valid(
            try storage { try writer.read { db in try TokenHolder.find(db, hash: hash) } })
        if !holder.used {
            // From now on the device holds this token: its enrollment code cannot issue another.
            try write { db in try Self.markTokenUsed(db, holder.device, nowMillis: nowMillis) }
        }
        return .device(holder.device, centre: holder.centre)
    }

    /// The SHA-256 a presented bearer token is looked up by; refuses a request that sent none.
    static func tokenHash(_ token: String?) throws(HubError) -> String {
        guard let token, !token.isEmpty else {
            throw .unauthorized("missing device token: send 'Authorization: Bearer <token>'")
        }
        return DeviceToken.sha256(token)
    }
}

/// What the hub holds of a device token, found by its hash.
struct TokenHolder: Sendable {
    var device: DeviceID
    var centre: CentreID
    var revoked: Bool
    /// The device has used the token (see `HubDatabase.markTokenUsed`).
    var used: Bool

    static func find(_ db: Database, hash: String) throws -> TokenHolder? {
        // Cached: every device request asks it (prepared anew it cost about 90 us more a request).
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT t.device_id, t.revoked_millis, t.first_used_millis, d.centre_id FROM device_token t
                    JOIN device d ON d.id = t.device_id WHERE t.token_sha256 = ?
                    """), arguments: [hash]
        ).map { row in
            TokenHolder(
                device: DeviceID(rawValue: row["device_id"])!, centre: CentreID(rawValue: row["centre_id"])!,
                revoked: (row["revoked_millis"] as Int64?) != nil, used: (row["first_used_millis"] as Int64?) != nil)
        }
    }

    /// The holder of a token a request may use; refuses an unknown or revoked token by name.
    static func valid(_ holder: TokenHolder?) throws(HubError) -> TokenHolder {
        guard let holder else { throw .unauthorized("unknown device token") }
        if holder.revoked { throw .unauthorized("the token of device '\(holder.device)' was revoked") }
        return holder
    }

    /// Refuses a body that speaks for another device than the token's.
    func require(_ claimed: DeviceID) throws(HubError) {
        guard claimed == device else {
            throw .forbidden("this token belongs to device '\(device)', not '\(claimed)'")
        }
    }
}
