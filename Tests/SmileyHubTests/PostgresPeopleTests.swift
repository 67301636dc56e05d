import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// What only PostgreSQL must prove of the people's side: several hub processes (here, several pools) on one
/// database redeem a password link once, and see a revoked token or an ended session at once; and a hub on
/// PostgreSQL signs people in over real HTTP.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresPeopleTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let now: Int64 = 1_793_592_000_000
    static let password = "correct horse battery"

    static func prepare(_ store: PostgresPressStore) async throws {
        try await store.migrate()
        try await store.addCentre(Centre(id: centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        try await store.addPerson(
            "dorji", role: .manager, grants: [.centre(centre)], passwordHash: Bcrypt.hash(password, cost: 4),
            by: "test", nowMillis: now)
    }

    @Test func twoPoolsRedeemingOnePasswordLinkAtTheSameMomentSetOnePassword() async throws {
        let rounds = 40
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let hubs = [PostgresPressStore.quiet(first), PostgresPressStore.quiet(second)]
                    try await Self.prepare(hubs[0])
                    for round in 0..<rounds {
                        let link = try await hubs[round % 2].issuePasswordLink(
                            for: "dorji", expiresMillis: Self.now + 60_000, by: "test", nowMillis: Self.now)
                        // Each hub redeems the same link with a password of its own, both at once.
                        let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                            for hub in 0..<2 {
                                let store = hubs[hub]
                                group.addTask {
                                    let person = try await store.redeemPasswordLink(
                                        link, passwordHash: "round-\(round)-hub-\(hub)", address: nil,
                                        nowMillis: Self.now)
                                    return (hub, person)
                                }
                            }
                            var outcomes: [(Int, String?)] = []
                            for try await outcome in group { outcomes.append(outcome) }
                            return outcomes
                        }
                        let won = outcomes.filter { $0.1 != nil }.map(\.0)
                        #expect(won.count == 1, "round \(round): \(outcomes)")
                        // The password is the winner's, whichever hub reads it.
                        if let winner = won.first {
                            #expect(
                                try await hubs[1 - winner].credentials(of: "dorji")?.passwordHash
                                    == "round-\(round)-hub-\(winner)")
                        }
                    }
                    let redeemed = try await hubs[0].auditEntries(limit: 1000).filter {
                        $0.action == "password-set" && $0.detail == "user dorji through a one-time link"
                    }
                    #expect(redeemed.count == rounds)
                }
            }
        }
    }

    @Test func aRevokedTokenAndAnEndedSessionAreRefusedByTheOtherPoolAtOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let (one, two) = (PostgresPressStore.quiet(first), PostgresPressStore.quiet(second))
                    try await Self.prepare(one)
                    let token = try await one.createAPIToken(
                        for: "dorji", name: "n", expiresMillis: nil, by: "t", address: nil, nowMillis: Self.now)
                    let session = try await one.startSession(for: "dorji", address: nil, nowMillis: Self.now)
                    #expect(try await two.apiTokenOwner(token.token, nowMillis: Self.now) == "dorji")
                    #expect(
                        try await two.liveSession(
                            session.cookie, nowMillis: Self.now, idleMillis: 60_000, absoluteMillis: 60_000)?.person
                            == "dorji")
                    try await one.revokeAPIToken(token.id, owner: nil, by: "t", address: nil, nowMillis: Self.now)
                    try await one.endSession(session.cookie, address: nil, nowMillis: Self.now)
                    #expect(try await two.apiTokenOwner(token.token, nowMillis: Self.now) == nil)
                    #expect(
                        try await two.liveSession(
                            session.cookie, nowMillis: Self.now, idleMillis: 60_000, absoluteMillis: 60_000) == nil)
                    // Two hubs making the form key at once agree on one.
                    async let a = one.formSigningKey()
                    async let b = two.formSigningKey()
                    let (keyA, keyB) = try await (a, b)
                    #expect(keyA == keyB && keyA.count == 64)
                }
            }
        }
    }

    /// Two hubs on one database, each a whole application with its own pool, over HTTP on loopback:
    /// sign in on one, the session and tokens hold on both, sign out on one ends it on both; a wrong
    /// password is refused with the same page as an SQLite hub's; a token revoked on one is refused by the other.
    @Test func twoHubsSignPeopleInOverHTTP() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            let token = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await Self.prepare(store)
                return try await store.createAPIToken(
                    for: "dorji", name: "nightly", expiresMillis: nil, by: "t", address: nil, nowMillis: Self.now
                ).token
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            var logger = Logger(label: "smiley.hub.postgres.test")
            logger.logLevel = .warning
            func hub() throws -> some ApplicationProtocol {
                try buildPostgresApplication(
                    configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent"),
                    location: location, password: nil, logger: logger, access: .testing)
            }
            let sqliteRefusal = try await Self.sqliteWrongPasswordPage()
            let (hubA, hubB) = (try hub(), try hub())
            try await hubA.test(.live) { a in
                try await hubB.test(.live) { b in
                    // A wrong password: the same status and page as on SQLite (form tokens aside).
                    let wrong = try await a.signIn("dorji", "not the password").reply
                    #expect(wrong.status == .unauthorized)
                    #expect(wrong.body.contains(LoginController.refusal))
                    #expect(
                        wrong.body.replacingOccurrences(of: try #require(wrong.csrfField), with: "TOKEN")
                            == sqliteRefusal)

                    let (signedIn, reply) = try await a.signIn("dorji", Self.password)
                    let cookie = try #require(signedIn)
                    #expect(reply.status == .seeOther)
                    let page = try await a.send(.get, "/account/tokens", cookie: cookie)
                    #expect(page.status == .ok && page.body.contains("nightly"))
                    #expect(page.body.contains("Signed in as <strong>dorji</strong>"))
                    // The session is the database's, not the process's: the other hub knows it.
                    #expect(try await b.send(.get, "/account/tokens", cookie: cookie).status == .ok)
                    // The overview and a centre's page are served from the database, whichever hub is asked.
                    let overview = try await b.send(.get, "/", cookie: cookie)
                    #expect(overview.status == .ok && overview.body.contains("Paro DCRC"))
                    let centrePage = try await b.send(.get, "/centres/paro-dcrc", cookie: cookie)
                    #expect(centrePage.status == .ok && centrePage.body.contains("Paro DCRC"))
                    // Live updates are served too: the session opens an event stream on the other hub.
                    let events = try await EventStreamClient.open(port: try #require(b.port), cookie: cookie)
                    try await PostgresPeriodicHubTests.waitUntil("the event stream opens") { events.isOpen }
                    await events.close()
                    let out = try await a.send(
                        .post, "/logout", cookie: cookie, form: [("csrf", try #require(page.csrfField))])
                    #expect(out.status == .seeOther && out.headers[.location] == "/login")
                    let after = try await b.send(.get, "/account/tokens", cookie: cookie)
                    #expect(after.status == .seeOther && after.headers[.location] == "/login")

                    // A token revoked through one hub is refused by the other at once.
                    #expect(try await b.send(.get, "/account/tokens", bearer: token).status == .ok)
                    let again = try #require(try await a.signIn("dorji", Self.password).cookie)
                    let tokens = try await a.send(.get, "/account/tokens", cookie: again)
                    let id = try #require(
                        try await PostgresTestServer.withClient(database: name) { client in
                            try await PostgresPressStore.quiet(client).apiTokens(of: "dorji").first?.id
                        })
                    let revoked = try await a.send(
                        .post, "/account/tokens/\(id)/revoke", cookie: again,
                        form: [("csrf", try #require(tokens.csrfField))])
                    #expect(revoked.status == .seeOther)
                    let refused = try await b.send(.get, "/account/tokens", bearer: token)
                    #expect(refused.status == .unauthorized)
                    #expect(refused.body.contains("unknown, expired or revoked API token"))
                }
            }
        }
    }

    /// The page an SQLite hub answers a wrong password with, its form token replaced by `TOKEN`.
    static func sqliteWrongPasswordPage() async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-people-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        try database.addCentre(Centre(id: centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        try database.addPerson(
            "dorji", role: .manager, grants: [.centre(centre)], passwordHash: Bcrypt.hash(password, cost: 4),
            by: "test", nowMillis: now)
        let app = Application(router: try buildRouter(database: database, access: .testing))
        return try await app.test(.router) { client in
            let wrong = try await client.signIn("dorji", "not the password").reply
            #expect(wrong.status == .unauthorized)
            return wrong.body.replacingOccurrences(of: try #require(wrong.csrfField), with: "TOKEN")
        }
    }
}
