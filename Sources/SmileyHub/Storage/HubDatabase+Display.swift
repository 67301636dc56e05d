import Foundation
import GRDB
import SmileyCore

/// The display tokens on SQLite (`DisplayStore`), decided by `DisplayRules` as on PostgreSQL.
extension HubDatabase: DisplayStore {
    static func registerDisplayMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("lobby: display tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE display_token (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        -- SHA-256 of the token (hex): the token itself is shown once and never stored.
                        token_hash TEXT NOT NULL UNIQUE,
                        label TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_millis INTEGER NOT NULL,
                        revoked_millis INTEGER
                    );
                    """)
        }
    }

    /// Creates a display token for a centre's lobby screen; returns it once, with its id.
    public func createDisplayToken(centre: CentreID, label: String, by person: String, nowMillis: Int64)
        throws(HubError) -> (id: Int64, token: String)
    {
        let name = try DisplayRules.label(label)
        let token = DisplayRules.newToken()
        return try write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
            else { throw DisplayRules.unknownCentre(centre) }
            try db.execute(
                sql: """
                    INSERT INTO display_token (centre_id, token_hash, label, created_by, created_millis)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [centre.rawValue, Secret.sha256(token), name, person, nowMillis])
            let id = db.lastInsertedRowID
            try Self.audit(
                db, DisplayRules.created(id, centre: centre, label: name), actor: person, nowMillis: nowMillis)
            return (id, token)
        }
    }

    /// Display tokens, of one centre or all, oldest first.
    public func displayTokens(centre: CentreID? = nil) throws(HubError) -> [DisplayTokenSummary] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, centre_id, label, created_by, created_millis, revoked_millis FROM display_token
                        \(centre == nil ? "" : "WHERE centre_id = ?") ORDER BY id
                        """, arguments: centre.map { [$0.rawValue] } ?? []
                ).map { row in
                    DisplayTokenSummary(
                        id: row["id"], centre: CentreID(rawValue: row["centre_id"])!, label: row["label"],
                        createdBy: row["created_by"], createdMillis: row["created_millis"],
                        revokedMillis: row["revoked_millis"])
                }
            }
        }
    }

    /// Revokes a display token: its screen shows "revoked" from the next refresh on.
    public func revokeDisplayToken(_ id: Int64, by person: String, nowMillis: Int64) throws(HubError) {
        try write { db in
            try db.execute(
                sql: "UPDATE display_token SET revoked_millis = ? WHERE id = ? AND revoked_millis IS NULL",
                arguments: [nowMillis, id])
            guard db.changesCount == 1 else { throw DisplayRules.notRevocable(id) }
            try Self.audit(db, DisplayRules.revoked(id), actor: person, nowMillis: nowMillis)
        }
    }

    /// The centre a display token opens, by the token's hash.
    public func displayAccess(token: String) throws(HubError) -> DisplayAccess {
        guard DisplayRules.isWellFormed(token) else { return .unknown }
        return try storage {
            try writer.read { db in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT centre_id, revoked_millis FROM display_token WHERE token_hash = ?",
                        arguments: [Secret.sha256(token)])
                else { return .unknown }
                let revoked: Int64? = row["revoked_millis"]
                return revoked == nil ? .centre(CentreID(rawValue: row["centre_id"])!) : .revoked
            }
        }
    }
}
