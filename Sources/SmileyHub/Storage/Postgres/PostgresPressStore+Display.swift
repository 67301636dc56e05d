import Foundation
import Logging
import PostgresNIO
import SmileyCore

/// The lobby screens' display tokens on PostgreSQL (`DisplayStore`, schema step "pg-display-1"), decided by
/// `DisplayRules` as on SQLite: only the token's SHA-256 is kept, each change is one transaction with its
/// audit line, and every request reads the token's row afresh, so a revocation through one hub holds for
/// every hub at once.
extension PostgresPressStore: DisplayStore {
    /// SQLite's "lobby: display tokens" with its constraints; ids are never reused (AUTOINCREMENT there).
    static let displayMigration = PostgresMigration(
        name: "pg-display-1: lobby display tokens",
        statements: [
            """
            CREATE TABLE display_token (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                -- SHA-256 of the token (hex): the token itself is shown once and never stored.
                token_hash text COLLATE "C" NOT NULL UNIQUE,
                label text NOT NULL,
                created_by text NOT NULL,
                created_millis bigint NOT NULL,
                revoked_millis bigint
            )
            """
        ])

    public func createDisplayToken(centre: CentreID, label: String, by person: String, nowMillis: Int64)
        async throws(HubError) -> (id: Int64, token: String)
    {
        let name = try DisplayRules.label(label)
        let token = DisplayRules.newToken()
        return try await transaction { connection in
            let found = try await connection.query(
                "SELECT 1 FROM centre WHERE id = \(centre.rawValue) FOR KEY SHARE", logger: logger
            ).collect()
            guard !found.isEmpty else { throw DisplayRules.unknownCentre(centre) }
            var id: Int64 = 0
            for try await value in try await connection.query(
                """
                INSERT INTO display_token (centre_id, token_hash, label, created_by, created_millis)
                VALUES (\(centre.rawValue), \(Secret.sha256(token)), \(name), \(person), \(nowMillis))
                RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                id = value
            }
            try await audit(
                connection, DisplayRules.created(id, centre: centre, label: name), actor: person, nowMillis: nowMillis)
            return (id, token)
        }
    }

    public func displayTokens(centre: CentreID?) async throws(HubError) -> [DisplayTokenSummary] {
        try await read { connection in
            var tokens: [DisplayTokenSummary] = []
            for try await (id, centreID, label, createdBy, created, revoked) in try await connection.query(
                """
                SELECT id, centre_id, label, created_by, created_millis, revoked_millis FROM display_token
                WHERE \(centre?.rawValue)::text IS NULL OR centre_id = \(centre?.rawValue) ORDER BY id
                """, logger: logger
            ).decode((Int64, String, String, String, Int64, Int64?).self) {
                guard let centreID = CentreID(rawValue: centreID) else { continue }
                tokens.append(
                    DisplayTokenSummary(
                        id: id, centre: centreID, label: label, createdBy: createdBy, createdMillis: created,
                        revokedMillis: revoked))
            }
            return tokens
        }
    }

    /// One statement takes the revocation: of two hubs revoking the same token at once, the second's UPDATE
    /// waits for the first's row lock, finds it revoked and changes nothing.
    public func revokeDisplayToken(_ id: Int64, by person: String, nowMillis: Int64) async throws(HubError) {
        try await transaction { connection in
            let revoked = try await connection.query(
                """
                UPDATE display_token SET revoked_millis = \(nowMillis)
                WHERE id = \(id) AND revoked_millis IS NULL RETURNING id
                """, logger: logger
            ).collect()
            guard revoked.count == 1 else { throw DisplayRules.notRevocable(id) }
            try await audit(connection, DisplayRules.revoked(id), actor: person, nowMillis: nowMillis)
        }
    }

    public func displayAccess(token: String) async throws(HubError) -> DisplayAccess {
        guard DisplayRules.isWellFormed(token) else { return .unknown }
        return try await read { connection in
            var access = DisplayAccess.unknown
            for try await (centre, revoked) in try await connection.query(
                "SELECT centre_id, revoked_millis FROM display_token WHERE token_hash = \(Secret.sha256(token))",
                logger: logger
            ).decode((String, Int64?).self) {
                guard let id = CentreID(rawValue: centre) else { continue }
                access = revoked == nil ? .centre(id) : .revoked
            }
            return access
        }
    }
}
