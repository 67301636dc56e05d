import Crypto
import Foundation
import Hummingbird
import Mustache
import NIOCore
import SmileyCore

/// The public side of the hub: a centre's lobby screen (`/display/{token}`) and its A4 poster
/// (`/display/{token}/poster`), reached with a display token and no sign-in, and the Tibetan font they use.
/// These routes sit outside the people's middleware: a token in the path is all they read. The same on
/// either backend: the token through `display`, the figures, actions and alerts through `store` and `care`.
struct LobbyController: Sendable {
    typealias Context = HubRequestContext
    let display: any DisplayStore
    let store: any CentreReadStore
    let care: any CentreCareStore
    let clock: HubClock
    let settings: ReportSettings
    let lobby: LobbySettings
    let strings: LobbyStrings
    let templates: MustacheLibrary

    static let fontPath = "/display-font/uchen.ttf"

    /// Pages that load nothing from anywhere else and run no script but the refresh (by its hash); the token
    /// in the address is not sent on as a referrer.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; connect-src 'self'; base-uri 'none'; "
            + "script-src '\(scriptHash)'",
        .init("Referrer-Policy")!: "no-referrer",
    ]

    /// The CSP source of the refresh script: `sha256-` and the base64 of its SHA-256.
    static let scriptHash =
        "sha256-" + Data(SHA256.hash(data: Data(LobbyTemplates.refreshScript.utf8))).base64EncodedString()

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("display/{token}", use: screen)
        router.get("display/{token}/poster", use: poster)
        router.get(RouterPath(Self.fontPath), use: font)
    }

    @Sendable func screen(_ request: Request, context: Context) async throws -> Response {
        try await page(context, template: "lobby")
    }

    @Sendable func poster(_ request: Request, context: Context) async throws -> Response {
        try await page(context, template: "poster")
    }

    func page(_ context: Context, template: String) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let centreID: CentreID
        switch try await display.displayAccess(token: token) {
        case .centre(let id): centreID = id
        case .revoked:
            return Self.plain(
                .gone, "This results screen has been switched off. Ask the centre's manager for a new address.")
        case .unknown:
            return Self.plain(.notFound, "There is no results screen at this address. Check the address and try again.")
        }
        let reader = CentreReader(
            store: store, care: care, clock: clock, settings: settings, scope: .centres([centreID]))
        let centre = try await reader.centre(centreID.rawValue)
        let lastWeek = reader.today(at: centre).startOfWeek.adding(days: -7)
        let report = try await reader.weeklyReport(of: centre, weekOf: lastWeek)
        let view = LobbyPage(
            report: report, strings: strings, refreshSeconds: lobby.refreshSeconds,
            posterHref: "/display/\(token)/poster")
        guard let text = templates.render(view, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "the page could not be drawn")
        }
        return Response(status: .ok, headers: Self.headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Sendable func font(_ request: Request, context: Context) async throws -> Response {
        guard let data = FileManager.default.contents(atPath: lobby.fontPath) else {
            return Self.plain(.notFound, "The Tibetan font is not installed on this hub.")
        }
        return Response(
            status: .ok, headers: [.contentType: "font/ttf", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func plain(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
