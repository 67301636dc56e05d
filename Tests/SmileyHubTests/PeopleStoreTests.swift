import Foundation
import HummingbirdBcrypt
import SmileyCore
import Testing

@testable import SmileyHub

/// The people's side of the storage (`PeopleStore`, `SignInStore`), one suite for both backends: every case
/// runs on SQLite and, beside a PostgreSQL server (scripts/with-postgres.sh), on PostgreSQL.
@Suite struct PeopleStoreTests {
    static let paro = CentreID(rawValue: "paro-dcrc")!
    static let haa = CentreID(rawValue: "haa-dcrc")!
    static let now: Int64 = 1_793_592_000_000
    static let idle: Int64 = 30 * 60_000
    static let absolute: Int64 = 12 * 3_600_000

    /// Two centres and a manager of Paro, `dorji`, with a password hash.
    static func prepare(_ subject: StoreUnderTest) async throws {
        try await subject.store.addCentre(Centre(id: paro, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        try await subject.store.addCentre(Centre(id: haa, name: "Haa DCRC", timeZone: "Asia/Thimphu"))
        try await subject.people.addPerson(
            "dorji", role: .manager, grants: [.centre(paro)], passwordHash: "$2b$04$dorji", by: "test", nowMillis: now)
    }

    static func live(_ people: any SignInStore, _ cookie: String, at millis: Int64) async throws -> String? {
        try await people.liveSession(cookie, nowMillis: millis, idleMillis: idle, absoluteMillis: absolute)?.person
    }

    @Test(arguments: StoreBackend.available)
    func peopleRolesAndScopes(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            await #expect(throws: HubError.conflict("user 'dorji' already exists")) {
                try await people.addPerson(
                    "dorji", role: .viewer, grants: [.centre(Self.haa)], passwordHash: nil, by: "t", nowMillis: 0)
            }
            await #expect(
                throws: HubError.invalid(
                    "user name 'Dorji Wangmo' is not valid: use lower-case letters, digits, '.', '-' and '_' (at most 64)"
                )
            ) {
                try await people.addPerson(
                    "Dorji Wangmo", role: .viewer, grants: [], passwordHash: nil, by: "t", nowMillis: 0)
            }
            // A refused grant adds nobody: the person and their scope are one transaction.
            await #expect(throws: HubError.notFound("unknown centre 'nowhere'")) {
                try await people.addPerson(
                    "pema", role: .viewer, grants: [.centre(Self.haa), .centre(CentreID(rawValue: "nowhere")!)],
                    passwordHash: nil, by: "t", nowMillis: 0)
            }
            await #expect(
                throws: HubError.notFound("unknown group 'western': add it first with smiley-hub group add")
            ) {
                try await people.addPerson(
                    "pema", role: .viewer, grants: [.group("western")], passwordHash: nil, by: "t", nowMillis: 0)
            }
            #expect(try await people.people().map(\.name) == ["dorji"])
            try await people.addPerson(
                "root", role: .administrator, grants: [], passwordHash: nil, by: "t", nowMillis: 0)
            #expect(
                try await people.people() == [
                    Person(
                        name: "dorji", role: .manager, grants: [.centre(Self.paro)], hasPassword: true, hasTOTP: false),
                    Person(name: "root", role: .administrator, grants: [], hasPassword: false, hasTOTP: false),
                ])
            #expect(try await people.readScope(of: "dorji") == .centres([Self.paro]))
            #expect(try await people.readScope(of: "root") == .everything)
            #expect(try await people.readScope(of: "nobody") == .centres([]))
            try await people.grant([.centre(Self.haa)], to: "dorji", by: "t", nowMillis: 0)
            #expect(try await people.readScope(of: "dorji") == .centres([Self.paro, Self.haa]))
            try await people.revoke([.centre(Self.paro)], from: "dorji", by: "t", nowMillis: 0)
            #expect(try await people.readScope(of: "dorji") == .centres([Self.haa]))
            await #expect(throws: HubError.notFound("user 'dorji' does not have centre paro-dcrc")) {
                try await people.revoke([.centre(Self.paro)], from: "dorji", by: "t", nowMillis: 0)
            }
            await #expect(throws: HubError.notFound("no user 'ghost'")) {
                try await people.grant([.centre(Self.haa)], to: "ghost", by: "t", nowMillis: 0)
            }
            try await people.removePerson("root", by: "t", nowMillis: 0)
            await #expect(throws: HubError.notFound("no user 'root'")) {
                try await people.removePerson("root", by: "t", nowMillis: 0)
            }
            #expect(try await people.people().map(\.name) == ["dorji"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func aGroupGivesItsCentresToThePeopleGivenIt(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            try await people.addGroup("western", by: "t", nowMillis: 1)
            await #expect(throws: HubError.conflict("group 'western' already exists")) {
                try await people.addGroup("western", by: "t", nowMillis: 0)
            }
            await #expect(throws: HubError.self) { try await people.addGroup("West Side", by: "t", nowMillis: 0) }
            await #expect(
                throws: HubError.notFound("unknown group 'eastern': add it first with smiley-hub group add")
            ) {
                try await people.setGroup("eastern", centre: Self.paro, by: "t", nowMillis: 0)
            }
            await #expect(throws: HubError.notFound("unknown centre 'nowhere'")) {
                try await people.setGroup("western", centre: CentreID(rawValue: "nowhere")!, by: "t", nowMillis: 0)
            }
            try await people.setGroup("western", centre: Self.paro, by: "t", nowMillis: 2)
            try await people.addPerson(
                "tashi", role: .viewer, grants: [.group("western")], passwordHash: nil, by: "t", nowMillis: 3)
            #expect(try await people.readScope(of: "tashi") == .centres([Self.paro]))
            // The scope follows the group as it changes.
            try await people.setGroup("western", centre: Self.haa, by: "t", nowMillis: 4)
            #expect(try await people.readScope(of: "tashi") == .centres([Self.paro, Self.haa]))
            try await people.setGroup(nil, centre: Self.paro, by: "t", nowMillis: 5)
            #expect(try await people.readScope(of: "tashi") == .centres([Self.haa]))
            #expect(try await people.groups() == [CentreGroup(name: "western", centres: [Self.haa])])
            #expect(try await people.people().first { $0.name == "tashi" }?.grants == [.group("western")])
            let lines = try await people.auditEntries(limit: 10).reversed().map { "\($0.action) \($0.detail)" }
            #expect(
                Array(lines.suffix(5)) == [
                    "group-add group western", "centre-group centre paro-dcrc in group western",
                    "user-add user tashi as viewer of group western", "centre-group centre haa-dcrc in group western",
                    "centre-group centre paro-dcrc in no group",
                ])
        }
    }

    @Test(arguments: StoreBackend.available)
    func passwordsAndSecondFactors(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            #expect(try await people.credentials(of: "dorji")?.passwordHash == "$2b$04$dorji")
            #expect(try await people.credentials(of: "nobody") == nil)
            try await people.setTOTPSecret("JBSWY3DPEHPK3PXP", of: "dorji", by: "t", nowMillis: Self.now)
            #expect(try await people.credentials(of: "dorji")?.totpSecret == "JBSWY3DPEHPK3PXP")
            #expect(try await people.people().first?.hasTOTP == true)
            try await people.setTOTPSecret(nil, of: "dorji", by: "t", nowMillis: Self.now)
            #expect(try await people.credentials(of: "dorji")?.totpSecret == nil)
            // Forgetting the password ends every session of the person.
            let session = try await people.startSession(for: "dorji", address: nil, nowMillis: Self.now)
            try await people.setPasswordHash(nil, of: "dorji", by: "t", nowMillis: Self.now + 1)
            #expect(try await people.credentials(of: "dorji")?.passwordHash == nil)
            #expect(try await Self.live(people, session.cookie, at: Self.now + 2) == nil)
            await #expect(throws: HubError.notFound("no user 'ghost'")) {
                try await people.setPasswordHash("x", of: "ghost", by: "t", nowMillis: 0)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func sessionsEndWhenIdleOldOrSignedOut(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            await #expect(throws: HubError.notFound("no user 'ghost'")) {
                _ = try await people.startSession(for: "ghost", address: nil, nowMillis: Self.now)
            }
            let minute: Int64 = 60_000
            let idle = try await people.startSession(for: "dorji", address: "10.0.0.1", nowMillis: Self.now)
            #expect(idle.cookie != idle.csrf)
            let found = try await people.liveSession(
                idle.cookie, nowMillis: Self.now + 29 * minute, idleMillis: Self.idle, absoluteMillis: Self.absolute)
            #expect(found?.person == "dorji" && found?.csrf == idle.csrf)
            // Used 29 minutes ago: alive; then 31 minutes idle: ended, and stays ended.
            #expect(try await Self.live(people, idle.cookie, at: Self.now + 58 * minute) == "dorji")
            #expect(try await Self.live(people, idle.cookie, at: Self.now + 89 * minute) == nil)
            #expect(try await Self.live(people, idle.cookie, at: Self.now + 90 * minute) == nil)

            let busy = try await people.startSession(for: "dorji", address: nil, nowMillis: Self.now)
            for step in 1...35 {
                #expect(try await Self.live(people, busy.cookie, at: Self.now + Int64(step) * 20 * minute) == "dorji")
            }
            #expect(try await Self.live(people, busy.cookie, at: Self.now + 12 * 60 * minute + minute) == nil)

            let signedOut = try await people.startSession(for: "dorji", address: nil, nowMillis: Self.now)
            try await people.endSession(signedOut.cookie, address: "10.0.0.1", nowMillis: Self.now + minute)
            #expect(try await Self.live(people, signedOut.cookie, at: Self.now + 2 * minute) == nil)
            #expect(try await Self.live(people, "not a session", at: Self.now) == nil)
            // Ending an unknown session changes nothing and writes no line.
            let before = try await people.auditEntries(limit: 100).count
            try await people.endSession("not a session", address: nil, nowMillis: Self.now)
            #expect(try await people.auditEntries(limit: 100).count == before)
        }
    }

    @Test(arguments: StoreBackend.available)
    func passwordLinksWorkOnceUntilTheyExpire(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            let hour: Int64 = 3_600_000
            let first = try await people.issuePasswordLink(
                for: "dorji", expiresMillis: Self.now + hour, by: "t", nowMillis: Self.now)
            let link = try await people.issuePasswordLink(
                for: "dorji", expiresMillis: Self.now + hour, by: "t", nowMillis: Self.now)
            // A new link ends the earlier ones.
            #expect(try await people.passwordLinkPerson(first, nowMillis: Self.now) == nil)
            #expect(try await people.passwordLinkPerson(link, nowMillis: Self.now) == "dorji")
            let session = try await people.startSession(for: "dorji", address: nil, nowMillis: Self.now)
            #expect(
                try await people.redeemPasswordLink(
                    link, passwordHash: "$2b$04$new", address: "10.0.0.2", nowMillis: Self.now)
                    == "dorji")
            #expect(try await people.credentials(of: "dorji")?.passwordHash == "$2b$04$new")
            #expect(try await Self.live(people, session.cookie, at: Self.now) == nil)
            #expect(
                try await people.redeemPasswordLink(
                    link, passwordHash: "$2b$04$again", address: nil, nowMillis: Self.now)
                    == nil)
            #expect(try await people.credentials(of: "dorji")?.passwordHash == "$2b$04$new")
            let late = try await people.issuePasswordLink(
                for: "dorji", expiresMillis: Self.now + hour, by: "t", nowMillis: Self.now)
            #expect(try await people.passwordLinkPerson(late, nowMillis: Self.now + hour) == nil)
            #expect(
                try await people.redeemPasswordLink(
                    late, passwordHash: "$2b$04$late", address: nil, nowMillis: Self.now + hour)
                    == nil)
            #expect(try await people.credentials(of: "dorji")?.passwordHash == "$2b$04$new")
            await #expect(throws: HubError.notFound("no user 'ghost'")) {
                _ = try await people.issuePasswordLink(for: "ghost", expiresMillis: Self.now, by: "t", nowMillis: 0)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func apiTokensAreScopedRevocableAndExpire(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            try await people.addPerson(
                "pema", role: .viewer, grants: [.centre(Self.paro)], passwordHash: nil, by: "t", nowMillis: 0)
            await #expect(throws: HubError.forbidden("viewers cannot have API tokens: make 'pema' a manager first")) {
                _ = try await people.createAPIToken(
                    for: "pema", name: "x", expiresMillis: nil, by: "t", address: nil, nowMillis: 0)
            }
            await #expect(throws: HubError.notFound("no user 'ghost'")) {
                _ = try await people.createAPIToken(
                    for: "ghost", name: "x", expiresMillis: nil, by: "t", address: nil, nowMillis: 0)
            }
            await #expect(
                throws: HubError.invalid("a token needs a name of 1 to 100 characters that says what uses it")
            ) {
                _ = try await people.createAPIToken(
                    for: "dorji", name: "  ", expiresMillis: nil, by: "t", address: nil, nowMillis: 0)
            }
            #expect(try await people.apiTokens(of: nil).isEmpty)
            let nightly = try await people.createAPIToken(
                for: "dorji", name: "  nightly ", expiresMillis: nil, by: "t", address: nil, nowMillis: Self.now)
            let short = try await people.createAPIToken(
                for: "dorji", name: "short", expiresMillis: Self.now + 60_000, by: "t", address: nil,
                nowMillis: Self.now)
            #expect(nightly.token.hasPrefix("smiley_pat_") && short.id > nightly.id)
            #expect(try await people.apiTokenOwner(nightly.token, nowMillis: Self.now + 5) == "dorji")
            #expect(try await people.apiTokenOwner("smiley_pat_nope", nowMillis: Self.now) == nil)
            let listed = try await people.apiTokens(of: "dorji")
            #expect(listed.map(\.id) == [short.id, nightly.id])
            #expect(listed.map(\.name) == ["short", "nightly"])
            #expect(listed.last?.lastUsedMillis == Self.now + 5 && listed.first?.lastUsedMillis == nil)
            #expect(try await people.apiTokens(of: "pema").isEmpty)
            // Expiry by the clock given.
            #expect(try await people.apiTokenOwner(short.token, nowMillis: Self.now + 59_999) == "dorji")
            #expect(try await people.apiTokenOwner(short.token, nowMillis: Self.now + 60_000) == nil)
            // Only the owner's own tokens, when an owner is named; a revoked token is refused.
            await #expect(throws: HubError.notFound("no valid token \(nightly.id)")) {
                try await people.revokeAPIToken(nightly.id, owner: "pema", by: "pema", address: nil, nowMillis: 0)
            }
            #expect(try await people.apiTokenOwner(nightly.token, nowMillis: Self.now) == "dorji")
            try await people.revokeAPIToken(nightly.id, owner: "dorji", by: "dorji", address: nil, nowMillis: Self.now)
            #expect(try await people.apiTokenOwner(nightly.token, nowMillis: Self.now) == nil)
            await #expect(throws: HubError.notFound("no valid token \(nightly.id)")) {
                try await people.revokeAPIToken(nightly.id, owner: nil, by: "t", address: nil, nowMillis: 0)
            }
            #expect(try await people.apiTokens(of: nil).first { $0.id == nightly.id }?.revokedMillis == Self.now)
            // Removing a person takes their tokens.
            try await people.removePerson("dorji", by: "t", nowMillis: 0)
            #expect(try await people.apiTokens(of: nil).isEmpty)
            #expect(try await people.apiTokenOwner(short.token, nowMillis: Self.now) == nil)
        }
    }

    /// Both backends write the same audit lines for the same changes: the words come from `PeopleAudit`.
    @Test(arguments: StoreBackend.available)
    func theAuditLogSaysTheSameOnBothBackends(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            try await people.grant([.centre(Self.haa)], to: "dorji", by: "admin", nowMillis: 1)
            try await people.revoke([.centre(Self.haa)], from: "dorji", by: "admin", nowMillis: 2)
            try await people.setTOTPSecret("S", of: "dorji", by: "admin", nowMillis: 3)
            let link = try await people.issuePasswordLink(for: "dorji", expiresMillis: 100, by: "admin", nowMillis: 4)
            _ = try await people.redeemPasswordLink(link, passwordHash: "h", address: "10.0.0.9", nowMillis: 5)
            let session = try await people.startSession(for: "dorji", address: "10.0.0.9", nowMillis: 6)
            try await people.endSession(session.cookie, address: "10.0.0.9", nowMillis: 7)
            let token = try await people.createAPIToken(
                for: "dorji", name: "n", expiresMillis: 86_400_000, by: "dorji", address: "10.0.0.9", nowMillis: 8)
            try await people.revokeAPIToken(token.id, owner: nil, by: "admin", address: nil, nowMillis: 9)
            try await people.audit(
                actor: "eve", action: "login-failed", detail: "wrong name, password or code", address: "10.0.0.7",
                nowMillis: 10)
            try await people.setPasswordHash(nil, of: "dorji", by: "admin", nowMillis: 11)
            try await people.removePerson("dorji", by: "admin", nowMillis: 12)
            let lines = try await people.auditEntries(limit: 100).reversed().map {
                "\($0.atMillis) \($0.actor) \($0.action) \($0.detail) \($0.address ?? "-")"
            }
            #expect(
                lines == [
                    "\(Self.now) test user-add user dorji as manager of centre paro-dcrc -",
                    "1 admin user-grant user dorji given centre haa-dcrc -",
                    "2 admin user-revoke user dorji no longer has centre haa-dcrc -",
                    "3 admin user-totp-on user dorji -",
                    "4 admin password-link user dorji -",
                    "5 dorji password-set user dorji through a one-time link 10.0.0.9",
                    "6 dorji login signed in 10.0.0.9",
                    "7 dorji logout signed out 10.0.0.9",
                    "8 dorji token-create token \(token.id) 'n' of user dorji, expires 1970-01-02 00:00 UTC 10.0.0.9",
                    "9 admin token-revoke token \(token.id) -",
                    "10 eve login-failed wrong name, password or code 10.0.0.7",
                    "11 admin user-reset-password user dorji -",
                    "12 admin user-remove user dorji -",
                ])
            #expect(try await people.auditEntries(limit: 2).map(\.action) == ["user-remove", "user-reset-password"])
        }
    }

    /// A session cookie, an API token and a password link are stored only as their SHA-256; a password only
    /// as the hash it was given.
    @Test(arguments: StoreBackend.available)
    func secretsAreStoredOnlyAsTheirHashes(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let people = subject.people
            let password = "correct horse battery"
            try await people.setPasswordHash(Bcrypt.hash(password, cost: 4), of: "dorji", by: "t", nowMillis: 0)
            let session = try await people.startSession(for: "dorji", address: nil, nowMillis: Self.now)
            let token = try await people.createAPIToken(
                for: "dorji", name: "n", expiresMillis: nil, by: "t", address: nil, nowMillis: Self.now)
            let link = try await people.issuePasswordLink(
                for: "dorji", expiresMillis: Self.now + 60_000, by: "t", nowMillis: Self.now)
            var stored: [String] = []
            for table in ["person", "session", "api_token", "password_link", "audit", "hub_secret"] {
                stored += try await subject.probe.rowsAsText(table)
            }
            let text = stored.joined(separator: "\n")
            for secret in [session.cookie, token.token, link, password] {
                #expect(!text.contains(secret), "\(backend): a secret is stored in clear")
            }
            // The rows looked at are the right ones: each secret's hash is there.
            for secret in [session.cookie, token.token, link] {
                #expect(text.contains(Secret.sha256(secret)), "\(backend): no hash of a secret")
            }
            #expect(text.contains("$2b$04$"))
            // The form key is made once and then the same for every caller.
            let key = try await people.formSigningKey()
            #expect(key.count == 64)
            #expect(try await people.formSigningKey() == key)
        }
    }
}

