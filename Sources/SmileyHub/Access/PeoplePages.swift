import Foundation

/// The page header's account part: name, role, links and the sign-out form (with the session's CSRF token).
/// Field names are unique to this struct: Mustache looks a missing value up in the enclosing page.
struct AccountBar: Sendable {
    let accountName: String
    let accountRole: String
    let accountCSRF: String?
    let accountAdmin: Bool
    let accountTokens: Bool

    init?(_ identity: Identity?) {
        guard let identity else { return nil }
        accountName = identity.name
        accountRole = identity.role.rawValue
        accountCSRF = identity.csrf
        accountAdmin = identity.role == .administrator
        accountTokens = identity.role.mayCreateTokens
    }
}

struct LoginPage: Sendable {
    let title = "Sign in"
    let formToken: String
    let username: String
    let problem: String?
}

struct SecondStepPage: Sendable {
    let title = "Sign in: your code"
    let formToken: String
    let problem: String?
}

struct SetPasswordPage: Sendable {
    let title = "Set your password"
    let formToken: String
    let linkToken: String
    let problem: String?
    let minimumLength = AccessSettings.minimumPasswordLength
}

struct MessagePage: Sendable {
    let title: String
    let message: String
    let linkHref: String
    let linkText: String
}

struct TokensPage: Sendable {
    struct Row: Sendable {
        let tokenID: Int64
        let tokenName: String
        let created: String
        let expires: String
        let lastUsed: String
        let state: String
        let revocable: Bool
    }

    let title = "API tokens"
    var account: AccountBar?
    let rows: [Row]
    let hasTokens: Bool
    /// The token just created, shown this once.
    let newToken: String?
    /// The session's CSRF token; nil when the page was opened with an API token (no forms then).
    let formCSRF: String?
    let problem: String?

    init(
        identity: Identity, tokens: [APITokenSummary], nowMillis: Int64, newToken: String? = nil, problem: String? = nil
    ) {
        account = AccountBar(identity)
        rows = tokens.map { token in
            let state =
                token.revokedMillis != nil
                ? "revoked" : (token.expiresMillis.map { $0 <= nowMillis } ?? false) ? "expired" : "valid"
            return Row(
                tokenID: token.id, tokenName: token.name, created: HubDatabase.utc(token.createdMillis),
                expires: token.expiresMillis.map(HubDatabase.utc) ?? "never",
                lastUsed: token.lastUsedMillis.map(HubDatabase.utc) ?? "never", state: state,
                revocable: state == "valid")
        }
        hasTokens = !tokens.isEmpty
        self.newToken = newToken
        formCSRF = identity.csrf
        self.problem = problem
    }
}

struct AuditPage: Sendable {
    struct Row: Sendable {
        let when: String
        let actor: String
        let action: String
        let detail: String
        let auditAddress: String
    }

    let title = "Audit log"
    var account: AccountBar?
    let entries: [Row]

    init(identity: Identity, entries: [AuditEntry]) {
        account = AccountBar(identity)
        self.entries = entries.map {
            Row(
                when: HubDatabase.utc($0.atMillis), actor: $0.actor, action: $0.action, detail: $0.detail,
                auditAddress: $0.address ?? "")
        }
    }
}
