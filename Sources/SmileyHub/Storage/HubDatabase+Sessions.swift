import Crypto
import Foundation
import GRDB
import SmileyCore

/// Random secrets (session ids, API tokens, links) and their hashes: only hashes reach the database.
enum Secret {
    /// 32 random bytes as hex, with an optional prefix that says what the secret is.
    static func random(prefix: String = "", bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix
            + (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two secrets in time that depends only on their lengths.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A signed-in browser: the cookie value (shown once) and the CSRF token its forms carry.
public struct SessionGrant: Sendable {
    public let cookie: String
    public let csrf: String
}

/// A personal API token as its owner sees it in the list (never the token itself).
public struct APITokenSummary: Sendable, Hashable {
    public var id: Int64
    public var person: String
    public var name: String
    public var createdMillis: Int64
    public var expiresMillis: Int64?
    public var revokedMillis: Int64?
    public var lastUsedMillis: Int64?
}

/// One line of the audit log.
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var atMillis: Int64
    public var actor: String
    public var action: String
    public var detail: String
    public var address: String?
}

extension AuditEntry {
    /// Text made safe for a terminal or a log file: control and format characters (tabs, newlines, escape
    /// sequences, bidirectional overrides) are written as `\u{…}`.
    public static func printable(_ text: String) -> String {
        text.unicodeScalars.map { scalar in
            CharacterSet.controlCharacters.contains(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
    }

    /// One tab-separated line: time (ISO 8601, UTC), who, what, detail, address; every field printable.
    public var printableLine: String {
        let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(atMillis) / 1000))
        return [when, actor, action, detail, address ?? "-"].map(Self.printable).joined(separator: "\t")
    }
}

extension HubDatabase {
    // MARK: Sessions

    /// Starts a session for a person who just proved who they are.
    public func startSession(for person: String, address: String? = nil, nowMillis: Int64) throws(HubError)
        -> SessionGrant
    {
        let grant = SessionGrant(cookie: Secret.random(), csrf: Secret.random())
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, person)
                try db.execute(
                    sql: """
                        INSERT INTO session (id_sha256, person, csrf, created_millis, last_seen_millis)
                        VALUES (?, ?, ?, ?, ?)
                        """, arguments: [Secret.sha256(grant.cookie), person, grant.csrf, nowMillis, nowMillis])
                try Self.audit(db, PeopleAudit.login, actor: person, address: address, nowMillis: nowMillis)
            }
        }
        return grant
    }

    /// The person and CSRF token of a live session, which this use keeps alive (its use noted at most
    /// once a minute, so the idle limit counts from a use at most a minute older than the last); nil
    /// when the session is unknown, ended, idle longer than `idleMillis` or older than `absoluteMillis`
    /// (it is ended then).
    func liveSession(_ cookie: String, nowMillis: Int64, idleMillis: Int64, absoluteMillis: Int64) throws(HubError)
        -> (person: String, csrf: String)?
    {
        let hash = Secret.sha256(cookie)
        return try storage {
            guard
                let row = try writer.read({ db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT person, csrf, created_millis, last_seen_millis FROM session
                            WHERE id_sha256 = ? AND ended_millis IS NULL
                            """, arguments: [hash])
                })
            else { return nil }
            let created: Int64 = row["created_millis"]
            let lastSeen: Int64 = row["last_seen_millis"]
            guard
                PeopleRules.sessionIsLive(
                    createdMillis: created, lastSeenMillis: lastSeen, nowMillis: nowMillis, idleMillis: idleMillis,
                    absoluteMillis: absoluteMillis)
            else {
                try writer.write { db in
                    try db.execute(
                        sql: "UPDATE session SET ended_millis = ? WHERE id_sha256 = ? AND ended_millis IS NULL",
                        arguments: [nowMillis, hash])
                }
                return nil
            }
            if PeopleRules.noteUse(lastMillis: lastSeen, nowMillis: nowMillis) {
                try writer.write { db in
                    try db.execute(
                        sql: "UPDATE session SET last_seen_millis = ? WHERE id_sha256 = ? AND ended_millis IS NULL",
                        arguments: [nowMillis, hash])
                }
            }
            return (row["person"], row["csrf"])
        }
    }

    /// Ends a session (logout).
    public func endSession(_ cookie: String, address: String? = nil, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                let hash = Secret.sha256(cookie)
                guard
                    let person = try String.fetchOne(
                        db, sql: "SELECT person FROM session WHERE id_sha256 = ?", arguments: [hash])
                else { return }
                try db.execute(
                    sql: "UPDATE session SET ended_millis = ? WHERE id_sha256 = ? AND ended_millis IS NULL",
                    arguments: [nowMillis, hash])
                try Self.audit(db, PeopleAudit.logout, actor: person, address: address, nowMillis: nowMillis)
            }
        }
    }

    // MARK: Personal API tokens

    /// Creates a personal API token (returned once; only its hash is kept).
    public func createAPIToken(
        for person: String, name: String, expiresMillis: Int64?, by actor: String, address: String? = nil,
        nowMillis: Int64
    ) throws(HubError) -> (id: Int64, token: String) {
        let token = PeopleRules.newAPIToken()
        let trimmed = try PeopleRules.tokenName(name)
        let id = try storage {
            try writer.write { db in
                let role = try String.fetchOne(db, sql: "SELECT role FROM person WHERE name = ?", arguments: [person])
                if let refusal = PeopleRules.tokenRefusal(role: role, person: person) { throw refusal }
                try db.execute(
                    sql: """
                        INSERT INTO api_token (person, name, token_sha256, created_millis, expires_millis)
                        VALUES (?, ?, ?, ?, ?)
                        """, arguments: [person, trimmed, Secret.sha256(token), nowMillis, expiresMillis])
                let id = db.lastInsertedRowID
                try Self.audit(
                    db, PeopleAudit.tokenCreate(id, name: trimmed, of: person, expiresMillis: expiresMillis),
                    actor: actor, address: address, nowMillis: nowMillis)
                return id
            }
        }
        return (id, token)
    }

    /// The tokens of one person (or of everyone), newest first.
    public func apiTokens(of person: String? = nil) throws(HubError) -> [APITokenSummary] {
        try storage {
            try writer.read { db in
                var sql = """
                    SELECT id, person, name, created_millis, expires_millis, revoked_millis, last_used_millis FROM api_token
                    """
                var arguments: StatementArguments = []
                if let person {
                    sql += " WHERE person = ?"
                    arguments = [person]
                }
                return try Row.fetchAll(db, sql: sql + " ORDER BY id DESC", arguments: arguments).map { row in
                    APITokenSummary(
                        id: row["id"], person: row["person"], name: row["name"], createdMillis: row["created_millis"],
                        expiresMillis: row["expires_millis"], revokedMillis: row["revoked_millis"],
                        lastUsedMillis: row["last_used_millis"])
                }
            }
        }
    }

    /// Revokes a token; with `owner`, only one of that person's.
    public func revokeAPIToken(
        _ id: Int64, owner: String? = nil, by actor: String, address: String? = nil, nowMillis: Int64
    )
        throws(HubError)
    {
        try storage {
            try writer.write { db in
                var sql = "UPDATE api_token SET revoked_millis = ? WHERE id = ? AND revoked_millis IS NULL"
                var arguments: StatementArguments = [nowMillis, id]
                if let owner {
                    sql += " AND person = ?"
                    arguments += [owner]
                }
                try db.execute(sql: sql, arguments: arguments)
                guard db.changesCount == 1 else { throw HubError.notFound("no valid token \(id)") }
                try Self.audit(db, PeopleAudit.tokenRevoke(id), actor: actor, address: address, nowMillis: nowMillis)
            }
        }
    }

    /// The owner of a valid personal API token (noting its use, at most once a minute), or nil.
    func apiTokenOwner(_ token: String, nowMillis: Int64) throws(HubError) -> String? {
        let hash = Secret.sha256(token)
        return try storage {
            guard
                let row = try writer.read({ db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT id, person, last_used_millis FROM api_token WHERE token_sha256 = ?
                            AND revoked_millis IS NULL AND (expires_millis IS NULL OR expires_millis > ?)
                            """, arguments: [hash, nowMillis])
                })
            else { return nil }
            let lastUsed: Int64? = row["last_used_millis"]
            if PeopleRules.noteUse(lastMillis: lastUsed, nowMillis: nowMillis) {
                try writer.write { db in
                    try db.execute(
                        sql: "UPDATE api_token SET last_used_millis = ? WHERE id = ?",
                        arguments: [nowMillis, row["id"] as Int64])
                }
            }
            return row["person"]
        }
    }

    // MARK: Audit log

    /// Writes one audit line (most audited changes write theirs in their own transaction instead).
    public func audit(actor: String, action: String, detail: String, address: String? = nil, nowMillis: Int64)
        throws(HubError)
    {
        try storage {
            try writer.write { db in
                try Self.audit(db, actor: actor, action: action, detail: detail, address: address, nowMillis: nowMillis)
            }
        }
    }

    static func audit(
        _ db: Database, actor: String, action: String, detail: String, address: String? = nil, nowMillis: Int64
    ) throws {
        try db.execute(
            sql: "INSERT INTO audit (at_millis, actor, action, detail, address) VALUES (?, ?, ?, ?, ?)",
            arguments: [nowMillis, actor, action, detail, address])
    }

    static func audit(
        _ db: Database, _ line: PeopleAudit.Line, actor: String, address: String? = nil, nowMillis: Int64
    ) throws {
        try audit(db, actor: actor, action: line.action, detail: line.detail, address: address, nowMillis: nowMillis)
    }

    /// The newest audit lines first.
    public func auditEntries(limit: Int = 200) throws(HubError) -> [AuditEntry] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT id, at_millis, actor, action, detail, address FROM audit ORDER BY id DESC LIMIT ?",
                    arguments: [limit]
                ).map { row in
                    AuditEntry(
                        id: row["id"], atMillis: row["at_millis"], actor: row["actor"], action: row["action"],
                        detail: row["detail"], address: row["address"])
                }
            }
        }
    }

    /// `YYYY-MM-DD HH:MM UTC`.
    static func utc(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)) + " UTC"
    }
}
