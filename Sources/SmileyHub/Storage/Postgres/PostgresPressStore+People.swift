import Foundation
import Logging
import PostgresNIO
import SmileyCore

/// The people's side on PostgreSQL (schema step `pg-4`): the same decisions as `HubDatabase`'s
/// (`PeopleRules`, `PeopleAudit`), each change in one transaction with its audit line. Nothing is cached:
/// every hub process reads sessions and tokens from the database on each request.
extension PostgresPressStore: PeopleStore, SignInStore {
    // MARK: People

    public func addPerson(
        _ name: String, role: Role, grants: [ScopeGrant], passwordHash: String?, by actor: String, nowMillis: Int64
    ) async throws(HubError) {
        try PeopleRules.checkName(name, of: "user")
        try await transaction { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO person (name, role, password_hash, created_millis)
                VALUES (\(name), \(role.rawValue), \(passwordHash), \(nowMillis))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw HubError.conflict("user '\(name)' already exists") }
            try await insertGrants(connection, grants, person: name)
            try await audit(
                connection, PeopleAudit.userAdd(name, role: role, grants: grants), actor: actor, nowMillis: nowMillis)
        }
    }

    func insertGrants(_ connection: PostgresConnection, _ grants: [ScopeGrant], person: String) async throws {
        for grant in grants {
            switch grant {
            case .centre(let centre):
                let found = try await connection.query(
                    "SELECT 1 FROM centre WHERE id = \(centre.rawValue) FOR SHARE", logger: logger
                ).collect()
                guard !found.isEmpty else { throw HubError.notFound("unknown centre '\(centre)'") }
            case .group(let group):
                let found = try await connection.query(
                    "SELECT 1 FROM centre_group WHERE name = \(group) FOR SHARE", logger: logger
                ).collect()
                guard !found.isEmpty else { throw PeopleRules.unknownGroup(group) }
            }
            let (kind, target) = PeopleRules.scopeRow(grant)
            try await connection.query(
                """
                INSERT INTO person_scope (person, kind, target) VALUES (\(person), \(kind), \(target))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// Locks the person's row for the rest of the transaction, or refuses naming them.
    func requirePerson(_ connection: PostgresConnection, _ name: String) async throws {
        let found = try await connection.query(
            "SELECT 1 FROM person WHERE name = \(name) FOR UPDATE", logger: logger
        ).collect()
        guard !found.isEmpty else { throw HubError.notFound("no user '\(name)'") }
    }

    public func people() async throws(HubError) -> [Person] {
        try await read { connection in
            var grants: [String: [ScopeGrant]] = [:]
            for try await (person, kind, target) in try await connection.query(
                "SELECT person, kind, target FROM person_scope ORDER BY person, kind, target", logger: logger
            ).decode((String, String, String).self) {
                if let grant = PeopleRules.grant(kind: kind, target: target) {
                    grants[person, default: []].append(grant)
                }
            }
            var people: [Person] = []
            for try await (name, role, hasPassword, hasTOTP) in try await connection.query(
                """
                SELECT name, role, password_hash IS NOT NULL, totp_secret IS NOT NULL FROM person ORDER BY name
                """, logger: logger
            ).decode((String, String, Bool, Bool).self) {
                people.append(
                    Person(
                        name: name, role: Role(rawValue: role) ?? .viewer, grants: grants[name] ?? [],
                        hasPassword: hasPassword, hasTOTP: hasTOTP))
            }
            return people
        }
    }

    public func grant(_ grants: [ScopeGrant], to name: String, by actor: String, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            try await requirePerson(connection, name)
            try await insertGrants(connection, grants, person: name)
            try await audit(connection, PeopleAudit.userGrant(name, grants), actor: actor, nowMillis: nowMillis)
        }
    }

    public func revoke(_ grants: [ScopeGrant], from name: String, by actor: String, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            try await requirePerson(connection, name)
            for grant in grants {
                let (kind, target) = PeopleRules.scopeRow(grant)
                let deleted = try await connection.query(
                    """
                    DELETE FROM person_scope WHERE person = \(name) AND kind = \(kind) AND target = \(target)
                    RETURNING person
                    """, logger: logger
                ).collect()
                guard deleted.count == 1 else { throw HubError.notFound("user '\(name)' does not have \(grant)") }
            }
            try await audit(connection, PeopleAudit.userRevoke(name, grants), actor: actor, nowMillis: nowMillis)
        }
    }

    public func removePerson(_ name: String, by actor: String, nowMillis: Int64) async throws(HubError) {
        try await transaction { connection in
            try await requirePerson(connection, name)
            try await connection.query("DELETE FROM session WHERE person = \(name)", logger: logger)
            try await connection.query("DELETE FROM api_token WHERE person = \(name)", logger: logger)
            try await connection.query("DELETE FROM password_link WHERE person = \(name)", logger: logger)
            try await connection.query("DELETE FROM person_scope WHERE person = \(name)", logger: logger)
            try await connection.query("DELETE FROM person WHERE name = \(name)", logger: logger)
            try await audit(connection, PeopleAudit.userRemove(name), actor: actor, nowMillis: nowMillis)
        }
    }

    public func setPasswordHash(_ hash: String?, of name: String, by actor: String, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            try await requirePerson(connection, name)
            try await connection.query(
                "UPDATE person SET password_hash = \(hash) WHERE name = \(name)", logger: logger)
            try await endSessions(connection, of: name, nowMillis: nowMillis)
            try await audit(connection, PeopleAudit.passwordHash(hash, of: name), actor: actor, nowMillis: nowMillis)
        }
    }

    public func setTOTPSecret(_ secret: String?, of name: String, by actor: String, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            try await requirePerson(connection, name)
            try await connection.query("UPDATE person SET totp_secret = \(secret) WHERE name = \(name)", logger: logger)
            try await audit(connection, PeopleAudit.totp(secret, of: name), actor: actor, nowMillis: nowMillis)
        }
    }

    public func setEmail(_ address: String?, of name: String, by actor: String, nowMillis: Int64)
        async throws(HubError)
    {
        try PeopleAudit.checkEmail(address)
        try await transaction { connection in
            let updated = try await connection.query(
                "UPDATE person SET email = \(address) WHERE name = \(name) RETURNING name", logger: logger
            ).collect()
            guard !updated.isEmpty else { throw HubError.notFound("no person named '\(name)'") }
            try await audit(connection, PeopleAudit.email(address, of: name), actor: actor, nowMillis: nowMillis)
        }
    }

    func endSessions(_ connection: PostgresConnection, of person: String, nowMillis: Int64) async throws {
        try await connection.query(
            "UPDATE session SET ended_millis = \(nowMillis) WHERE person = \(person) AND ended_millis IS NULL",
            logger: logger)
    }

    func credentials(of name: String) async throws(HubError) -> Credentials? {
        try await read { connection in
            var found: Credentials?
            for try await (name, role, hash, secret) in try await connection.query(
                "SELECT name, role, password_hash, totp_secret FROM person WHERE name = \(name)", logger: logger
            ).decode((String, String, String?, String?).self) {
                found = Credentials(
                    name: name, role: Role(rawValue: role) ?? .viewer, passwordHash: hash, totpSecret: secret)
            }
            return found
        }
    }

    public func readScope(of name: String) async throws(HubError) -> ReadScope {
        try await read { connection in
            var role: String?
            for try await value in try await connection.query(
                "SELECT role FROM person WHERE name = \(name)", logger: logger
            ).decode(String.self) {
                role = value
            }
            guard let role else { return ReadScope.centres([]) }
            if role == Role.administrator.rawValue { return ReadScope.everything }
            var ids: Set<CentreID> = []
            for try await id in try await connection.query(
                """
                SELECT target FROM person_scope WHERE person = \(name) AND kind = 'centre'
                UNION
                SELECT c.id FROM centre c JOIN person_scope s ON s.kind = 'group' AND s.target = c.group_name
                WHERE s.person = \(name)
                """, logger: logger
            ).decode(String.self) {
                if let id = CentreID(rawValue: id) { ids.insert(id) }
            }
            return ReadScope.centres(ids)
        }
    }

    // MARK: Groups of centres

    public func addGroup(_ name: String, by actor: String, nowMillis: Int64) async throws(HubError) {
        try PeopleRules.checkName(name, of: "group")
        try await transaction { connection in
            let inserted = try await connection.query(
                "INSERT INTO centre_group (name) VALUES (\(name)) ON CONFLICT (name) DO NOTHING RETURNING name",
                logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw HubError.conflict("group '\(name)' already exists") }
            try await audit(connection, PeopleAudit.groupAdd(name), actor: actor, nowMillis: nowMillis)
        }
    }

    public func groups() async throws(HubError) -> [CentreGroup] {
        try await read { connection in
            var groups: [CentreGroup] = []
            for try await name in try await connection.query(
                "SELECT name FROM centre_group ORDER BY name", logger: logger
            ).decode(String.self) {
                groups.append(CentreGroup(name: name, centres: []))
            }
            for try await (id, group) in try await connection.query(
                "SELECT id, group_name FROM centre WHERE group_name IS NOT NULL ORDER BY id", logger: logger
            ).decode((String, String).self) {
                if let index = groups.firstIndex(where: { $0.name == group }), let id = CentreID(rawValue: id) {
                    groups[index].centres.append(id)
                }
            }
            return groups
        }
    }

    public func setGroup(_ group: String?, centre: CentreID, by actor: String, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            if let group {
                let found = try await connection.query(
                    "SELECT 1 FROM centre_group WHERE name = \(group) FOR SHARE", logger: logger
                ).collect()
                guard !found.isEmpty else { throw PeopleRules.unknownGroup(group) }
            }
            let updated = try await connection.query(
                "UPDATE centre SET group_name = \(group) WHERE id = \(centre.rawValue) RETURNING id", logger: logger
            ).collect()
            guard updated.count == 1 else { throw HubError.notFound("unknown centre '\(centre)'") }
            try await audit(
                connection, PeopleAudit.centreGroup(centre, group: group), actor: actor, nowMillis: nowMillis)
        }
    }

    // MARK: One-time password links

    public func issuePasswordLink(for name: String, expiresMillis: Int64, by actor: String, nowMillis: Int64)
        async throws(HubError) -> String
    {
        let token = Secret.random()
        try await transaction { connection in
            try await requirePerson(connection, name)
            try await connection.query(
                "UPDATE password_link SET used_millis = \(nowMillis) WHERE person = \(name) AND used_millis IS NULL",
                logger: logger)
            try await connection.query(
                """
                INSERT INTO password_link (token_sha256, person, created_millis, expires_millis)
                VALUES (\(Secret.sha256(token)), \(name), \(nowMillis), \(expiresMillis))
                """, logger: logger)
            try await audit(connection, PeopleAudit.passwordLink(name), actor: actor, nowMillis: nowMillis)
        }
        return token
    }

    func passwordLinkPerson(_ token: String, nowMillis: Int64) async throws(HubError) -> String? {
        try await read { connection in
            var person: String?
            for try await name in try await connection.query(
                """
                SELECT person FROM password_link
                WHERE token_sha256 = \(Secret.sha256(token)) AND used_millis IS NULL AND expires_millis > \(nowMillis)
                """, logger: logger
            ).decode(String.self) {
                person = name
            }
            return person
        }
    }

    /// Takes the link with one statement, never a read then a write: of two hubs redeeming it at the same
    /// moment, the second's UPDATE waits for the first's row lock, re-reads the row, finds it used and takes
    /// nothing.
    func redeemPasswordLink(_ token: String, passwordHash: String, address: String?, nowMillis: Int64)
        async throws(HubError) -> String?
    {
        try await transaction { connection in
            var taken: String?
            for try await person in try await connection.query(
                """
                UPDATE password_link SET used_millis = \(nowMillis)
                WHERE token_sha256 = \(Secret.sha256(token)) AND used_millis IS NULL AND expires_millis > \(nowMillis)
                RETURNING person
                """, logger: logger
            ).decode(String.self) {
                taken = person
            }
            guard let person = taken else { return nil }
            try await connection.query(
                "UPDATE person SET password_hash = \(passwordHash) WHERE name = \(person)", logger: logger)
            try await endSessions(connection, of: person, nowMillis: nowMillis)
            try await audit(
                connection, PeopleAudit.passwordLinkRedeemed(person), actor: person, address: address,
                nowMillis: nowMillis)
            return person
        }
    }

    /// The sign-in forms' key: made once, by whichever hub asks first (its random bytes, or another hub's
    /// if that one inserted first), then read by every hub.
    func formSigningKey() async throws(HubError) -> String {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO hub_secret (name, value) VALUES ('form-signing', \(Secret.random()))
                ON CONFLICT (name) DO NOTHING
                """, logger: logger)
            var key: String?
            for try await value in try await connection.query(
                "SELECT value FROM hub_secret WHERE name = 'form-signing'", logger: logger
            ).decode(String.self) {
                key = value
            }
            guard let key else { throw HubError.storage("the form-signing key is missing") }
            return key
        }
    }

    // MARK: Sessions

    func startSession(for person: String, address: String?, nowMillis: Int64) async throws(HubError) -> SessionGrant {
        let grant = SessionGrant(cookie: Secret.random(), csrf: Secret.random())
        try await transaction { connection in
            try await requirePerson(connection, person)
            try await connection.query(
                """
                INSERT INTO session (id_sha256, person, csrf, created_millis, last_seen_millis)
                VALUES (\(Secret.sha256(grant.cookie)), \(person), \(grant.csrf), \(nowMillis), \(nowMillis))
                """, logger: logger)
            try await audit(connection, PeopleAudit.login, actor: person, address: address, nowMillis: nowMillis)
        }
        return grant
    }

    /// Read, decided by `PeopleRules.sessionIsLive`, then kept alive by an UPDATE that only touches a
    /// session nobody ended meanwhile: a logout on another hub wins over a use here.
    func liveSession(_ cookie: String, nowMillis: Int64, idleMillis: Int64, absoluteMillis: Int64)
        async throws(HubError) -> (person: String, csrf: String)?
    {
        let hash = Secret.sha256(cookie)
        return try await transaction { connection -> (person: String, csrf: String)? in
            var found: (String, String, Int64, Int64)?
            for try await row in try await connection.query(
                """
                SELECT person, csrf, created_millis, last_seen_millis FROM session
                WHERE id_sha256 = \(hash) AND ended_millis IS NULL
                """, logger: logger
            ).decode((String, String, Int64, Int64).self) {
                found = row
            }
            guard let (person, csrf, created, lastSeen) = found else { return nil }
            guard
                PeopleRules.sessionIsLive(
                    createdMillis: created, lastSeenMillis: lastSeen, nowMillis: nowMillis, idleMillis: idleMillis,
                    absoluteMillis: absoluteMillis)
            else {
                try await connection.query(
                    "UPDATE session SET ended_millis = \(nowMillis) WHERE id_sha256 = \(hash) AND ended_millis IS NULL",
                    logger: logger)
                return nil
            }
            guard PeopleRules.noteUse(lastMillis: lastSeen, nowMillis: nowMillis) else { return (person, csrf) }
            let kept = try await connection.query(
                """
                UPDATE session SET last_seen_millis = \(nowMillis)
                WHERE id_sha256 = \(hash) AND ended_millis IS NULL RETURNING person
                """, logger: logger
            ).collect()
            return kept.isEmpty ? nil : (person, csrf)
        }
    }

    func endSession(_ cookie: String, address: String?, nowMillis: Int64) async throws(HubError) {
        let hash = Secret.sha256(cookie)
        try await transaction { connection in
            var owner: String?
            for try await person in try await connection.query(
                "SELECT person FROM session WHERE id_sha256 = \(hash) FOR UPDATE", logger: logger
            ).decode(String.self) {
                owner = person
            }
            guard let person = owner else { return }
            try await connection.query(
                "UPDATE session SET ended_millis = \(nowMillis) WHERE id_sha256 = \(hash) AND ended_millis IS NULL",
                logger: logger)
            try await audit(connection, PeopleAudit.logout, actor: person, address: address, nowMillis: nowMillis)
        }
    }

    // MARK: Personal API tokens

    public func createAPIToken(
        for person: String, name: String, expiresMillis: Int64?, by actor: String, address: String?, nowMillis: Int64
    ) async throws(HubError) -> (id: Int64, token: String) {
        let token = PeopleRules.newAPIToken()
        let trimmed = try PeopleRules.tokenName(name)
        let id = try await transaction { connection -> Int64 in
            var role: String?
            for try await value in try await connection.query(
                "SELECT role FROM person WHERE name = \(person) FOR SHARE", logger: logger
            ).decode(String.self) {
                role = value
            }
            if let refusal = PeopleRules.tokenRefusal(role: role, person: person) { throw refusal }
            var id: Int64?
            for try await value in try await connection.query(
                """
                INSERT INTO api_token (person, name, token_sha256, created_millis, expires_millis)
                VALUES (\(person), \(trimmed), \(Secret.sha256(token)), \(nowMillis), \(expiresMillis))
                RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                id = value
            }
            guard let id else { throw HubError.storage("the new API token of '\(person)' got no id") }
            try await audit(
                connection, PeopleAudit.tokenCreate(id, name: trimmed, of: person, expiresMillis: expiresMillis),
                actor: actor, address: address, nowMillis: nowMillis)
            return id
        }
        return (id, token)
    }

    public func apiTokens(of person: String?) async throws(HubError) -> [APITokenSummary] {
        try await read { connection in
            var tokens: [APITokenSummary] = []
            for try await row in try await connection.query(
                """
                SELECT id, person, name, created_millis, expires_millis, revoked_millis, last_used_millis
                FROM api_token WHERE \(person)::text IS NULL OR person = \(person) ORDER BY id DESC
                """, logger: logger
            ).decode((Int64, String, String, Int64, Int64?, Int64?, Int64?).self) {
                tokens.append(
                    APITokenSummary(
                        id: row.0, person: row.1, name: row.2, createdMillis: row.3, expiresMillis: row.4,
                        revokedMillis: row.5, lastUsedMillis: row.6))
            }
            return tokens
        }
    }

    public func revokeAPIToken(_ id: Int64, owner: String?, by actor: String, address: String?, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            let revoked = try await connection.query(
                """
                UPDATE api_token SET revoked_millis = \(nowMillis)
                WHERE id = \(id) AND revoked_millis IS NULL AND (\(owner)::text IS NULL OR person = \(owner))
                RETURNING id
                """, logger: logger
            ).collect()
            guard revoked.count == 1 else { throw HubError.notFound("no valid token \(id)") }
            try await audit(
                connection, PeopleAudit.tokenRevoke(id), actor: actor, address: address, nowMillis: nowMillis)
        }
    }

    /// One UPDATE finds a valid token by its hash and notes its use: a token revoked by any hub is refused
    /// by the next request on every hub.
    func apiTokenOwner(_ token: String, nowMillis: Int64) async throws(HubError) -> String? {
        try await transaction { connection in
            var owner: String?
            for try await person in try await connection.query(
                """
                UPDATE api_token SET last_used_millis = CASE
                    WHEN last_used_millis IS NULL OR last_used_millis > \(nowMillis)
                        OR \(nowMillis) - last_used_millis >= \(PeopleRules.useNotingMillis) THEN \(nowMillis)
                    ELSE last_used_millis END
                WHERE token_sha256 = \(Secret.sha256(token)) AND revoked_millis IS NULL
                    AND (expires_millis IS NULL OR expires_millis > \(nowMillis))
                RETURNING person
                """, logger: logger
            ).decode(String.self) {
                owner = person
            }
            return owner
        }
    }

    // MARK: Audit log

    public func audit(actor: String, action: String, detail: String, address: String?, nowMillis: Int64)
        async throws(HubError)
    {
        try await transaction { connection in
            try await audit(
                connection, PeopleAudit.Line(action: action, detail: detail), actor: actor, address: address,
                nowMillis: nowMillis)
        }
    }

    func audit(
        _ connection: PostgresConnection, _ line: PeopleAudit.Line, actor: String, address: String? = nil,
        nowMillis: Int64
    ) async throws {
        try await connection.query(
            """
            INSERT INTO audit (at_millis, actor, action, detail, address)
            VALUES (\(nowMillis), \(actor), \(line.action), \(line.detail), \(address))
            """, logger: logger)
    }

    public func auditEntries(limit: Int) async throws(HubError) -> [AuditEntry] {
        try await read { connection in
            var entries: [AuditEntry] = []
            for try await row in try await connection.query(
                """
                SELECT id, at_millis, actor, action, detail, address FROM audit ORDER BY id DESC LIMIT \(Int64(limit))
                """, logger: logger
            ).decode((Int64, Int64, String, String, String, String?).self) {
                entries.append(
                    AuditEntry(
                        id: row.0, atMillis: row.1, actor: row.2, action: row.3, detail: row.4, address: row.5))
            }
            return entries
        }
    }
}
