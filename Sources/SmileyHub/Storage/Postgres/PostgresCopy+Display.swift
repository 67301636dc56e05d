import GRDB
import Logging
import PostgresNIO

/// The lobby's display tokens in `smiley-hub migrate`: their hashes, centres, labels, creators and times, ids
/// kept (`smiley-hub display revoke` names them). A token held under the same id must agree on its hash,
/// centre, label, creator and creation (else the copy is refused naming the id); a revocation on either side
/// stays; a rerun inserts nothing.
extension PostgresCopy {
    static func copyDisplayTokens(
        _ tokens: [SourceDisplayToken], _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        for token in tokens {
            let inserted = try await connection.query(
                """
                INSERT INTO display_token (id, centre_id, token_hash, label, created_by, created_millis, revoked_millis)
                OVERRIDING SYSTEM VALUE
                VALUES (\(token.id), \(token.centre), \(token.hash), \(token.label), \(token.createdBy), \(token.created),
                    \(token.revoked))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger
            ).collect()
            guard inserted.isEmpty else {
                outcome.displayTokens += 1
                continue
            }
            for try await (centre, hash, label, createdBy, created) in try await connection.query(
                """
                SELECT centre_id, token_hash, label, created_by, created_millis FROM display_token
                WHERE id = \(token.id) FOR UPDATE
                """, logger: logger
            ).decode((String, String, String, String, Int64).self)
            where centre != token.centre || hash != token.hash || label != token.label || createdBy != token.createdBy
                || created != token.created
            {
                throw HubError.conflict(
                    "display token #\(token.id) differs: PostgreSQL holds '\(label)' of \(centre) made by \(createdBy) at \(created)\(hash == token.hash ? "" : " with another token"), SQLite '\(token.label)' of \(token.centre) made by \(token.createdBy) at \(token.created)"
                )
            }
            // A revocation on either side stays (the earlier one when both revoked it).
            try await connection.query(
                """
                UPDATE display_token SET revoked_millis = LEAST(COALESCE(revoked_millis, \(token.revoked)),
                    COALESCE(\(token.revoked), revoked_millis))
                WHERE id = \(token.id)
                """, logger: logger)
        }
        // Ids are kept: the identity goes on after the highest one held, never back.
        if !tokens.isEmpty {
            try await connection.query(
                """
                SELECT setval(s.name, GREATEST((SELECT MAX(id) FROM display_token),
                    COALESCE(pg_sequence_last_value(s.name), 1)))
                FROM (SELECT pg_get_serial_sequence('display_token', 'id')::regclass AS name) s
                """, logger: logger)
        }
    }
}

/// A display token as SQLite holds it (its hash only).
struct SourceDisplayToken: Sendable {
    var id: Int64
    var centre: String
    var hash: String
    var label: String
    var createdBy: String
    var created: Int64
    var revoked: Int64?

    static func all(_ db: Database) throws -> [SourceDisplayToken] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, centre_id, token_hash, label, created_by, created_millis, revoked_millis FROM display_token
                ORDER BY id
                """
        ).map { row in
            SourceDisplayToken(
                id: row["id"], centre: row["centre_id"], hash: row["token_hash"], label: row["label"],
                createdBy: row["created_by"], created: row["created_millis"], revoked: row["revoked_millis"])
        }
    }
}
