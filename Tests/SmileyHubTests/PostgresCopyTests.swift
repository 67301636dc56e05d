import Foundation
import GRDB
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// `smiley-hub migrate`: an SQLite hub copied into a real PostgreSQL database, then compared.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresCopyTests {
    static let second = DeviceID(rawValue: "wangdue-exit-2")!

    /// An SQLite hub with a history (retries, late clocks, suppressed presses), opening hours, holidays,
    /// a heartbeat and a revoked second device.
    static func sqliteHub() async throws -> (HubDatabase, token: String, cleanup: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-copy-\(UUID().uuidString)")
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        let token = try #require(
            try await PressStoreTests.prepare(database, devices: [PressStoreTests.device, second]).first)
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: PressStoreTests.centre)
        try database.updateHolidays(
            centre: PressStoreTests.centre, adding: [try LocalDate.parse("2026-12-17")], removing: [])
        _ = try await StoreHistory(seed: 11).replay(into: database)
        _ = try database.ingest(
            IngestBatch(
                device: second, centre: PressStoreTests.centre,
                presses: [PressStoreTests.press(1, device: second), PressStoreTests.press(2, .unhappy, device: second)]),
            receivedMillis: PressStoreTests.mondayTen)
        try database.revokeDevice(second, nowMillis: PressStoreTests.mondayTen)
        return (database, token, directory)
    }

    @Test func everythingIsCopiedOnceAndARerunDoublesNothing() async throws {
        let (source, token, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            let held = try source.pressCount()
            let first = try await PostgresCopy.copy(from: source, to: target)
            #expect(first.centres == 1 && first.devices == 2 && first.holidays == 1)
            #expect(first.presses == held && first.pressesAlreadyHeld == 0)
            let sqlite = try StoreFigures.read(source)
            #expect(
                !sqlite.rollup.isEmpty && !sqlite.centreHours.isEmpty && !sqlite.centreDays.isEmpty
                    && sqlite.rolledUp > 0)
            #expect(try await StoreFigures.read(target) == sqlite)
            #expect(
                StoreFigures.comparison(sqlite: sqlite, postgres: try await StoreFigures.read(target)).differ == false)

            let again = try await PostgresCopy.copy(from: source, to: target)
            #expect(again.presses == 0 && again.pressesAlreadyHeld == held && again.centres == 0 && again.devices == 0)
            #expect(try await StoreFigures.read(target) == sqlite)
            #expect(try await subject.probe.rollup() == subject.probe.recount())
            #expect(try await subject.probe.centreHour() == subject.probe.centreHourFromRollup())

            // What the devices and the heatmaps read is the same on both sides.
            let now = PressStoreTests.mondayTen
            #expect(
                try await target.deviceStatus(PressStoreTests.device, nowMillis: now, sequence: 3)
                    == source.deviceStatus(PressStoreTests.device, nowMillis: now, sequence: 3))
            #expect(
                try await target.openingCalendar(centre: PressStoreTests.centre)
                    == source.openingCalendar(centre: PressStoreTests.centre))
            #expect(try await PressStoreTests.counts(target) == PressStoreTests.counts(source))
            #expect(
                try await target.authenticate(token: token, nowMillis: now)
                    == .device(PressStoreTests.device, centre: PressStoreTests.centre))
            #expect(try await subject.probe.tokenRevoked(Self.second) == true)
            #expect(try await subject.probe.tokenHash(Self.second) == Self.sqliteTokenHash(source, Self.second))
        }
    }

    static func sqliteTokenHash(_ database: HubDatabase, _ device: DeviceID) throws -> String? {
        try database.writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT token_sha256 FROM device_token WHERE device_id = ?", arguments: [device.rawValue])
        }
    }

    @Test func aTargetHoldingOtherDataIsRefusedAndLeftUnchanged() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The same centre in another zone.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addCentre(
                Centre(id: PressStoreTests.centre, name: "Wangdue DCRC", timeZone: "Asia/Kolkata"))
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in "\(error)".contains("centre 'wangdue-dcrc' differs") }
            #expect(try await target.pressCount(device: nil) == 0)
            #expect(try await target.deviceStatus(PressStoreTests.device, nowMillis: 0, sequence: nil) == nil)
        }
        // The same device and sequence with another press: nothing of the copy stays.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addCentre(
                Centre(id: PressStoreTests.centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
            try await target.setOpeningHours(
                try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: PressStoreTests.centre)
            _ = try await target.addDevice(Self.second, centre: PressStoreTests.centre, publicKey: nil, nowMillis: 0)
            // The same token as on SQLite, so that only the press differs.
            guard case .postgres(let client) = subject.probe else { throw HubError.storage("not PostgreSQL") }
            let hash = try #require(try Self.sqliteTokenHash(source, Self.second))
            try await client.query(
                "UPDATE device_token SET token_sha256 = \(hash) WHERE device_id = \(Self.second.rawValue)")
            _ = try await target.ingest(
                IngestBatch(
                    device: Self.second, centre: PressStoreTests.centre,
                    presses: [PressStoreTests.press(2, .veryHappy, device: Self.second)]),
                receivedMillis: PressStoreTests.mondayTen)
            let before = try await StoreFigures.read(target)
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in
                let text = "\(error)"
                return text.contains("press 2 of device 'wangdue-exit-2' differs")
            }
            #expect(try await StoreFigures.read(target) == before)
            #expect(try await target.deviceStatus(PressStoreTests.device, nowMillis: 0, sequence: nil) == nil)
        }
    }
}

