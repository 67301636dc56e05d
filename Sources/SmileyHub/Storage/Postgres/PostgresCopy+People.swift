import GRDB
import Logging
import PostgresNIO

/// The people's side of `smiley-hub migrate`: groups, people (password hashes, TOTP secrets, e-mail), their
/// scope grants, password links, sessions, API tokens and the audit log. Same rules as the devices: what the
/// target already holds under the same key must agree (a NULL there is filled in), else the copy is refused
/// naming the key; a rerun inserts nothing.
extension PostgresCopy {
    /// Centre groups, inserted before the centres that name them.
    static func copyGroups(
        _ people: SourcePeople, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        guard !people.groups.isEmpty else { return }
        outcome.groups += try await connection.query(
            """
            INSERT INTO centre_group (name) SELECT name FROM unnest(\(people.groups)::text[]) AS g(name)
            ORDER BY name ON CONFLICT DO NOTHING RETURNING name
            """, logger: logger
        ).collect().count
    }

    /// The hub's keys (`hub_secret`): a name PostgreSQL lacks is copied, so that a sign-in form opened on the
    /// SQLite hub is accepted by the PostgreSQL hubs. A name PostgreSQL already holds with another value (a
    /// PostgreSQL hub made its own key before the copy) keeps PostgreSQL's, which its hubs' forms already
    /// carry, and is named in `secretsKept`. A rerun copies nothing.
    static func copySecrets(
        _ secrets: [(name: String, value: String)], _ connection: PostgresConnection, _ logger: Logger,
        _ outcome: inout Outcome
    ) async throws {
        for secret in secrets {
            outcome.secrets += try await connection.query(
                """
                INSERT INTO hub_secret (name, value) VALUES (\(secret.name), \(secret.value))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).collect().count
            for try await held in try await connection.query(
                "SELECT value FROM hub_secret WHERE name = \(secret.name)", logger: logger
            ).decode(String.self) where held != secret.value {
                outcome.secretsKept.append(secret.name)
            }
        }
    }

    static func copyPeople(
        _ people: SourcePeople, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        for person in people.people {
            try await copyPerson(person, connection, logger, &outcome)
        }
        for scope in people.scopes {
            outcome.scopes += try await connection.query(
                """
                INSERT INTO person_scope (person, kind, target) VALUES (\(scope.person), \(scope.kind), \(scope.target))
                ON CONFLICT DO NOTHING RETURNING person
                """, logger: logger
            ).collect().count
        }
        for link in people.links {
            try await copyLink(link, connection, logger, &outcome)
        }
        try await copySessions(people.sessions, connection, logger, &outcome)
        try await copySecrets(people.secrets, connection, logger, &outcome)
        for token in people.tokens {
            try await copyToken(token, connection, logger, &outcome)
        }
        if !people.tokens.isEmpty {
            // Ids are kept (`token revoke ID`): the identity goes on after the highest one held, never back.
            try await connection.query(
                """
                SELECT setval(s.name, GREATEST((SELECT MAX(id) FROM api_token), COALESCE(pg_sequence_last_value(s.name), 1)))
                FROM (SELECT pg_get_serial_sequence('api_token', 'id')::regclass AS name) s
                """, logger: logger)
        }
        try await copyAudit(people.audit, connection, logger, &outcome)
    }

    static func copyPerson(
        _ person: SourcePeople.Person, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO person (name, role, password_hash, totp_secret, created_millis, email)
            VALUES (\(person.name), \(person.role), \(person.passwordHash), \(person.totpSecret), \(person.created),
                \(person.email))
            ON CONFLICT (name) DO NOTHING RETURNING name
            """, logger: logger
        ).collect()
        guard inserted.isEmpty else {
            outcome.people += 1
            return
        }
        for try await (role, hash, totp, email) in try await connection.query(
            "SELECT role, password_hash, totp_secret, email FROM person WHERE name = \(person.name) FOR UPDATE",
            logger: logger
        ).decode((String, String?, String?, String?).self) {
            // Secrets are compared, never printed.
            func differs(_ held: String?, _ own: String?) -> Bool {
                if let held, let own { return held != own }
                return false
            }
            guard role == person.role else {
                throw HubError.conflict(
                    "user '\(person.name)' differs: PostgreSQL holds role \(role), SQLite \(person.role)")
            }
            if differs(hash, person.passwordHash) {
                throw HubError.conflict("user '\(person.name)' differs: PostgreSQL holds another password hash")
            }
            if differs(totp, person.totpSecret) {
                throw HubError.conflict("user '\(person.name)' differs: PostgreSQL holds another TOTP secret")
            }
            if differs(email, person.email) {
                throw HubError.conflict(
                    "user '\(person.name)' differs: PostgreSQL holds e-mail \(email ?? ""), SQLite \(person.email ?? "")"
                )
            }
        }
        try await connection.query(
            """
            UPDATE person SET password_hash = COALESCE(password_hash, \(person.passwordHash)),
                totp_secret = COALESCE(totp_secret, \(person.totpSecret)), email = COALESCE(email, \(person.email)),
                created_millis = LEAST(created_millis, \(person.created))
            WHERE name = \(person.name)
            """, logger: logger)
    }

    static func copyLink(
        _ link: SourcePeople.Link, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO password_link (token_sha256, person, created_millis, expires_millis, used_millis)
            VALUES (\(link.sha256), \(link.person), \(link.created), \(link.expires), \(link.used))
            ON CONFLICT (token_sha256) DO NOTHING RETURNING person
            """, logger: logger
        ).collect()
        guard inserted.isEmpty else {
            outcome.passwordLinks += 1
            return
        }
        for try await (person, expires) in try await connection.query(
            "SELECT person, expires_millis FROM password_link WHERE token_sha256 = \(link.sha256)", logger: logger
        ).decode((String, Int64).self) where person != link.person || expires != link.expires {
            throw HubError.conflict(
                "the password link of '\(link.person)' made at \(link.created) differs: PostgreSQL holds one with the same hash for '\(person)' expiring at \(expires)"
            )
        }
        // A link spent on either side stays spent.
        try await connection.query(
            """
            UPDATE password_link SET used_millis = COALESCE(used_millis, \(link.used)) WHERE token_sha256 = \(link.sha256)
            """, logger: logger)
    }

    /// Sessions in bulk (a hub keeps every one it opened): inserted where new, compared where held; an end on
    /// either side stays, the later use wins.
    static func copySessions(
        _ sessions: [SourcePeople.Session], _ connection: PostgresConnection, _ logger: Logger,
        _ outcome: inout Outcome
    ) async throws {
        var start = 0
        while start < sessions.count {
            let chunk = Array(sessions[start..<min(start + chunkSize, sessions.count)])
            start += chunkSize
            var inserted: Set<String> = []
            for try await hash in try await connection.query(
                """
                INSERT INTO session (id_sha256, person, csrf, created_millis, last_seen_millis, ended_millis)
                SELECT s.id, s.person, s.csrf, s.created, s.last_seen, CASE WHEN s.ended THEN s.ended_at END
                FROM unnest(\(chunk.map(\.sha256))::text[], \(chunk.map(\.person))::text[],
                    \(chunk.map(\.csrf))::text[], \(chunk.map(\.created))::bigint[], \(chunk.map(\.lastSeen))::bigint[],
                    \(chunk.map { $0.ended != nil })::boolean[], \(chunk.map { $0.ended ?? 0 })::bigint[])
                    AS s(id, person, csrf, created, last_seen, ended, ended_at)
                ORDER BY s.id
                ON CONFLICT (id_sha256) DO NOTHING RETURNING id_sha256
                """, logger: logger
            ).decode(String.self) {
                inserted.insert(hash)
            }
            outcome.sessions += inserted.count
            let held = chunk.filter { !inserted.contains($0.sha256) }
            guard !held.isEmpty else { continue }
            let byHash = Dictionary(held.map { ($0.sha256, $0) }, uniquingKeysWith: { first, _ in first })
            for try await (hash, person, csrf) in try await connection.query(
                """
                SELECT id_sha256, person, csrf FROM session WHERE id_sha256 = ANY (\(held.map(\.sha256))::text[])
                ORDER BY id_sha256 FOR UPDATE
                """, logger: logger
            ).decode((String, String, String).self) {
                guard let own = byHash[hash] else { continue }
                guard person == own.person, csrf == own.csrf else {
                    throw HubError.conflict(
                        "a session of '\(own.person)' opened at \(own.created) differs: PostgreSQL holds the same session id for '\(person)' or with another CSRF token"
                    )
                }
            }
            try await connection.query(
                """
                UPDATE session SET last_seen_millis = GREATEST(session.last_seen_millis, s.last_seen),
                    ended_millis = COALESCE(session.ended_millis, CASE WHEN s.ended THEN s.ended_at END)
                FROM unnest(\(held.map(\.sha256))::text[], \(held.map(\.lastSeen))::bigint[],
                    \(held.map { $0.ended != nil })::boolean[], \(held.map { $0.ended ?? 0 })::bigint[])
                    AS s(id, last_seen, ended, ended_at)
                WHERE session.id_sha256 = s.id
                """, logger: logger)
        }
    }

    static func copyToken(
        _ token: SourcePeople.Token, _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO api_token (id, person, name, token_sha256, created_millis, expires_millis, revoked_millis,
                last_used_millis)
            OVERRIDING SYSTEM VALUE
            VALUES (\(token.id), \(token.person), \(token.name), \(token.sha256), \(token.created), \(token.expires),
                \(token.revoked), \(token.lastUsed))
            ON CONFLICT DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        guard inserted.isEmpty else {
            outcome.apiTokens += 1
            return
        }
        var same = false
        for try await (id, person, name, hash, expires) in try await connection.query(
            """
            SELECT id, person, name, token_sha256, expires_millis FROM api_token
            WHERE id = \(token.id) OR token_sha256 = \(token.sha256) ORDER BY id FOR UPDATE
            """, logger: logger
        ).decode((Int64, String, String, String, Int64?).self) {
            guard id == token.id, hash == token.sha256 else {
                throw HubError.conflict(
                    id == token.id
                        ? "API token \(token.id) ('\(token.name)' of '\(token.person)') differs: PostgreSQL holds another token under that id ('\(name)' of '\(person)')"
                        : "API token \(token.id) ('\(token.name)' of '\(token.person)') differs: PostgreSQL holds the same token under id \(id)"
                )
            }
            guard person == token.person, name == token.name, expires == token.expires else {
                throw HubError.conflict(
                    "API token \(token.id) differs: PostgreSQL holds it as '\(name)' of '\(person)' expiring at \(expires.map(String.init) ?? "never"); SQLite as '\(token.name)' of '\(token.person)' expiring at \(token.expires.map(String.init) ?? "never")"
                )
            }
            same = true
        }
        guard same else { throw HubError.storage("API token \(token.id) was neither inserted nor found") }
        // A revocation on either side stays; the later use wins.
        try await connection.query(
            """
            UPDATE api_token SET revoked_millis = COALESCE(revoked_millis, \(token.revoked)),
                last_used_millis = GREATEST(last_used_millis, \(token.lastUsed))
            WHERE id = \(token.id)
            """, logger: logger)
    }

    /// The audit log has no key but its content: each SQLite line the target does not hold yet (as many times
    /// as SQLite holds it) is appended, in SQLite's order. Lines are never refused: a log only grows.
    static func copyAudit(
        _ lines: [SourcePeople.AuditLine], _ connection: PostgresConnection, _ logger: Logger,
        _ outcome: inout Outcome
    ) async throws {
        guard !lines.isEmpty else { return }
        var held: [SourcePeople.AuditLine: Int] = [:]
        for try await (at, actor, action, detail, address) in try await connection.query(
            "SELECT at_millis, actor, action, detail, address FROM audit", logger: logger
        ).decode((Int64, String, String, String, String?).self) {
            held[
                SourcePeople.AuditLine(at: at, actor: actor, action: action, detail: detail, address: address),
                default: 0] += 1
        }
        var missing: [SourcePeople.AuditLine] = []
        for line in lines {
            if let count = held[line], count > 0 {
                held[line] = count - 1
            } else {
                missing.append(line)
            }
        }
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(start + chunkSize, missing.count)])
            start += chunkSize
            outcome.auditLines += try await connection.query(
                """
                INSERT INTO audit (at_millis, actor, action, detail, address)
                SELECT a.at, a.actor, a.action, a.detail, CASE WHEN a.has_address THEN a.address END
                FROM unnest(\(chunk.map(\.at))::bigint[], \(chunk.map(\.actor))::text[], \(chunk.map(\.action))::text[],
                    \(chunk.map(\.detail))::text[], \(chunk.map { $0.address != nil })::boolean[],
                    \(chunk.map { $0.address ?? "" })::text[]) WITH ORDINALITY
                    AS a(at, actor, action, detail, has_address, address, position)
                ORDER BY a.position
                RETURNING id
                """, logger: logger
            ).collect().count
        }
    }
}

// MARK: What is read from SQLite

struct SourcePeople: Sendable {
    struct Person: Sendable {
        var name: String
        var role: String
        var passwordHash: String?
        var totpSecret: String?
        var created: Int64
        var email: String?
    }
    struct Scope: Sendable {
        var person: String
        var kind: String
        var target: String
    }
    struct Link: Sendable {
        var sha256: String
        var person: String
        var created: Int64
        var expires: Int64
        var used: Int64?
    }
    struct Session: Sendable {
        var sha256: String
        var person: String
        var csrf: String
        var created: Int64
        var lastSeen: Int64
        var ended: Int64?
    }
    struct Token: Sendable {
        var id: Int64
        var person: String
        var name: String
        var sha256: String
        var created: Int64
        var expires: Int64?
        var revoked: Int64?
        var lastUsed: Int64?
    }
    struct AuditLine: Sendable, Hashable {
        var at: Int64
        var actor: String
        var action: String
        var detail: String
        var address: String?
    }

    var groups: [String] = []
    var people: [Person] = []
    var scopes: [Scope] = []
    var links: [Link] = []
    var sessions: [Session] = []
    var tokens: [Token] = []
    var audit: [AuditLine] = []
    /// `hub_secret`: the keys the hub signs with (the sign-in forms' key), by name.
    var secrets: [(name: String, value: String)] = []

    /// Everything of the people's side, in key order (the audit log in its own order).
    static func read(_ db: Database) throws -> SourcePeople {
        var source = SourcePeople()
        source.groups = try String.fetchAll(db, sql: "SELECT name FROM centre_group ORDER BY name")
        source.people = try Row.fetchAll(
            db,
            sql: "SELECT name, role, password_hash, totp_secret, created_millis, email FROM person ORDER BY name"
        ).map { row in
            Person(
                name: row["name"], role: row["role"], passwordHash: row["password_hash"],
                totpSecret: row["totp_secret"], created: row["created_millis"], email: row["email"])
        }
        source.scopes = try Row.fetchAll(
            db, sql: "SELECT person, kind, target FROM person_scope ORDER BY person, kind, target"
        ).map { row in Scope(person: row["person"], kind: row["kind"], target: row["target"]) }
        source.links = try Row.fetchAll(
            db,
            sql: """
                SELECT token_sha256, person, created_millis, expires_millis, used_millis FROM password_link
                ORDER BY token_sha256
                """
        ).map { row in
            Link(
                sha256: row["token_sha256"], person: row["person"], created: row["created_millis"],
                expires: row["expires_millis"], used: row["used_millis"])
        }
        source.sessions = try Row.fetchAll(
            db,
            sql: """
                SELECT id_sha256, person, csrf, created_millis, last_seen_millis, ended_millis FROM session
                ORDER BY id_sha256
                """
        ).map { row in
            Session(
                sha256: row["id_sha256"], person: row["person"], csrf: row["csrf"], created: row["created_millis"],
                lastSeen: row["last_seen_millis"], ended: row["ended_millis"])
        }
        source.tokens = try Row.fetchAll(
            db,
            sql: """
                SELECT id, person, name, token_sha256, created_millis, expires_millis, revoked_millis, last_used_millis
                FROM api_token ORDER BY id
                """
        ).map { row in
            Token(
                id: row["id"], person: row["person"], name: row["name"], sha256: row["token_sha256"],
                created: row["created_millis"], expires: row["expires_millis"], revoked: row["revoked_millis"],
                lastUsed: row["last_used_millis"])
        }
        source.audit = try Row.fetchAll(
            db, sql: "SELECT at_millis, actor, action, detail, address FROM audit ORDER BY id"
        ).map { row in
            AuditLine(
                at: row["at_millis"], actor: row["actor"], action: row["action"], detail: row["detail"],
                address: row["address"])
        }
        source.secrets = try Row.fetchAll(db, sql: "SELECT name, value FROM hub_secret ORDER BY name").map { row in
            (name: row["name"], value: row["value"])
        }
        return source
    }
}
