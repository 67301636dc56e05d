import PostgresNIO
import SmileyCore

extension PostgresPressStore {
    /// As `HubDatabase.setSigningKey`: the key checked first, then one conditional update.
    public func setSigningKey(_ device: DeviceID, publicKey: String) async throws(HubError) {
        try HubDatabase.checkPublicKey(publicKey)
        try await transaction { connection in
            let updated = try await connection.query(
                "UPDATE device SET signing_public_key = \(publicKey) WHERE id = \(device.rawValue) RETURNING id",
                logger: logger
            ).collect()
            guard updated.count == 1 else { throw HubError.notFound("no device '\(device)'") }
        }
    }

    public func signingKey(of device: DeviceID) async throws(HubError) -> DeviceSigningKey? {
        try await read { connection in
            var key: DeviceSigningKey?
            for try await (revoked, publicKey) in try await connection.query(
                """
                SELECT t.revoked_millis, d.signing_public_key FROM device d
                JOIN device_token t ON t.device_id = d.id WHERE d.id = \(device.rawValue)
                """, logger: logger
            ).decode((Int64?, String?).self) {
                key = DeviceSigningKey(revoked: revoked != nil, publicKey: publicKey)
            }
            return key
        }
    }
}
