import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// Issues a one-time code that enrolls one device into `centre` until `expiresMillis`.
    /// Only a hash of the code is kept.
    public func issueEnrollmentCode(centre: CentreID, expiresMillis: Int64, nowMillis: Int64) throws(HubError) -> String
    {
        let code = EnrollmentCode.generate()
        try write { db in
            guard
                try String.fetchOne(db, sql: "SELECT id FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
            else { throw HubError.unprocessable("unknown centre '\(centre)': add it first with smiley-hub centre add") }
            try db.execute(
                sql: """
                    INSERT INTO enrollment_code (code_sha256, centre_id, created_millis, expires_millis)
                    VALUES (?, ?, ?, ?)
                    """, arguments: [Self.codeHash(code), centre.rawValue, nowMillis, expiresMillis])
        }
        return code
    }

    /// Redeems a code: adds the device to the code's centre and returns its token, in one transaction.
    ///
    /// A code works for one device. The same device may redeem it again (its reply was lost) until the
    /// code expires or a token issued for it is first used: each repeat issues a fresh token that
    /// replaces the undelivered one, so exactly one token of the device works, the last one sent.
    public func redeem(_ request: EnrollmentRequest, nowMillis: Int64) throws(HubError) -> EnrollmentGrant {
        let token = DeviceToken.generate()
        if let publicKey = request.publicKey { try Self.checkPublicKey(publicKey) }
        let centre = try write { db -> CentreID in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT centre_id, expires_millis, redeemed_by FROM enrollment_code WHERE code_sha256 = ?",
                    arguments: [Self.codeHash(request.code)])
            else { throw EnrollmentCode.unknown(request.code) }
            let expires: Int64 = row["expires_millis"]
            guard nowMillis < expires else { throw EnrollmentCode.expired(request.code, at: expires) }
            let centre = CentreID(rawValue: row["centre_id"])!
            if let usedBy = row["redeemed_by"] as String? {
                let spent = EnrollmentCode.spent(request.code, by: usedBy)
                guard usedBy == request.device.rawValue else { throw spent }
                // A repeat by the same device: only while no token of it has been used or revoked.
                try db.execute(
                    sql: """
                        UPDATE device_token SET token_sha256 = ?, created_millis = ?
                        WHERE device_id = ? AND first_used_millis IS NULL AND revoked_millis IS NULL
                        """, arguments: [token.sha256, nowMillis, request.device.rawValue])
                guard db.changesCount == 1 else { throw spent }
                // The repeat may come from a second run of provisioning, with a new key pair.
                try db.execute(
                    sql: "UPDATE device SET signing_public_key = ? WHERE id = ?",
                    arguments: [request.publicKey, request.device.rawValue])
                return centre
            }
            try insertDevice(
                db, request.device, centre: centre, token: token, publicKey: request.publicKey, nowMillis: nowMillis)
            try db.execute(
                sql: "UPDATE enrollment_code SET redeemed_by = ?, redeemed_millis = ? WHERE code_sha256 = ?",
                arguments: [request.device.rawValue, nowMillis, Self.codeHash(request.code)])
            return centre
        }
        return EnrollmentGrant(device: request.device, centre: centre, token: token.value, hubTimeMillis: nowMillis)
    }

    /// `issueEnrollmentCode` under `PressStore`'s name.
    public func createEnrollmentCode(centre: CentreID, expiresMillis: Int64, nowMillis: Int64) throws(HubError)
        -> String
    {
        try issueEnrollmentCode(centre: centre, expiresMillis: expiresMillis, nowMillis: nowMillis)
    }

    static func codeHash(_ code: String) -> String { EnrollmentCode.hash(code) }
}

/// One-time enrollment codes: what both backends issue and how they find one again.
enum EnrollmentCode {
    /// Twelve letters from 32 (no 0/O, 1/I) in groups of four: `ABCD-EFGH-JKLM`.
    static func generate() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let letters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return stride(from: 0, to: 12, by: 4).map { String(letters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The SHA-256 kept in place of a code, of its letters in upper case without dashes or spaces.
    static func hash(_ code: String) -> String {
        DeviceToken.sha256(code.uppercased().filter { $0 != "-" && $0 != " " })
    }

    static func expired(_ code: String, at expires: Int64) -> HubError {
        let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(expires) / 1000))
        return .expired("enrollment code '\(code)' expired at \(date): ask for a new one")
    }

    static func unknown(_ code: String) -> HubError {
        .notFound("enrollment code '\(code)' is not known to this hub: check it")
    }

    static func spent(_ code: String, by device: String) -> HubError {
        .conflict("enrollment code '\(code)' was already used by device '\(device)': ask for a new one")
    }
}