/// The shared decisions, as plain data.
@Suite struct PeopleRulesTests {
    @Test func aUseIsNotedAtMostOnceAMinuteAndNeverLeftInTheFuture() {
        #expect(PeopleRules.noteUse(lastMillis: nil, nowMillis: 5))
        #expect(!PeopleRules.noteUse(lastMillis: 1_000, nowMillis: 1_000))
        #expect(!PeopleRules.noteUse(lastMillis: 1_000, nowMillis: 60_999))
        #expect(PeopleRules.noteUse(lastMillis: 1_000, nowMillis: 61_000))
        #expect(PeopleRules.noteUse(lastMillis: 1_000, nowMillis: 999))
    }

    @Test func aSessionLivesWhileUsedWithinItsIdleAndAbsoluteLimits() {
        func live(_ created: Int64, _ seen: Int64, _ now: Int64) -> Bool {
            PeopleRules.sessionIsLive(
                createdMillis: created, lastSeenMillis: seen, nowMillis: now, idleMillis: 10, absoluteMillis: 100)
        }
        #expect(live(0, 0, 10) && !live(0, 0, 11))
        #expect(live(0, 95, 100) && !live(0, 95, 101))
    }

    @Test func tokenNamesAreTrimmedAndBounded() throws {
        #expect(try PeopleRules.tokenName("  nightly \n") == "nightly")
        #expect(throws: HubError.self) { try PeopleRules.tokenName(" ") }
        #expect(throws: HubError.self) { try PeopleRules.tokenName(String(repeating: "x", count: 101)) }
        #expect(PeopleRules.newAPIToken().hasPrefix("smiley_pat_") && PeopleRules.newAPIToken().count == 75)
        #expect(PeopleRules.tokenRefusal(role: "manager", person: "d") == nil)
        #expect(PeopleRules.tokenRefusal(role: nil, person: "d") == .notFound("no user 'd'"))
    }
}
