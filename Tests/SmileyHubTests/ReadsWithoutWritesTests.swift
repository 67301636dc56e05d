import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Synchronization
import Testing

/// Reading with a personal API token or a session writes nothing more than once a minute (the use is
/// noted then), so reads go on while another connection holds the write lock: they never wait behind
/// ingest's commits. Checked on a real SQLite file with its write lock held by a second connection.
@Suite struct ReadsWithoutWritesTests {
    static let password = "correct horse battery"

    struct Hub {
        let directory = NSTemporaryDirectory() + "smiley-reads-\(UUID().uuidString)"
        let database: HubDatabase
        let clock = SecondsClock(ReadSideFixture.thimphu(2026, 11, 25, 10, 0))

        init() throws {
            database = try HubDatabase(path: directory + "/hub.sqlite")
            try database.addCentre(Centre(id: ReadSideFixture.centre, name: "Paro", timeZone: "Asia/Thimphu"))
            try database.addPerson(
                "dorji", role: .manager, grants: [.centre(ReadSideFixture.centre)],
                passwordHash: try AccessTests.Hub.hash(ReadsWithoutWritesTests.password), by: "test", nowMillis: 0)
        }

        func app() throws -> some ApplicationProtocol {
            Application(router: try buildRouter(database: database, clock: clock.clock, access: .testing))
        }

        /// Runs `body` while a second connection holds the database's write lock.
        func whileWriteLocked<T>(_ body: () async throws -> T) async throws -> T {
            var configuration = Configuration()
            // The lock is held across the awaits below, outside of any one database access.
            configuration.allowsUnsafeTransactions = true
            let other = try DatabaseQueue(path: directory + "/hub.sqlite", configuration: configuration)
            try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            do {
                let result = try await body()
                try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
                try other.close()
                return result
            } catch {
                try? await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
                throw error
            }
        }

        func lastUsed() throws -> Int64? { try database.apiTokens(of: "dorji").first?.lastUsedMillis }
    }

    @Test func aTokensUseIsNotedOnceAMinuteAndItsReadsGoOnWhileTheWriteLockIsHeld() async throws {
        let hub = try Hub()
        defer { try? FileManager.default.removeItem(atPath: hub.directory) }
        let token = try hub.database.createAPIToken(
            for: "dorji", name: "script", expiresMillis: nil, by: "test", nowMillis: hub.clock.now
        ).token
        let path = "/api/v1/centres/\(ReadSideFixture.centre)/heatmap?window=last-13-weeks"
        try await hub.app().test(.router) { client in
            let first = hub.clock.now
            #expect(try await client.send(.get, path, bearer: token).status == .ok)
            #expect(try hub.lastUsed() == first)
            hub.clock.advance(seconds: 30)
            let locked = try await hub.whileWriteLocked { try await client.send(.get, path, bearer: token) }
            #expect(locked.status == .ok)
            #expect(try hub.lastUsed() == first)
            hub.clock.advance(seconds: 31)
            #expect(try await client.send(.get, path, bearer: token).status == .ok)
            #expect(try hub.lastUsed() == first + 61_000)
        }
    }

    @Test func aSessionsPagesGoOnWhileTheWriteLockIsHeldAndItStillEndsWhenIdle() async throws {
        let hub = try Hub()
        defer { try? FileManager.default.removeItem(atPath: hub.directory) }
        try await hub.app().test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            hub.clock.advance(seconds: 20)
            let locked = try await hub.whileWriteLocked {
                try await client.send(.get, "/centres/\(ReadSideFixture.centre)", cookie: session)
            }
            #expect(locked.status == .ok && locked.body.contains("Paro"))
            // Used again after 29 minutes (noted), then idle for 30 minutes and a second: ended.
            hub.clock.advance(minutes: 29)
            #expect(try await client.send(.get, "/api/v1/centres", cookie: session).status == .ok)
            hub.clock.advance(minutes: 30)
            hub.clock.advance(seconds: 1)
            #expect(try await client.send(.get, "/api/v1/centres", cookie: session).status == .unauthorized)
        }
    }
}

/// A hub clock the test moves by seconds.
final class SecondsClock: Sendable {
    private let millis: Mutex<Int64>

    init(_ millis: Int64) { self.millis = Mutex(millis) }

    var now: Int64 { millis.withLock { $0 } }
    func advance(seconds: Int64) { millis.withLock { $0 += seconds * 1_000 } }
    func advance(minutes: Int64) { advance(seconds: minutes * 60) }
    var clock: HubClock { HubClock { self.now } }
}
