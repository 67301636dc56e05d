import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// Every route the router holds, asked by every kind of caller: the status is the one expected, and no byte of
/// a centre outside the caller's scope (its id or its name) is in the answer. The routes come from the router
/// itself, so a new route fails this test until it is classified below.
@Suite struct RouteWalkTests {
    /// A: Paro (a viewer's centre, in the western group); C: Thimphu (western group too); B: Haa (no group).
    static let a = (id: "paro-dcrc", name: "Paro <DCRC>")
    static let b = (id: "haa-dcrc", name: "Haa DCRC")
    static let c = (id: "thimphu-dcrc", name: "Thimphu DCRC")

    enum Caller: String, CaseIterable {
        case anonymous, viewerOfA, managerOfGroupToken, managerOfGroupSession, administrator, revokedToken
        case expiredSession, deviceToken
    }

    /// The kinds of route, each with the statuses its callers get.
    enum Kind {
        case health, device, loginPage, loginForm, logout, setPasswordPage, setPasswordForm
        case page, tokenPage, tokenForm, adminPage, api, export
        /// Recording or removing a centre's action: a session of someone who may manage the centre, and its CSRF token.
        case actionForm
        /// The public lobby screen and poster: a display token in the path, whoever asks.
        case display
        /// The lobby screen's font: public.
        case font
        /// The centre page's alert forms (acknowledge, retry a delivery, rules): managers and administrators, with the session's CSRF.
        case alertForm
        /// Prometheus' scrape: loopback only by default (these requests have no peer address), whatever
        /// the credential; never a person's page.
        case metrics
    }

    static let routes: [String: Kind] = [
        "GET /healthz": .health, "GET /metrics": .metrics,
        "POST /api/v1/ingest": .device, "GET /api/v1/devices/{device}": .device, "POST /api/v1/heartbeat": .device,
        "POST /api/v1/enroll": .device,
        "GET /login": .loginPage, "POST /login": .loginForm, "POST /login/code": .loginForm, "POST /logout": .logout,
        "GET /set-password": .setPasswordPage, "POST /set-password": .setPasswordForm,
        "GET /": .page, "GET /centres/{centre}": .page, "GET /events": .page,
        "GET /account/tokens": .tokenPage, "POST /account/tokens": .tokenForm,
        "POST /account/tokens/{id}/revoke": .tokenForm,
        "GET /admin/audit": .adminPage,
        "POST /centres/{centre}/alerts/{id}/acknowledge": .alertForm, "POST /centres/{centre}/alert-rules": .alertForm,
        "POST /centres/{centre}/deliveries/{id}/retry": .alertForm,
        "GET /api/v1/centres": .api, "GET /api/v1/centres/{centre}/heatmap": .api,
        "GET /api/v1/centres/{centre}/export": .export, "GET /api/v1/export": .export,
        "POST /centres/{centre}/actions": .actionForm, "POST /centres/{centre}/actions/{id}/remove": .actionForm,
        "GET /display/{token}": .display, "GET /display/{token}/poster": .display,
        "GET /display-font/uchen.ttf": .font,
    ]

    struct Hub {
        let database: HubDatabase
        let now: Int64
        var credentials: [Caller: (cookie: String?, bearer: String?)] = [:]

        /// Centres the caller may not see.
        func hidden(from caller: Caller) -> [(id: String, name: String)] {
            switch caller {
            case .viewerOfA: [RouteWalkTests.b, RouteWalkTests.c]
            case .managerOfGroupToken, .managerOfGroupSession: [RouteWalkTests.b]
            case .administrator: []
            case .anonymous, .revokedToken, .expiredSession, .deviceToken:
                [RouteWalkTests.a, RouteWalkTests.b, RouteWalkTests.c]
            }
        }
    }

