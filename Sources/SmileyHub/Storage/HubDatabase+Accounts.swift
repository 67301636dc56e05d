import Foundation
import GRDB
import SmileyCore

/// What a person may do at the hub. Administrators see every centre and manage people and devices
/// (from the command line); managers see their centres, export them and create API tokens; viewers only
/// look at their centres' pages and heatmaps.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case administrator, manager, viewer

    public var mayExport: Bool { self != .viewer }
    public var mayCreateTokens: Bool { self != .viewer }
}

/// One piece of a person's scope: a centre, or a named group of centres (which follows the group as it changes).
public enum ScopeGrant: Sendable, Hashable, CustomStringConvertible {
    case centre(CentreID)
    case group(String)

    public var description: String {
        switch self {
        case .centre(let centre): "centre \(centre)"
        case .group(let group): "group \(group)"
        }
    }
}

/// A person as the administrator sees them: never their password hash or second-factor secret.
public struct Person: Sendable, Hashable {
    public var name: String
    public var role: Role
    public var grants: [ScopeGrant]
    public var hasPassword: Bool
    public var hasTOTP: Bool
}

/// A group of centres (a dzongkhag, a region) that managers and viewers can be given as a whole.
public struct CentreGroup: Sendable, Hashable {
    public var name: String
    public var centres: [CentreID]
}

/// What the login form needs of a person; stays inside the hub.
struct Credentials: Sendable {
    var name: String
    var role: Role
    var passwordHash: String?
    var totpSecret: String?
}