/// The people's side of `migrate`: what a person, their sessions, tokens and links can do on PostgreSQL
/// after the copy, a rerun, and targets holding another person or another token under the same key.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresPeopleCopyTests {
    static let now = PressStoreTests.mondayTen
    static let day: Int64 = 86_400_000
    static let hash = "$2b$04$abcdefghijklmnopqrstuuVDNqv3JDW6bSNXRgpXWoS3RW2Ed.Bca"

    /// What signing in needs, made on the SQLite hub: the cookies, tokens and link it handed out.
    struct Handed {
        var liveCookie: String
        var endedCookie: String
        var token: String
        var revokedToken: String
        var link: String
    }

    /// A group holding the centre, a manager given the group (password, TOTP, e-mail), a viewer given the
    /// centre with a password link, a live and an ended session, a live and a revoked API token.
    static func addPeople(_ database: HubDatabase) throws -> Handed {
        try database.addGroup("wangdue-region", by: "root", nowMillis: now)
        try database.setGroup("wangdue-region", centre: PressStoreTests.centre, by: "root", nowMillis: now)
        try database.addPerson(
            "dorji", role: .manager, grants: [.group("wangdue-region")], passwordHash: hash, by: "root",
            nowMillis: now)
        try database.setTOTPSecret("JBSWY3DPEHPK3PXP", of: "dorji", by: "root", nowMillis: now + 1)
        try database.setEmail("dorji@example.bt", of: "dorji", by: "root", nowMillis: now + 2)
        try database.addPerson(
            "pema", role: .viewer, grants: [.centre(PressStoreTests.centre)], passwordHash: nil, by: "root",
            nowMillis: now + 3)
        let link = try database.issuePasswordLink(
            for: "pema", expiresMillis: now + 30 * day, by: "root", nowMillis: now)
        let live = try database.startSession(for: "dorji", address: "10.0.0.7", nowMillis: now + 10)
        let ended = try database.startSession(for: "dorji", nowMillis: now + 11)
        try database.endSession(ended.cookie, nowMillis: now + 12)
        let token = try database.createAPIToken(
            for: "dorji", name: "weekly-export", expiresMillis: now + 365 * day, by: "dorji", address: nil,
            nowMillis: now + 20)
        let revoked = try database.createAPIToken(
            for: "dorji", name: "old-script", expiresMillis: nil, by: "dorji", address: nil, nowMillis: now + 21)
        try database.revokeAPIToken(revoked.id, owner: nil, by: "root", address: nil, nowMillis: now + 22)
        return Handed(
            liveCookie: live.cookie, endedCookie: ended.cookie, token: token.token, revokedToken: revoked.token,
            link: link)
    }

    @Test func peopleSignInOnPostgresAfterTheCopyAndARerunDoublesNothing() async throws {
        let (source, _, directory) = try await PostgresCopyTests.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        let handed = try Self.addPeople(source)
        let auditLines = try source.auditEntries(limit: 1000).count
        #expect(auditLines >= 10)
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            let first = try await PostgresCopy.copy(from: source, to: target)
            #expect(first.groups == 1 && first.people == 2 && first.scopes == 2 && first.passwordLinks == 1)
            #expect(first.sessions == 2 && first.apiTokens == 2 && first.auditLines == auditLines)
            let sqlite = try StoreFigures.read(source)
            #expect(sqlite.people[.person]?.count == 2 && sqlite.people[.audit]?.count == auditLines)
            #expect(sqlite.people[.centreGroupMember] == [PressStoreTests.centre.rawValue: "wangdue-region"])
            #expect(try await StoreFigures.read(target) == sqlite)

            let again = try await PostgresCopy.copy(from: source, to: target)
            #expect(
                again.groups == 0 && again.people == 0 && again.scopes == 0 && again.passwordLinks == 0
                    && again.sessions == 0 && again.apiTokens == 0 && again.auditLines == 0)
            #expect(try await StoreFigures.read(target) == sqlite)

            #expect(try await target.auditEntries(limit: 1000) == source.auditEntries(limit: 1000))
            #expect(try await target.apiTokens(of: nil) == source.apiTokens(of: nil))

            // What signing in reads is the same on both sides.
            let credentials = try #require(try await target.credentials(of: "dorji"))
            #expect(credentials.role == .manager && credentials.passwordHash == Self.hash)
            #expect(credentials.totpSecret == "JBSWY3DPEHPK3PXP")
            #expect(try await target.people() == source.people())
            #expect(try await target.groups() == source.groups())
            #expect(try await target.readScope(of: "dorji") == .centres([PressStoreTests.centre]))
            #expect(try await target.readScope(of: "pema") == source.readScope(of: "pema"))
            let live = try await target.liveSession(
                handed.liveCookie, nowMillis: Self.now + 60_000, idleMillis: Self.day, absoluteMillis: 30 * Self.day)
            #expect(live?.person == "dorji")
            #expect(
                try await target.liveSession(
                    handed.endedCookie, nowMillis: Self.now + 60_000, idleMillis: Self.day,
                    absoluteMillis: 30 * Self.day) == nil)
            #expect(try await target.apiTokenOwner(handed.token, nowMillis: Self.now + 60_000) == "dorji")
            #expect(try await target.apiTokenOwner(handed.revokedToken, nowMillis: Self.now + 60_000) == nil)
            #expect(try await target.passwordLinkPerson(handed.link, nowMillis: Self.now + 60_000) == "pema")
            // Token ids are kept, and the next one made on PostgreSQL follows them.
            let next = try await target.createAPIToken(
                for: "dorji", name: "new", expiresMillis: nil, by: "dorji", address: nil, nowMillis: Self.now + 90_000)
            #expect(try next.id > source.apiTokens(of: nil).map(\.id).max()!)
        }
    }

    @Test func aTargetHoldingAnotherPersonTokenOrGroupIsRefusedAndLeftUnchanged() async throws {
        let (source, _, directory) = try await PostgresCopyTests.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.addPeople(source)
        // dorji is a viewer there.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addPerson(
                "dorji", role: .viewer, grants: [], passwordHash: nil, by: "root", nowMillis: Self.now)
            let before = try await StoreFigures.read(target)
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in
                "\(error)".contains("user 'dorji' differs: PostgreSQL holds role viewer, SQLite manager")
            }
            #expect(try await StoreFigures.read(target) == before)
            #expect(try await target.pressCount(device: nil) == 0)
        }
        // API token 1 is someone else's there; the message never shows a hash.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addPerson(
                "sonam", role: .manager, grants: [], passwordHash: nil, by: "root", nowMillis: Self.now)
            let made = try await target.createAPIToken(
                for: "sonam", name: "sonam-script", expiresMillis: nil, by: "sonam", address: nil, nowMillis: Self.now)
            #expect(made.id == 1)
            let before = try await StoreFigures.read(target)
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in
                let text = "\(error)"
                return text.contains(
                    "API token 1 ('weekly-export' of 'dorji') differs: PostgreSQL holds another token under that id ('sonam-script' of 'sonam')"
                ) && !text.contains(Secret.sha256(made.token))
            }
            #expect(try await StoreFigures.read(target) == before)
            #expect(try await target.people().map(\.name) == ["sonam"])
        }
        // The centre is in another group there.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addCentre(
                Centre(id: PressStoreTests.centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
            try await target.setOpeningHours(
                try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: PressStoreTests.centre)
            try await target.addGroup("punakha-region", by: "root", nowMillis: Self.now)
            try await target.setGroup("punakha-region", centre: PressStoreTests.centre, by: "root", nowMillis: Self.now)
            let before = try await StoreFigures.read(target)
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in
                "\(error)".contains(
                    "centre 'wangdue-dcrc' differs: PostgreSQL puts it in group 'punakha-region', SQLite in 'wangdue-region'"
                )
            }
            #expect(try await StoreFigures.read(target) == before)
            #expect(try await target.groups().map(\.name) == ["punakha-region"])
        }
    }

    @Test func aPersonWithoutAPasswordOnPostgresTakesTheOneFromSQLite() async throws {
        let (source, _, directory) = try await PostgresCopyTests.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.addPeople(source)
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addPerson(
                "dorji", role: .manager, grants: [], passwordHash: nil, by: "root", nowMillis: Self.now + 5)
            let outcome = try await PostgresCopy.copy(from: source, to: target)
            #expect(outcome.people == 1)
            #expect(try await target.credentials(of: "dorji")?.passwordHash == Self.hash)
            let figures = try await StoreFigures.read(target)
            let sqlite = try StoreFigures.read(source)
            // The person now agrees; the audit line written on PostgreSQL stays, so the logs differ by it.
            #expect(figures.people[.person] == sqlite.people[.person])
            #expect(figures.people[.audit]?.count == (sqlite.people[.audit]?.count ?? 0) + 1)
            let comparison = StoreFigures.comparison(sqlite: sqlite, postgres: figures)
            #expect(comparison.differ)
            #expect(comparison.lines.contains { $0.hasPrefix("  audit only in postgresql: ") && $0.contains("root") })
            #expect(!comparison.lines.joined().contains(Self.hash))
        }
    }
}