    static func hub() throws -> Hub {
        var fixture = try ReadSideFixture()
        let database = fixture.database
        try database.addCentre(Centre(id: CentreID(rawValue: c.id)!, name: c.name, timeZone: "Asia/Thimphu"))
        try database.addGroup("western", by: "test", nowMillis: 0)
        for centre in [a.id, c.id] {
            try database.setGroup("western", centre: CentreID(rawValue: centre)!, by: "test", nowMillis: 0)
        }
        // Presses everywhere, so that a leak of any centre's figures would show.
        try fixture.press(.happy, 6, on: (2026, 11, 24), at: 10)
        for centre in [b.id, c.id] {
            let device = DeviceID(rawValue: "\(centre)-exit")!
            _ = try database.addDevice(device, centre: CentreID(rawValue: centre)!, nowMillis: 0)
            let press = Press(
                device: device, boot: "b", sequence: 1, answer: .veryUnhappy, monotonicNanos: 1,
                wallClockMillis: fixture.nowMillis - 3_600_000, clockSynchronised: true, suppressed: false)
            _ = try database.ingest(
                IngestBatch(device: device, centre: CentreID(rawValue: centre)!, presses: [press]),
                receivedMillis: fixture.nowMillis)
        }
        let now = fixture.nowMillis
        var hub = Hub(database: database, now: now)
        try database.addPerson(
            "viewer", role: .viewer, grants: [.centre(CentreID(rawValue: a.id)!)], passwordHash: nil, by: "test",
            nowMillis: 0)
        try database.addPerson(
            "manager", role: .manager, grants: [.group("western")], passwordHash: nil, by: "test", nowMillis: 0)
        try database.addPerson("admin", role: .administrator, grants: [], passwordHash: nil, by: "test", nowMillis: 0)
        hub.credentials[.anonymous] = (nil, nil)
        hub.credentials[.viewerOfA] = (try database.startSession(for: "viewer", nowMillis: now).cookie, nil)
        hub.credentials[.managerOfGroupToken] = (
            nil,
            try database.createAPIToken(for: "manager", name: "t", expiresMillis: nil, by: "test", nowMillis: now).token
        )
        hub.credentials[.managerOfGroupSession] = (
            try database.startSession(for: "manager", nowMillis: now).cookie, nil
        )
        hub.credentials[.administrator] = (try database.startSession(for: "admin", nowMillis: now).cookie, nil)
        let revoked = try database.createAPIToken(
            for: "manager", name: "old", expiresMillis: nil, by: "test", nowMillis: now)
        try database.revokeAPIToken(revoked.id, by: "test", nowMillis: now)
        hub.credentials[.revokedToken] = (nil, revoked.token)
        // Signed in 31 minutes ago and idle since.
        hub.credentials[.expiredSession] = (
            try database.startSession(for: "admin", nowMillis: now - 31 * 60_000).cookie, nil
        )
        hub.credentials[.deviceToken] = (
            nil,
            try database.addDevice(DeviceID(rawValue: "spare")!, centre: CentreID(rawValue: a.id)!, nowMillis: 0).value
        )
        return hub
    }

    /// What a caller gets from a kind of route; `centre` is the `{centre}` of the path (nil when it has none).
    static func expected(_ kind: Kind, _ caller: Caller, route: String, centre: String?) -> Set<Int> {
        let signedIn: Bool
        if kind == .metrics { return [403] }
        switch caller {
        case .anonymous, .expiredSession: signedIn = false
        case .revokedToken, .deviceToken:
            // A bearer token that is not a valid personal token is refused everywhere people go.
            if kind == .health { return [200] }
            // The public routes read no identity: an unknown display token is 404 whatever the headers.
            if kind == .display { return [404] }
            if kind == .font { return [200, 404] }
            if kind == .device { return caller == .deviceToken ? [200, 400, 403, 404] : [400, 401] }
            return [401]
        default: signedIn = true
        }
        let viewer = caller == .viewerOfA
        let visible: Bool = {
            guard let centre else { return true }
            switch caller {
            case .administrator: return centre != "no-such-centre"
            case .viewerOfA: return centre == a.id
            default: return centre == a.id || centre == c.id
            }
        }()
        switch kind {
        case .health: return [200]
        case .display: return [404]
        case .font: return [200, 404]
        case .actionForm:
            // Without a session there is no form to send; viewers may not, and the form here carries no CSRF token.
            guard signedIn else { return [303] }
            return visible ? [403] : [404]
        case .metrics: return [403]
        case .device: return [400, 401]
        case .loginPage: return signedIn ? [303] : [200]
        case .loginForm: return [403]
        case .logout: return (signedIn && caller != .managerOfGroupToken) ? [403] : [303]
        case .setPasswordPage: return [410]
        case .setPasswordForm: return [403]
        case .page, .tokenPage, .tokenForm, .adminPage:
            guard signedIn else { return [303] }
            if kind == .adminPage { return caller == .administrator ? [200] : [403] }
            if kind == .tokenPage { return viewer ? [403] : [200] }
            if kind == .tokenForm { return [403] }
            if !visible { return [404] }
            return route == "GET /events" ? [503] : [200]
        case .alertForm:
            // The walk sends no CSRF token: refused after the scope check, like a centre that does not exist.
            guard signedIn else { return [303] }
            return visible ? [403] : [404]
        case .api, .export:
            guard signedIn else { return [401] }
            if !visible { return [404] }
            return kind == .export && viewer ? [403] : [200]
        }
    }

