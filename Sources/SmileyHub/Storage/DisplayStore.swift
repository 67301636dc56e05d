import Foundation
import SmileyCore

/// A lobby display's link as the administrator lists it (never the token itself).
public struct DisplayTokenSummary: Sendable, Hashable {
    public var id: Int64
    public var centre: CentreID
    public var label: String
    public var createdBy: String
    public var createdMillis: Int64
    public var revokedMillis: Int64?
}

/// What a display token opens.
public enum DisplayAccess: Sendable, Hashable {
    case centre(CentreID)
    /// The token existed and was revoked: the screen says so instead of showing figures.
    case revoked
    case unknown
}

/// The lobby screens' display tokens, as `smiley-hub display` and the public `/display/{token}` routes use
/// them. Both backends hold them: `HubDatabase` (SQLite) and `PostgresPressStore` (PostgreSQL); a token is
/// kept only as its SHA-256, each change is one transaction with its audit line (`DisplayRules`), and
/// nothing is cached in a process, so a token revoked through one hub is refused by every hub at its next
/// request.
public protocol DisplayStore: Sendable {
    /// Creates a display token for a centre's lobby screen; returns it once, with its id. An unknown centre
    /// or a bad label is refused by name, and nothing is stored.
    func createDisplayToken(centre: CentreID, label: String, by person: String, nowMillis: Int64)
        async throws(HubError) -> (id: Int64, token: String)
    /// Display tokens, of one centre or all, oldest first.
    func displayTokens(centre: CentreID?) async throws(HubError) -> [DisplayTokenSummary]
    /// Revokes a display token: its screen answers "switched off" from the next request on. An unknown or
    /// already revoked token is refused and nothing changes.
    func revokeDisplayToken(_ id: Int64, by person: String, nowMillis: Int64) async throws(HubError)
    /// The centre a display token opens, by the token's hash.
    func displayAccess(token: String) async throws(HubError) -> DisplayAccess
}

/// The decisions both backends make alike about display tokens: the label, the token's shape, the refusals
/// and the audit lines' words.
enum DisplayRules {
    static let tokenPrefix = "display_"

    /// The label as stored (trimmed), or a refusal naming what is wrong with it.
    static func label(_ text: String) throws(HubError) -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard name.count <= 80, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalid("a display's label has at most 80 characters and no control characters") }
        return name
    }

    static func newToken() -> String { Secret.random(prefix: tokenPrefix, bytes: 24) }

    /// Whether `token` could be one at all (else it is unknown without asking the database).
    static func isWellFormed(_ token: String) -> Bool { token.hasPrefix(tokenPrefix) && token.count <= 100 }

    static func unknownCentre(_ centre: CentreID) -> HubError { .notFound("unknown centre '\(centre)'") }

    static func notRevocable(_ id: Int64) -> HubError { .notFound("no display token #\(id), or it is already revoked") }

    static func created(_ id: Int64, centre: CentreID, label: String) -> PeopleAudit.Line {
        PeopleAudit.Line(action: "display token created", detail: "\(centre) #\(id) \(label)")
    }

    static func revoked(_ id: Int64) -> PeopleAudit.Line {
        PeopleAudit.Line(action: "display token revoked", detail: "#\(id)")
    }
}
