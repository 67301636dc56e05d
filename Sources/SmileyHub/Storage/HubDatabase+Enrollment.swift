import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// Issues a one-time code that enrolls one device into `centre` until `expiresMillis`.
    /// Only a hash of the code is kept.
    public func issueEnrollmentCode(centre: CentreID, expiresMillis: Int64, nowMillis: Int64) throws(HubError) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")  // no 0/O, 1/I
        var generator = SystemRandomNumberGenerator()
        let letters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        let code = stride(from: 0, to: 12, by: 4).map { String(letters[$0..<$0 + 4]) }.joined(separator: "-")
        try write { db in
            guard try String.fetchOne(db, sql: "SELECT id FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
            else { throw HubError.unprocessable("unknown centre '\(centre)': add it first with smiley-hub centre add") }
            try db.execute(
                sql: """
                    INSERT INTO enrollment_code (code_sha256, centre_id, created_millis, expires_millis)
                    VALUES (?, ?, ?, ?)
                    """, arguments: [Self.codeHash(code), centre.rawValue, nowMillis, expiresMillis])
        }
        return code
    }

    /// Redeems a code: adds the device to the code's centre and returns its token. A code works once.
    public func redeem(_ request: EnrollmentRequest, nowMillis: Int64) throws(HubError) -> EnrollmentGrant {
        let row: Row?
        do {
            row = try writer.read { db in
                try Row.fetchOne(
                    db,
                    sql: "SELECT centre_id, expires_millis, redeemed_by FROM enrollment_code WHERE code_sha256 = ?",
                    arguments: [Self.codeHash(request.code)])
            }
        } catch {
            throw .storage("\(error)")
        }
        guard let row else { throw .notFound("enrollment code '\(request.code)' is not known to this hub: check it") }
        if let usedBy = row["redeemed_by"] as String? {
            throw .conflict("enrollment code '\(request.code)' was already used by device '\(usedBy)': ask for a new one")
        }
        let expires: Int64 = row["expires_millis"]
        guard nowMillis < expires else {
            let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(expires) / 1000))
            throw .expired("enrollment code '\(request.code)' expired at \(date): ask for a new one")
        }
        let centre = CentreID(rawValue: row["centre_id"])!
        let token = try addDevice(request.device, centre: centre, nowMillis: nowMillis)
        do {
            try writer.write { db in
                try db.execute(
                    sql: "UPDATE enrollment_code SET redeemed_by = ?, redeemed_millis = ? WHERE code_sha256 = ?",
                    arguments: [request.device.rawValue, nowMillis, Self.codeHash(request.code)])
            }
        } catch {
            throw .storage("\(error)")
        }
        return EnrollmentGrant(device: request.device, centre: centre, token: token.value, hubTimeMillis: nowMillis)
    }

    static func codeHash(_ code: String) -> String {
        DeviceToken.sha256(code.uppercased().filter { $0 != "-" && $0 != " " })
    }
}