extension StoreProbe {
    func tokenHash(_ device: DeviceID) async throws -> String? {
        guard case .postgres(let client) = self else { return nil }
        var hash: String?
        for try await value in try await client.query(
            "SELECT token_sha256 FROM device_token WHERE device_id = \(device.rawValue)"
        ).decode(String.self) {
            hash = value
        }
        return hash
    }

    func tokenRevoked(_ device: DeviceID) async throws -> Bool? {
        guard case .postgres(let client) = self else { return nil }
        var revoked: Bool?
        for try await value in try await client.query(
            "SELECT revoked_millis IS NOT NULL FROM device_token WHERE device_id = \(device.rawValue)"
        ).decode(Bool.self) {
            revoked = value
        }
        return revoked
    }
}

extension PostgresCopyTests {
    /// A centre's care (actions, rules, alerts, deliveries, acknowledgements) copied with its ids: PostgreSQL
    /// then reads what SQLite reads, a rerun adds nothing, and new rows take the ids SQLite would give next.
    @Test func aCentresCareIsCopiedWithItsIdsAndARerunDoublesNothing() async throws {
        try await StoreBackend.sqlite.withStore { lite in
            let source = try #require(lite.care as? HubDatabase)
            try await CentreCareStoreTests.tell(lite)
            let now = CentreCareStoreTests.start + 120_000
            let expected = try await CentreCareStoreTests.transcript(lite, nowMillis: now)
            try await StoreBackend.postgres.withStore { pg in
                let target = try #require(pg.care as? PostgresPressStore)
                let first = try await PostgresCopy.copy(from: source, to: target)
                #expect(
                    first.actions == 3 && first.alertRuleSettings == 3 && first.alerts == 4 && first.deliveries == 7)
                let figures = (try StoreFigures.read(source), try await StoreFigures.read(target))
                #expect(figures.0.care[.alert]?.count == 4 && figures.0 == figures.1)
                #expect(StoreFigures.comparison(sqlite: figures.0, postgres: figures.1).differ == false)
                #expect(try await CentreCareStoreTests.transcript(pg, nowMillis: now) == expected)

                let again = try await PostgresCopy.copy(from: source, to: target)
                #expect(
                    again.actions == 0 && again.alertRuleSettings == 0 && again.alerts == 0 && again.deliveries == 0)
                #expect(try await StoreFigures.read(target) == figures.0)

                // The identities go on after the copied ids, as SQLite's AUTOINCREMENT does.
                for care in [lite.care, pg.care] {
                    let action = try await care.addAction(
                        centre: CentreCareStoreTests.centre, date: CentreCareStoreTests.monday, text: "After the copy",
                        target: nil, by: "dorji", address: nil, nowMillis: now)
                    #expect(action.id == 5)
                    let state = AlertState(
                        openedMillis: now, evidence: CentreCareStoreTests.evidence("after the copy"))
                    let ids = try await care.apply(
                        [CentreCareStoreTests.change(CentreCareStoreTests.paro, .stuckLine, "line-3", .open(state))],
                        deliverTo: ["email"])
                    #expect(ids == [5])
                    #expect(try await care.deliveries(alertID: 5).map(\.id) == [8])
                }
            }
        }
    }

    /// PostgreSQL holding another action or alert under a copied id: refused naming it, nothing written.
    @Test func aTargetHoldingAnotherActionUnderTheSameIdIsRefusedAndLeftUnchanged() async throws {
        try await StoreBackend.sqlite.withStore { lite in
            let source = try #require(lite.care as? HubDatabase)
            try await CentreCareStoreTests.tell(lite)
            try await StoreBackend.postgres.withStore { pg in
                let target = try #require(pg.care as? PostgresPressStore)
                try await CentreCareStoreTests.prepare(pg)
                try await pg.care.addAction(
                    centre: CentreCareStoreTests.paro, date: CentreCareStoreTests.monday, text: "Held only here",
                    target: nil, by: "pema", address: nil, nowMillis: 1)
                let before = try await StoreFigures.read(target)
                await #expect(
                    throws: HubError.conflict(
                        "action #1 differs: PostgreSQL holds 'Held only here' of paro-dcrc on 2026-11-02, SQLite 'Second counter opened' of wangdue-dcrc on 2026-11-02"
                    )
                ) {
                    try await PostgresCopy.copy(from: source, to: target)
                }
                #expect(try await StoreFigures.read(target) == before)
            }
        }
    }
}
