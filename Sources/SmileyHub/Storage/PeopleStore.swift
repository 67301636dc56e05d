import SmileyCore

/// The people's half of the hub's storage as administrators manage it: people, their roles and scopes,
/// passwords (bcrypt hashes only), second factors, one-time password links, personal API tokens and the
/// audit log.
///
/// Two backends hold it: `HubDatabase` (SQLite) and `PostgresPressStore` (PostgreSQL). Both decide with
/// the same pure pieces (`PeopleRules`, `PeopleAudit`, `Secret`): a secret is kept only as its SHA-256,
/// and nothing is cached in a process, so a revoked token or an ended session is refused by every hub at
/// once. What signing in needs on top (`SignInStore`) stays inside the hub.
public protocol PeopleStore: Sendable {
    /// Adds a person; `passwordHash` is a bcrypt hash, or nil for a person who will set it through a link.
    func addPerson(
        _ name: String, role: Role, grants: [ScopeGrant], passwordHash: String?, by actor: String, nowMillis: Int64
    ) async throws(HubError)
    /// Everyone, by name, with their grants; never a hash or a secret.
    func people() async throws(HubError) -> [Person]
    /// Lets a person see more centres or groups.
    func grant(_ grants: [ScopeGrant], to name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    /// Takes centres or groups out of a person's scope; each must have been granted.
    func revoke(_ grants: [ScopeGrant], from name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    /// Removes a person with their sessions, tokens and links; the audit log keeps their name.
    func removePerson(_ name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    /// Sets a person's password hash (nil forgets it) and ends their sessions.
    func setPasswordHash(_ hash: String?, of name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    /// Sets (or, with nil, removes) a person's TOTP secret.
    func setTOTPSecret(_ secret: String?, of name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    /// The centres a person may read: every centre for administrators, else their centres and their groups' centres.
    /// Sets or clears (nil) a person's e-mail address, where alerts reach a manager; an address that is not
    /// one is refused and nothing changes.
    func setEmail(_ address: String?, of name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    func readScope(of name: String) async throws(HubError) -> ReadScope

    /// Issues a link token that lets the person set a password once before `expiresMillis`; earlier links stop working.
    func issuePasswordLink(for name: String, expiresMillis: Int64, by actor: String, nowMillis: Int64)
        async throws(HubError) -> String

    /// Creates a personal API token (returned once; only its hash is kept).
    func createAPIToken(
        for person: String, name: String, expiresMillis: Int64?, by actor: String, address: String?, nowMillis: Int64
    ) async throws(HubError) -> (id: Int64, token: String)
    /// The tokens of one person (or of everyone), newest first.
    func apiTokens(of person: String?) async throws(HubError) -> [APITokenSummary]
    /// Revokes a token; with `owner`, only one of that person's.
    func revokeAPIToken(_ id: Int64, owner: String?, by actor: String, address: String?, nowMillis: Int64)
        async throws(HubError)

    /// Adds a group of centres (a dzongkhag, a region) that people can be given as a whole.
    func addGroup(_ name: String, by actor: String, nowMillis: Int64) async throws(HubError)
    /// Every group with its centres, by name.
    func groups() async throws(HubError) -> [CentreGroup]
    /// Puts a centre in a group (or, with nil, in none); the people given the group see it from now on.
    func setGroup(_ group: String?, centre: CentreID, by actor: String, nowMillis: Int64) async throws(HubError)

    /// Writes one audit line.
    func audit(actor: String, action: String, detail: String, address: String?, nowMillis: Int64)
        async throws(HubError)
    /// The newest audit lines first.
    func auditEntries(limit: Int) async throws(HubError) -> [AuditEntry]
}

/// What signing in reads and writes, on either backend: a person's credentials, sessions (found by the
/// cookie's hash), the owner of an API token (by its hash), password links redeemed once, and the key
/// the sign-in forms are signed with.
protocol SignInStore: PeopleStore {
    func credentials(of name: String) async throws(HubError) -> Credentials?
    /// Starts a session for a person who just proved who they are.
    func startSession(for person: String, address: String?, nowMillis: Int64) async throws(HubError) -> SessionGrant
    /// The person and CSRF token of a live session, which this use keeps alive; nil when the session is unknown,
    /// ended, idle longer than `idleMillis` or older than `absoluteMillis` (it is ended then).
    func liveSession(_ cookie: String, nowMillis: Int64, idleMillis: Int64, absoluteMillis: Int64)
        async throws(HubError) -> (person: String, csrf: String)?
    /// Ends a session (logout).
    func endSession(_ cookie: String, address: String?, nowMillis: Int64) async throws(HubError)
    /// The owner of a valid personal API token (noting its use), or nil.
    func apiTokenOwner(_ token: String, nowMillis: Int64) async throws(HubError) -> String?
    /// The person a still-valid link belongs to, or nil.
    func passwordLinkPerson(_ token: String, nowMillis: Int64) async throws(HubError) -> String?
    /// Uses a link once: sets the password hash, ends the person's sessions; nil when the link is not valid.
    func redeemPasswordLink(_ token: String, passwordHash: String, address: String?, nowMillis: Int64)
        async throws(HubError) -> String?
    /// The key the sign-in forms' tokens are signed with; never leaves the database and the hub.
    func formSigningKey() async throws(HubError) -> String
}

/// A store for both halves of the hub, as the command line opens it: devices and presses, people, the
/// centres' care, the weekly reports' ledger and the lobby's display tokens.
public typealias HubStore = PeopleStore & PressStore & CentreCareStore & WeeklyReportLedger & DisplayStore

extension HubDatabase: PeopleStore {}
extension HubDatabase: SignInStore {}
