import Foundation
import Logging
import PostgresNIO
import SmileyCore

extension PostgresPressStore {
    public func createEnrollmentCode(centre: CentreID, expiresMillis: Int64, nowMillis: Int64) async throws(HubError)
        -> String
    {
        let code = EnrollmentCode.generate()
        try await transaction { connection in
            // The centre is checked by its key in the same statement: INSERT … SELECT inserts nothing
            // for an unknown centre, and the foreign key holds against one removed meanwhile.
            let inserted = try await connection.query(
                """
                INSERT INTO enrollment_code (code_sha256, centre_id, created_millis, expires_millis)
                SELECT \(EnrollmentCode.hash(code)), id, \(nowMillis), \(expiresMillis) FROM centre
                WHERE id = \(centre.rawValue) RETURNING centre_id
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else {
                throw HubError.unprocessable("unknown centre '\(centre)': add it first with smiley-hub centre add")
            }
        }
        return code
    }

    /// Redeems a code. The code is taken by one `UPDATE … WHERE redeemed_by IS NULL RETURNING`: of two
    /// hubs redeeming it at the same moment, the second waits for the first's row lock, then finds the
    /// column set and takes nothing (or takes it, if the first rolled back). Only a code it did not take
    /// is read, to say why, or to serve a repeat by the device that took it.
    public func redeem(_ request: EnrollmentRequest, nowMillis: Int64) async throws(HubError) -> EnrollmentGrant {
        let token = DeviceToken.generate()
        if let publicKey = request.publicKey { try HubDatabase.checkPublicKey(publicKey) }
        let hash = EnrollmentCode.hash(request.code)
        let device = request.device
        let centre = try await transaction { connection -> CentreID in
            var taken: String?
            for try await centre in try await connection.query(
                """
                UPDATE enrollment_code SET redeemed_by = \(device.rawValue), redeemed_millis = \(nowMillis)
                WHERE code_sha256 = \(hash) AND redeemed_by IS NULL AND expires_millis > \(nowMillis)
                RETURNING centre_id
                """, logger: logger
            ).decode(String.self) {
                taken = centre
            }
            if let taken {
                guard let centre = CentreID(rawValue: taken) else {
                    throw HubError.storage("enrollment_code names a centre that is not a valid id: '\(taken)'")
                }
                // A device id already in use rolls the whole transaction back: the code stays unused.
                try await Self.insertDevice(
                    connection, device, centre: centre, token: token, publicKey: request.publicKey,
                    nowMillis: nowMillis, logger: logger)
                return centre
            }
            var found: (centre: String, expires: Int64, redeemedBy: String?)?
            for try await row in try await connection.query(
                "SELECT centre_id, expires_millis, redeemed_by FROM enrollment_code WHERE code_sha256 = \(hash)",
                logger: logger
            ).decode((String, Int64, String?).self) {
                found = (row.0, row.1, row.2)
            }
            guard let found else { throw EnrollmentCode.unknown(request.code) }
            guard nowMillis < found.expires else { throw EnrollmentCode.expired(request.code, at: found.expires) }
            guard let usedBy = found.redeemedBy, let centre = CentreID(rawValue: found.centre) else {
                throw HubError.storage("enrollment code '\(request.code)' is neither free nor redeemed")
            }
            let spent = EnrollmentCode.spent(request.code, by: usedBy)
            guard usedBy == device.rawValue else { throw spent }
            // A repeat by the same device: only while no token of it has been used or revoked; the new
            // token replaces the undelivered one.
            let replaced = try await connection.query(
                """
                UPDATE device_token SET token_sha256 = \(token.sha256), created_millis = \(nowMillis)
                WHERE device_id = \(device.rawValue) AND first_used_millis IS NULL AND revoked_millis IS NULL
                RETURNING device_id
                """, logger: logger
            ).collect()
            guard replaced.count == 1 else { throw spent }
            // The repeat may come from a second run of provisioning, with a new key pair.
            try await connection.query(
                "UPDATE device SET signing_public_key = \(request.publicKey) WHERE id = \(device.rawValue)",
                logger: logger)
            return centre
        }
        return EnrollmentGrant(device: device, centre: centre, token: token.value, hubTimeMillis: nowMillis)
    }
}