extension HubDatabase {
    static func registerAccountMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: people, sessions, API tokens, audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE centre_group (name TEXT PRIMARY KEY NOT NULL);
                    ALTER TABLE centre ADD COLUMN group_name TEXT REFERENCES centre_group(name);
                    CREATE TABLE person (
                        name TEXT PRIMARY KEY NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('administrator', 'manager', 'viewer')),
                        -- bcrypt; NULL until the person sets a password through a one-time link
                        password_hash TEXT,
                        totp_secret TEXT,
                        created_millis INTEGER NOT NULL
                    );
                    CREATE TABLE person_scope (
                        person TEXT NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                        kind TEXT NOT NULL CHECK (kind IN ('centre', 'group')),
                        target TEXT NOT NULL,
                        PRIMARY KEY (person, kind, target)
                    ) WITHOUT ROWID;
                    -- One-time links that set a password (hash only).
                    CREATE TABLE password_link (
                        token_sha256 TEXT PRIMARY KEY NOT NULL,
                        person TEXT NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                        created_millis INTEGER NOT NULL,
                        expires_millis INTEGER NOT NULL,
                        used_millis INTEGER
                    );
                    -- Signed-in browsers: the cookie's value is kept only as its SHA-256.
                    CREATE TABLE session (
                        id_sha256 TEXT PRIMARY KEY NOT NULL,
                        person TEXT NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                        csrf TEXT NOT NULL,
                        created_millis INTEGER NOT NULL,
                        last_seen_millis INTEGER NOT NULL,
                        ended_millis INTEGER
                    );
                    CREATE INDEX session_person ON session(person);
                    -- Personal API tokens for scripts (hash only), scoped like their owner.
                    CREATE TABLE api_token (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        person TEXT NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        token_sha256 TEXT NOT NULL UNIQUE,
                        created_millis INTEGER NOT NULL,
                        expires_millis INTEGER,
                        revoked_millis INTEGER,
                        last_used_millis INTEGER
                    );
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at_millis INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        address TEXT
                    );
                    -- Keys the hub signs with (the login form's CSRF token).
                    CREATE TABLE hub_secret (
                        name TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL
                    );
                    INSERT INTO hub_secret (name, value) VALUES ('form-signing', lower(hex(randomblob(32))));
                    """)
        }
    }

    /// People's and groups' names: lower-case letters, digits, '.', '-' and '_', at most 64.
    public static func validName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 64 else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789._-")
        return CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789").contains(first)
            && text.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    func checkName(_ text: String, of what: String) throws(HubError) {
        try PeopleRules.checkName(text, of: what)
    }

    // MARK: Groups of centres

    public func addGroup(_ name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try checkName(name, of: "group")
        try storage {
            try writer.write { db in
                if try Row.fetchOne(db, sql: "SELECT 1 FROM centre_group WHERE name = ?", arguments: [name]) != nil {
                    throw HubError.conflict("group '\(name)' already exists")
                }
                try db.execute(sql: "INSERT INTO centre_group (name) VALUES (?)", arguments: [name])
                try Self.audit(db, PeopleAudit.groupAdd(name), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    public func groups() throws(HubError) -> [CentreGroup] {
        try storage {
            try writer.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM centre_group ORDER BY name").map { name in
                    CentreGroup(
                        name: name,
                        centres: try String.fetchAll(
                            db, sql: "SELECT id FROM centre WHERE group_name = ? ORDER BY id", arguments: [name]
                        ).compactMap(CentreID.init(rawValue:)))
                }
            }
        }
    }

    /// Puts a centre in a group (or, with nil, in none).
    public func setGroup(_ group: String?, centre: CentreID, by actor: String, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                if let group,
                    try Row.fetchOne(db, sql: "SELECT 1 FROM centre_group WHERE name = ?", arguments: [group]) == nil
                {
                    throw PeopleRules.unknownGroup(group)
                }
                try db.execute(
                    sql: "UPDATE centre SET group_name = ? WHERE id = ?", arguments: [group, centre.rawValue])
                guard db.changesCount == 1 else { throw HubError.notFound("unknown centre '\(centre)'") }
                try Self.audit(db, PeopleAudit.centreGroup(centre, group: group), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    // MARK: People

    /// Adds a person; `passwordHash` is a bcrypt hash, or nil for a person who will set it through a link.
    public func addPerson(
        _ name: String, role: Role, grants: [ScopeGrant], passwordHash: String?, by actor: String, nowMillis: Int64
    ) throws(HubError) {
        try checkName(name, of: "user")
        try storage {
            try writer.write { db in
                if try Row.fetchOne(db, sql: "SELECT 1 FROM person WHERE name = ?", arguments: [name]) != nil {
                    throw HubError.conflict("user '\(name)' already exists")
                }
                try db.execute(
                    sql: "INSERT INTO person (name, role, password_hash, created_millis) VALUES (?, ?, ?, ?)",
                    arguments: [name, role.rawValue, passwordHash, nowMillis])
                try Self.insertGrants(db, grants, person: name)
                try Self.audit(
                    db, PeopleAudit.userAdd(name, role: role, grants: grants), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    static func insertGrants(_ db: Database, _ grants: [ScopeGrant], person: String) throws {
        for grant in grants {
            switch grant {
            case .centre(let centre):
                guard
                    try Row.fetchOne(db, sql: "SELECT 1 FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
                else { throw HubError.notFound("unknown centre '\(centre)'") }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO person_scope (person, kind, target) VALUES (?, 'centre', ?)",
                    arguments: [person, centre.rawValue])
            case .group(let group):
                guard try Row.fetchOne(db, sql: "SELECT 1 FROM centre_group WHERE name = ?", arguments: [group]) != nil
                else { throw PeopleRules.unknownGroup(group) }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO person_scope (person, kind, target) VALUES (?, 'group', ?)",
                    arguments: [person, group])
            }
        }
    }

    static func requirePerson(_ db: Database, _ name: String) throws {
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM person WHERE name = ?", arguments: [name]) != nil else {
            throw HubError.notFound("no user '\(name)'")
        }
    }

    public func people() throws(HubError) -> [Person] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT name, role, password_hash IS NOT NULL AS has_password, totp_secret IS NOT NULL AS has_totp FROM person ORDER BY name"
                ).map { row in
                    let name: String = row["name"]
                    return Person(
                        name: name, role: Role(rawValue: row["role"]) ?? .viewer, grants: try Self.grants(db, of: name),
                        hasPassword: row["has_password"], hasTOTP: row["has_totp"])
                }
            }
        }
    }

    static func grants(_ db: Database, of person: String) throws -> [ScopeGrant] {
        try Row.fetchAll(
            db, sql: "SELECT kind, target FROM person_scope WHERE person = ? ORDER BY kind, target", arguments: [person]
        ).compactMap { row -> ScopeGrant? in
            PeopleRules.grant(kind: row["kind"], target: row["target"])
        }
    }

    public func grant(_ grants: [ScopeGrant], to name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, name)
                try Self.insertGrants(db, grants, person: name)
                try Self.audit(db, PeopleAudit.userGrant(name, grants), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    public func revoke(_ grants: [ScopeGrant], from name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, name)
                for grant in grants {
                    let (kind, target) = PeopleRules.scopeRow(grant)
                    try db.execute(
                        sql: "DELETE FROM person_scope WHERE person = ? AND kind = ? AND target = ?",
                        arguments: [name, kind, target])
                    guard db.changesCount == 1 else { throw HubError.notFound("user '\(name)' does not have \(grant)") }
                }
                try Self.audit(db, PeopleAudit.userRevoke(name, grants), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    /// Removes a person with their sessions, tokens and links; the audit log keeps their name.
    public func removePerson(_ name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, name)
                for table in ["session", "api_token", "password_link", "person_scope"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE person = ?", arguments: [name])
                }
                try db.execute(sql: "DELETE FROM person WHERE name = ?", arguments: [name])
                try Self.audit(db, PeopleAudit.userRemove(name), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    /// Sets a person's password hash (nil forgets it) and ends their sessions.
    public func setPasswordHash(_ hash: String?, of name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, name)
                try db.execute(sql: "UPDATE person SET password_hash = ? WHERE name = ?", arguments: [hash, name])
                try db.execute(
                    sql: "UPDATE session SET ended_millis = ? WHERE person = ? AND ended_millis IS NULL",
                    arguments: [nowMillis, name])
                try Self.audit(db, PeopleAudit.passwordHash(hash, of: name), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    /// Sets (or, with nil, removes) a person's TOTP secret.
    public func setTOTPSecret(_ secret: String?, of name: String, by actor: String, nowMillis: Int64) throws(HubError) {
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, name)
                try db.execute(sql: "UPDATE person SET totp_secret = ? WHERE name = ?", arguments: [secret, name])
                try Self.audit(db, PeopleAudit.totp(secret, of: name), actor: actor, nowMillis: nowMillis)
            }
        }
    }

    func credentials(of name: String) throws(HubError) -> Credentials? {
        try storage {
            try writer.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT name, role, password_hash, totp_secret FROM person WHERE name = ?",
                    arguments: [name]
                ).map { row in
                    Credentials(
                        name: row["name"], role: Role(rawValue: row["role"]) ?? .viewer,
                        passwordHash: row["password_hash"],
                        totpSecret: row["totp_secret"])
                }
            }
        }
    }

    /// The centres a person may read: every centre for administrators, else their centres and their groups' centres.
    public func readScope(of name: String) throws(HubError) -> ReadScope {
        try storage {
            try writer.read { db in
                guard
                    let role = try String.fetchOne(db, sql: "SELECT role FROM person WHERE name = ?", arguments: [name])
                else { return .centres([]) }
                if role == Role.administrator.rawValue { return .everything }
                let ids = try String.fetchAll(
                    db,
                    sql: """
                        SELECT target FROM person_scope WHERE person = ? AND kind = 'centre'
                        UNION
                        SELECT c.id FROM centre c JOIN person_scope s ON s.kind = 'group' AND s.target = c.group_name
                        WHERE s.person = ?
                        """, arguments: [name, name])
                return .centres(Set(ids.compactMap(CentreID.init(rawValue:))))
            }
        }
    }

    // MARK: One-time password links

    /// Issues a link token that lets the person set a password once before `expiresMillis`; earlier links stop working.
    public func issuePasswordLink(for name: String, expiresMillis: Int64, by actor: String, nowMillis: Int64)
        throws(HubError) -> String
    {
        let token = Secret.random()
        try storage {
            try writer.write { db in
                try Self.requirePerson(db, name)
                try db.execute(
                    sql: "UPDATE password_link SET used_millis = ? WHERE person = ? AND used_millis IS NULL",
                    arguments: [nowMillis, name])
                try db.execute(
                    sql: """
                        INSERT INTO password_link (token_sha256, person, created_millis, expires_millis)
                        VALUES (?, ?, ?, ?)
                        """, arguments: [Secret.sha256(token), name, nowMillis, expiresMillis])
                try Self.audit(db, PeopleAudit.passwordLink(name), actor: actor, nowMillis: nowMillis)
            }
        }
        return token
    }

    /// The person a still-valid link belongs to, or nil.
    func passwordLinkPerson(_ token: String, nowMillis: Int64) throws(HubError) -> String? {
        try storage {
            try writer.read { db in
                try String.fetchOne(
                    db,
                    sql: """
                        SELECT person FROM password_link
                        WHERE token_sha256 = ? AND used_millis IS NULL AND expires_millis > ?
                        """, arguments: [Secret.sha256(token), nowMillis])
            }
        }
    }

    /// Uses a link: sets the password hash, ends the person's sessions; nil when the link is not valid.
    func redeemPasswordLink(_ token: String, passwordHash: String, address: String?, nowMillis: Int64)
        throws(HubError) -> String?
    {
        try storage {
            try writer.write { db in
                guard
                    let person = try String.fetchOne(
                        db,
                        sql: """
                            SELECT person FROM password_link
                            WHERE token_sha256 = ? AND used_millis IS NULL AND expires_millis > ?
                            """, arguments: [Secret.sha256(token), nowMillis])
                else { return nil }
                try db.execute(
                    sql: "UPDATE password_link SET used_millis = ? WHERE token_sha256 = ?",
                    arguments: [nowMillis, Secret.sha256(token)])
                try db.execute(
                    sql: "UPDATE person SET password_hash = ? WHERE name = ?", arguments: [passwordHash, person])
                try db.execute(
                    sql: "UPDATE session SET ended_millis = ? WHERE person = ? AND ended_millis IS NULL",
                    arguments: [nowMillis, person])
                try Self.audit(
                    db, PeopleAudit.passwordLinkRedeemed(person), actor: person, address: address, nowMillis: nowMillis)
                return person
            }
        }
    }

    /// The key the login form's CSRF tokens are signed with (made by the migration, never leaves the database).
    func formSigningKey() throws(HubError) -> String {
        try storage {
            try writer.read { db in
                guard let key = try String.fetchOne(db, sql: "SELECT value FROM hub_secret WHERE name = 'form-signing'")
                else { throw HubError.storage("the form-signing key is missing") }
                return key
            }
        }
    }
}
