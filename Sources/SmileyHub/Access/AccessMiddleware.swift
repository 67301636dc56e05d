import Hummingbird

/// Fills the context's identity from `Authorization: Bearer <personal API token>` or the session cookie.
/// A bearer token that is not a valid personal token (a device's token, a revoked or expired one) is
/// refused with 401 rather than treated as anonymous.
struct IdentifyMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "),
                let identity = try await access.identify(apiToken: String(header.dropFirst(7)))
            else {
                throw HTTPError(
                    .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                    message: "unknown, expired or revoked API token: create one on /account/tokens")
            }
            context.identity = identity
        } else if let cookie = request.cookies[Access.sessionCookie]?.value, !cookie.isEmpty {
            context.identity = try await access.identify(sessionCookie: cookie)
        }
        return try await next(request, context)
    }
}

/// Lets in only requests with an identity (and, when given, the role): pages send anyone else to the
/// sign-in page (303), the JSON API answers 401.
struct RequireIdentityMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    enum Anonymous { case redirectToLogin, unauthorized }

    let anonymous: Anonymous
    var role: Role? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let identity = context.identity else {
            switch anonymous {
            case .redirectToLogin:
                return Response(status: .seeOther, headers: [.location: "/login", .cacheControl: "no-store"])
            case .unauthorized:
                throw HTTPError(
                    .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                    message: "sign in, or send 'Authorization: Bearer <API token>'")
            }
        }
        if let role, identity.role != role {
            throw HTTPError(.forbidden, message: "only \(role.rawValue)s may open this page")
        }
        return try await next(request, context)
    }
}

/// Reads centre data for the request's identity: the one place a person's scope turns into a `CentreReader`.
/// Without an identity nothing is visible.
struct Readers: Sendable {
    let store: any CentreReadStore
    /// The centres' actions, alerts, alert rules and deliveries, on the same backend as `store`.
    let care: any CentreCareStore
    let clock: HubClock
    let settings: ReportSettings

    init(store: some CentreReadStore & CentreCareStore, clock: HubClock, settings: ReportSettings) {
        self.store = store
        self.care = store
        self.clock = clock
        self.settings = settings
    }

    func reader(for context: HubRequestContext) -> CentreReader {
        CentreReader(
            store: store, care: care, clock: clock, settings: settings, scope: context.identity?.scope ?? .centres([]))
    }
}
