import Hummingbird
import Mustache

/// A person's own API tokens (`/account/tokens`) and, for administrators, the audit log (`/admin/audit`).
/// Creating and revoking need a browser session and its CSRF token: an API token cannot mint another.
struct AccountController: Sendable {
    typealias Context = HubRequestContext
    let access: Access
    let templates: MustacheLibrary

    struct NewTokenForm: Decodable {
        var name: String?
        var days: Int?
        var csrf: String?
    }

    struct CSRFForm: Decodable {
        var csrf: String?
    }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("account/tokens", use: tokens)
        router.post("account/tokens", use: createToken)
        router.post("account/tokens/{id}/revoke", use: revokeToken)
    }

    func addAdministratorRoutes(to router: some RouterMethods<Context>) {
        router.get("admin/audit", use: audit)
    }

    @Sendable func tokens(_ request: Request, context: Context) async throws -> Response {
        let identity = try requireTokenOwner(context)
        return try await page(identity)
    }

    func page(_ identity: Identity, newToken: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        try templates.page(
            TokensPage(
                identity: identity, tokens: try await access.store.apiTokens(of: identity.name),
                nowMillis: access.clock.nowMillis(), newToken: newToken),
            template: "tokens", status: status)
    }

    @Sendable func createToken(_ request: Request, context: Context) async throws -> Response {
        let identity = try requireTokenOwner(context)
        let form = try await request.decode(as: NewTokenForm.self, context: context)
        try checkCSRF(form.csrf, identity)
        let days = Int64(min(max(form.days ?? 90, 1), 365))
        let now = access.clock.nowMillis()
        let created = try await access.store.createAPIToken(
            for: identity.name, name: form.name ?? "", expiresMillis: now + days * 86_400_000, by: identity.name,
            address: context.remoteAddress, nowMillis: now)
        return try await page(identity, newToken: created.token, status: .created)
    }

    @Sendable func revokeToken(_ request: Request, context: Context) async throws -> Response {
        let identity = try requireTokenOwner(context)
        let form = try await request.decode(as: CSRFForm.self, context: context)
        try checkCSRF(form.csrf, identity)
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw HTTPError(.notFound, message: "no such token")
        }
        try await access.store.revokeAPIToken(
            id, owner: identity.name, by: identity.name, address: context.remoteAddress,
            nowMillis: access.clock.nowMillis())
        return Response(status: .seeOther, headers: [.location: "/account/tokens", .cacheControl: "no-store"])
    }

    @Sendable func audit(_ request: Request, context: Context) async throws -> Response {
        guard let identity = context.identity, identity.role == .administrator else {
            throw HTTPError(.forbidden, message: "only administrators may read the audit log")
        }
        return try templates.page(
            AuditPage(identity: identity, entries: try await access.store.auditEntries(limit: 200)), template: "audit")
    }

    func requireTokenOwner(_ context: Context) throws -> Identity {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        guard identity.role.mayCreateTokens else {
            throw HTTPError(.forbidden, message: "viewers cannot have API tokens")
        }
        return identity
    }

    /// A form that changes anything must come from a page of this session: its token must match.
    func checkCSRF(_ sent: String?, _ identity: Identity) throws {
        guard let expected = identity.csrf else {
            throw HTTPError(.forbidden, message: "sign in with a browser to change tokens; an API token cannot")
        }
        guard let sent, Secret.equal(sent, expected) else {
            throw HTTPError(
                .forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again")
        }
    }
}
