import Foundation
import SmileyCore

/// What both people stores (`HubDatabase`, `PostgresPressStore`) decide the same way: names, token
/// names and formats, when a session is still alive, and the audit log's words. Only the SQL differs
/// between the backends; nothing here reads a clock or a database.
enum PeopleRules {
    /// People's and groups' names: lower-case letters, digits, '.', '-' and '_', at most 64.
    static func checkName(_ text: String, of what: String) throws(HubError) {
        guard HubDatabase.validName(text) else {
            throw .invalid(
                "\(what) name '\(text)' is not valid: use lower-case letters, digits, '.', '-' and '_' (at most 64)")
        }
    }

    /// A personal API token: a prefix that says what it is, then 32 random bytes as hex.
    static let apiTokenPrefix = "smiley_pat_"

    static func newAPIToken() -> String { Secret.random(prefix: apiTokenPrefix) }

    /// The name a token is kept under (trimmed), or why it is refused.
    static func tokenName(_ name: String) throws(HubError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100 else {
            throw .invalid("a token needs a name of 1 to 100 characters that says what uses it")
        }
        return trimmed
    }

    /// Why a role may not hold API tokens, or nil when it may.
    static func tokenRefusal(role: String?, person: String) -> HubError? {
        guard let role else { return .notFound("no user '\(person)'") }
        guard Role(rawValue: role)?.mayCreateTokens == true else {
            return .forbidden("viewers cannot have API tokens: make '\(person)' a manager first")
        }
        return nil
    }

    /// How old the noted last use of a session or personal API token may be before a request notes it
    /// again: reading with a session or token then costs a write (on SQLite a durable commit, which waits
    /// its turn behind ingest's) at most once a minute, not on every request.
    static let useNotingMillis: Int64 = 60_000

    /// Whether a request should write its use of a session or token last noted at `lastMillis` (nil:
    /// never); also when the clock went back, so a noted use is never in the future.
    static func noteUse(lastMillis: Int64?, nowMillis: Int64) -> Bool {
        guard let lastMillis else { return true }
        return nowMillis - lastMillis >= useNotingMillis || nowMillis < lastMillis
    }

    /// True while a session is used within `idleMillis` of its last use and `absoluteMillis` of its start.
    static func sessionIsLive(
        createdMillis: Int64, lastSeenMillis: Int64, nowMillis: Int64, idleMillis: Int64, absoluteMillis: Int64
    ) -> Bool {
        nowMillis - lastSeenMillis <= idleMillis && nowMillis - createdMillis <= absoluteMillis
    }

    /// (kind, target) of a scope grant as `person_scope` keeps it.
    static func scopeRow(_ grant: ScopeGrant) -> (kind: String, target: String) {
        switch grant {
        case .centre(let centre): ("centre", centre.rawValue)
        case .group(let group): ("group", group)
        }
    }

    /// A `person_scope` row read back as a grant (nil for a centre id that is not valid).
    static func grant(kind: String, target: String) -> ScopeGrant? {
        kind == "group" ? .group(target) : CentreID(rawValue: target).map { .centre($0) }
    }

    static func unknownGroup(_ group: String) -> HubError {
        .notFound("unknown group '\(group)': add it first with smiley-hub group add")
    }
}

/// The audit log's words for each change to people: one place, so both backends write the same lines.
enum PeopleAudit {
    struct Line: Sendable, Equatable {
        var action: String
        var detail: String
    }

    static func userAdd(_ name: String, role: Role, grants: [ScopeGrant]) -> Line {
        Line(
            action: "user-add",
            detail: "user \(name) as \(role.rawValue)"
                + (grants.isEmpty ? "" : " of \(grants.map(\.description).joined(separator: ", "))"))
    }

    static func userGrant(_ name: String, _ grants: [ScopeGrant]) -> Line {
        Line(action: "user-grant", detail: "user \(name) given \(grants.map(\.description).joined(separator: ", "))")
    }

    static func userRevoke(_ name: String, _ grants: [ScopeGrant]) -> Line {
        Line(
            action: "user-revoke",
            detail: "user \(name) no longer has \(grants.map(\.description).joined(separator: ", "))")
    }

    static func userRemove(_ name: String) -> Line { Line(action: "user-remove", detail: "user \(name)") }

    static func passwordHash(_ hash: String?, of name: String) -> Line {
        Line(action: hash == nil ? "user-reset-password" : "password-set", detail: "user \(name)")
    }

    static func totp(_ secret: String?, of name: String) -> Line {
        Line(action: secret == nil ? "user-totp-off" : "user-totp-on", detail: "user \(name)")
    }

    static func email(_ address: String?, of name: String) -> Line {
        Line(action: "set e-mail", detail: "\(name): \(address ?? "none")")
    }

    /// A person's new e-mail address, checked before it is stored (nil clears it).
    static func checkEmail(_ address: String?) throws(HubError) {
        if let address, !MailAddress.isValid(address) {
            throw .invalid("'\(address)' is not an e-mail address (expected name@domain, no spaces or <>)")
        }
    }

    static func passwordLink(_ name: String) -> Line { Line(action: "password-link", detail: "user \(name)") }

    static func passwordLinkRedeemed(_ name: String) -> Line {
        Line(action: "password-set", detail: "user \(name) through a one-time link")
    }

    static let login = Line(action: "login", detail: "signed in")
    static let logout = Line(action: "logout", detail: "signed out")

    static func tokenCreate(_ id: Int64, name: String, of person: String, expiresMillis: Int64?) -> Line {
        Line(
            action: "token-create",
            detail: "token \(id) '\(name)' of user \(person)"
                + (expiresMillis.map { ", expires \(HubDatabase.utc($0))" } ?? ", never expires"))
    }

    static func tokenRevoke(_ id: Int64) -> Line { Line(action: "token-revoke", detail: "token \(id)") }

    static func groupAdd(_ name: String) -> Line { Line(action: "group-add", detail: "group \(name)") }

    static func centreGroup(_ centre: CentreID, group: String?) -> Line {
        Line(action: "centre-group", detail: "centre \(centre) in \(group.map { "group \($0)" } ?? "no group")")
    }
}