    @Test func everyRouteAnswersEachCallerWithinItsScope() async throws {
        let hub = try Self.hub()
        // No room for live pages: /events answers 503 once a caller has passed the checks (a stream never ends).
        let router = try buildRouter(
            database: hub.database, clock: .fixed(hub.now), feed: PressFeed(maximumSubscribers: 0), access: .testing)
        let routes = router.routes.map { "\($0.method) \($0.path)" }
        #expect(routes.count >= Self.routes.count)
        for route in routes where Self.routes[route] == nil {
            Issue.record("route \(route) is not classified in RouteWalkTests.routes: say who may use it")
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            for route in routes {
                guard let kind = Self.routes[route] else { continue }
                let method = HTTPRequest.Method(rawValue: String(route.prefix { $0 != " " }))!
                let template = String(route.drop { $0 != " " }.dropFirst())
                let centres: [String?] =
                    template.contains("{centre}") ? [Self.a.id, Self.b.id, Self.c.id, "no-such-centre"] : [nil]
                for caller in Caller.allCases {
                    let (cookie, bearer) = hub.credentials[caller]!
                    for centre in centres {
                        let path =
                            template.replacingOccurrences(of: "{centre}", with: centre ?? "")
                            .replacingOccurrences(of: "{device}", with: "paro-exit-1")
                            .replacingOccurrences(of: "{id}", with: "1")
                        let uri =
                            path + (template.contains("{centre}") || template == "/" ? "?window=last-4-weeks" : "")
                        let reply = try await client.send(
                            method, uri, cookie: cookie, bearer: bearer, form: method == .post ? [] : nil)
                        // The enrollment endpoint limits attempts per address: this walk makes many.
                        let allowed =
                            Set(Self.expected(kind, caller, route: route, centre: centre))
                            .union(route == "POST /api/v1/enroll" ? [429] : [])
                        #expect(
                            allowed.contains(Int(reply.status.code)),
                            "\(caller) \(method) \(uri): \(reply.status.code) (expected \(allowed.sorted())) \(reply.body.prefix(200))"
                        )
                        for other in hub.hidden(from: caller) {
                            #expect(!reply.body.contains(other.name), "\(caller) \(uri) shows \(other.name)")
                            #expect(
                                !reply.body.contains(Self.htmlEscaped(other.name)),
                                "\(caller) \(uri) shows \(other.name)")
                            if centre == other.id {
                                // Outside the scope answers exactly as a centre that does not exist.
                                let missing = try await client.send(
                                    method, uri.replacingOccurrences(of: other.id, with: "no-such-centre"),
                                    cookie: cookie,
                                    bearer: bearer, form: method == .post ? [] : nil)
                                #expect(reply.status == missing.status, "\(caller) \(uri)")
                                #expect(
                                    reply.body.replacingOccurrences(of: other.id, with: "no-such-centre")
                                        == missing.body,
                                    "\(caller) \(uri)")
                            } else {
                                #expect(!reply.body.contains(other.id), "\(caller) \(uri) shows \(other.id)")
                            }
                        }
                    }
                }
            }
        }
        // The administrator saw every centre, and the manager's group (A and C) but not B.
        try await app.test(.router) { client in
            let admin = try await client.send(.get, "/", cookie: hub.credentials[.administrator]!.cookie)
            #expect([Self.a.id, Self.b.id, Self.c.id].allSatisfy { admin.body.contains("data-centre=\"\($0)\"") })
            let manager = try await client.send(
                .get, "/api/v1/centres", bearer: hub.credentials[.managerOfGroupToken]!.bearer)
            #expect(
                manager.body.contains(Self.a.id) && manager.body.contains(Self.c.id)
                    && !manager.body.contains(Self.b.id))
        }
    }

    static func htmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
