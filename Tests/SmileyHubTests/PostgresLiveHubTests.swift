import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// Live pages across hubs: two whole hubs on one PostgreSQL database, each a real server on loopback with
/// its own press listener; a manager's `/events` stream open on one hears the presses another hub stored.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresLiveHubTests {
    static let centre = PressStoreTests.centre
    static let other = CentreID(rawValue: "paro-dcrc")!
    static let password = "correct horse battery"
    static let now = PressStoreTests.mondayTen + 3_600_000

    /// Two running hubs on a fresh database with Wangdue (its device) and Paro, Dorji managing both and
    /// Pema managing Paro only.
    struct TwoHubs: Sendable {
        let database: String
        let token: String
        let a: any TestClientProtocol
        let b: any TestClientProtocol
        let logsA: LogCapture
        let logsB: LogCapture

        /// A session cookie of `person`, signed in through `hub`.
        func signIn(_ person: String, through hub: any TestClientProtocol) async throws -> String {
            try #require(try await hub.signIn(person, PostgresLiveHubTests.password).cookie)
        }

        /// Sends a batch to `hub` with the device's token (or `token`); the status and the receipt.
        func upload(_ batch: IngestBatch, through hub: any TestClientProtocol, token: String? = nil) async throws
            -> (status: Int, receipt: IngestReceipt?, body: String)
        {
            try await hub.execute(
                uri: "/api/v1/ingest", method: .post,
                headers: [.authorization: "Bearer \(token ?? self.token)", .contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONEncoder().encode(batch))
            ) { response in
                return (
                    response.status.code,
                    try? JSONDecoder().decode(IngestReceipt.self, from: Data(response.body.readableBytesView)),
                    String(buffer: response.body)
                )
            }
        }

        /// Runs `body` on a client of the test database.
        func withDatabase<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
            try await PostgresTestServer.withClient(database: database, body)
        }
    }

    static func withTwoHubs(
        listenerSchedule: ListenerReconnectSchedule = ListenerReconnectSchedule(
            firstDelayMillis: 100, maximumDelayMillis: 1000),
        _ body: @escaping @Sendable (TwoHubs) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            let token = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                let token = try await PressStoreTests.prepare(store)[0]
                try await store.addCentre(Centre(id: Self.other, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
                let hash = Bcrypt.hash(Self.password, cost: 4)
                try await store.addPerson(
                    "dorji", role: .manager, grants: [.centre(Self.centre), .centre(Self.other)], passwordHash: hash,
                    by: "test",
                    nowMillis: Self.now)
                try await store.addPerson(
                    "pema", role: .manager, grants: [.centre(Self.other)], passwordHash: hash, by: "test",
                    nowMillis: Self.now)
                return token
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            let (logsA, logsB) = (LogCapture(), LogCapture())
            func hub(_ logs: LogCapture) throws -> some ApplicationProtocol {
                try buildPostgresApplication(
                    configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent"),
                    location: location, password: nil, logger: logs.logger, clock: .fixed(Self.now),
                    access: .testing, periodicWork: false,
                    listenerSchedule: listenerSchedule)
            }
            let (hubA, hubB) = (try hub(logsA), try hub(logsB))
            try await hubA.test(.live) { a in
                try await hubB.test(.live) { b in
                    try await PostgresPeriodicHubTests.waitUntil("both hubs listen for presses") {
                        Self.listening(logsA) == 1 && Self.listening(logsB) == 1
                    }
                    try await body(
                        TwoHubs(database: name, token: token, a: a, b: b, logsA: logsA, logsB: logsB))
                }
            }
        }
    }

    static func listening(_ logs: LogCapture) -> Int {
        PostgresPeriodicHubTests.count(logs, "listening for presses of every hub on channel 'smiley_press'")
    }

    /// The device's clock when it sends: synchronised, an hour after its presses' boot reading.
    static let clock = ClockSample(
        boot: "boot-a", monotonicNanos: 1_000_000_000_000 + 3_600_000_000_000, wallClockMillis: now,
        synchronised: true)

    static func batch(_ sequences: ClosedRange<Int64>, _ answer: Answer = .happy) -> IngestBatch {
        PressStoreTests.batch(sequences.map { PressStoreTests.press($0, answer, minutes: $0) }, clock: clock)
    }

    static func open(_ hubs: TwoHubs, on hub: any TestClientProtocol, as person: String) async throws
        -> EventStreamClient
    {
        let stream = try await EventStreamClient.open(
            port: try #require(hub.port), cookie: try await hubs.signIn(person, through: hub))
        try await PostgresPeriodicHubTests.waitUntil("\(person)'s event stream opens") { stream.isOpen }
        return stream
    }

    @Test func aBatchThroughHubAReachesAManagersPageOnHubBOnceAndNothingElseDoes() async throws {
        try await Self.withTwoHubs { hubs in
            let onB = try await Self.open(hubs, on: hubs.b, as: "dorji")
            let onA = try await Self.open(hubs, on: hubs.a, as: "dorji")
            let pemaOnB = try await Self.open(hubs, on: hubs.b, as: "pema")

            // New presses through hub A: Dorji's page on hub B hears Wangdue, and so does his page on hub A,
            // once (the hub that stored the batch hears it through the database like every other).
            let first = try await hubs.upload(Self.batch(1...5), through: hubs.a)
            #expect(first.status == 200 && first.receipt?.accepted == 5)
            try await PostgresPeriodicHubTests.waitUntil("hub B's stream carries the batch") {
                onB.pressedCentres.count >= 1 && onA.pressedCentres.count >= 1
            }

            // The same batch again (every press a duplicate), a batch whose press contradicts a stored one
            // (refused, rolled back), a wrong token, an unknown device's centre: no event.
            let again = try await hubs.upload(Self.batch(1...5), through: hubs.a)
            #expect(again.status == 200 && again.receipt?.accepted == 0 && again.receipt?.duplicates == 5)
            let contradicting = try await hubs.upload(
                PressStoreTests.batch(
                    [PressStoreTests.press(5, .veryUnhappy, minutes: 5), PressStoreTests.press(6, minutes: 6)],
                    clock: Self.clock),
                through: hubs.b)
            #expect(contradicting.status == 409, "\(contradicting.body)")
            let wrongToken = try await hubs.upload(Self.batch(6...7), through: hubs.a, token: "smiley_dev_wrong")
            #expect(wrongToken.status == 401)
            // A transaction that issued the note and then rolled back: the hub's own ingest, aborted at its end.
            struct Abort: Error {}
            let rolledBack = await #expect(throws: (any Error).self) {
                try await hubs.withDatabase { client in
                    try await client.withTransaction(logger: Logger(label: "test")) { connection in
                        let receipt = try await PostgresPressStore.quiet(client).store(
                            connection, Self.batch(6...8), receivedMillis: Self.now)
                        #expect(receipt.accepted == 3, "the batch was new, so its note was issued")
                        throw Abort()
                    }
                }
            }
            #expect(
                (rolledBack as? PostgresTransactionError)?.closureError is Abort, "\(String(describing: rolledBack))")
            // A note whose payload is not a centre: logged by each hub, ignored, nothing breaks.
            try await hubs.withDatabase { client in
                _ = try await client.query("SELECT pg_notify('smiley_press', 'Not a centre; DROP TABLE press')")
            }
            try await PostgresPeriodicHubTests.waitUntil("both hubs log the bad payload") {
                PostgresPeriodicHubTests.count(hubs.logsA, "which is not a centre id") == 1
                    && PostgresPeriodicHubTests.count(hubs.logsB, "which is not a centre id") == 1
            }

            // The next new presses, through hub B this time, then a note of Paro sent last: notes reach each
            // stream in commit order, so once Paro is there, every note of the batches above would be too.
            let second = try await hubs.upload(Self.batch(6...9), through: hubs.b)
            #expect(second.status == 200 && second.receipt?.accepted == 4)
            try await hubs.withDatabase { client in
                _ = try await client.query("SELECT pg_notify('smiley_press', 'paro-dcrc')")
            }
            try await PostgresPeriodicHubTests.waitUntil("every stream carries the last note") {
                [onA, onB, pemaOnB].allSatisfy { $0.pressedCentres.last == "paro-dcrc" }
            }
            // One event per batch with new presses, whichever hub stored it; nothing for the rest.
            #expect(onB.pressedCentres == ["wangdue-dcrc", "wangdue-dcrc", "paro-dcrc"])
            #expect(onA.pressedCentres == ["wangdue-dcrc", "wangdue-dcrc", "paro-dcrc"])
            // Pema manages Paro only: her stream carries nothing of Wangdue.
            #expect(pemaOnB.pressedCentres == ["paro-dcrc"])
            let stored = try await hubs.withDatabase { client in
                try await PostgresPressStore.quiet(client).pressCount(device: PressStoreTests.device)
            }
            #expect(stored == 9, "the rolled-back batch stored nothing")
            for stream in [onA, onB, pemaOnB] { await stream.close() }

            // Nobody signed in is sent to the login page, as on SQLite.
            let anonymous = try await EventStreamClient.open(port: try #require(hubs.b.port), cookie: nil)
            try await PostgresPeriodicHubTests.waitUntil("the anonymous request is answered") {
                anonymous.text.contains("\r\n\r\n")
            }
            #expect(
                anonymous.status.hasPrefix("HTTP/1.1 303") && anonymous.text.lowercased().contains("location: /login")
                    && !anonymous.text.contains("event: press"), "\(anonymous.text)")
            await anonymous.close()
        }
    }

    /// Both hubs' listeners, found by their application name, each sitting in its LISTEN: ended by
    /// `pg_terminate_backend`, as a restart of the server or a dropped network would. Their process ids.
    static func terminateListeners(_ hubs: TwoHubs) async throws -> [Int32] {
        let listeners = try await hubs.withDatabase { client in
            var found: [(Int32, String)] = []
            for try await row in try await client.query(
                """
                SELECT pid, query FROM pg_stat_activity
                WHERE application_name = \(PressNotificationListener.applicationName)
                    AND datname = current_database()
                """
            ).decode((Int32, String).self) {
                found.append(row)
            }
            return found
        }
        #expect(listeners.count == 2)
        #expect(listeners.allSatisfy { $0.1.hasPrefix(#"LISTEN "smiley_press""#) }, "\(listeners)")
        try await hubs.withDatabase { client in
            for (pid, _) in listeners {
                _ = try await client.query("SELECT pg_terminate_backend(\(pid))")
            }
        }
        return listeners.map(\.0)
    }

    @Test func theListenerListensAgainAfterItsConnectionIsTerminated() async throws {
        try await Self.withTwoHubs { hubs in
            let onB = try await Self.open(hubs, on: hubs.b, as: "dorji")
            let listeners = try await Self.terminateListeners(hubs)
            // Each hub logs the loss and listens again.
            try await PostgresPeriodicHubTests.waitUntil("both listeners listen again") {
                Self.listening(hubs.logsA) == 2 && Self.listening(hubs.logsB) == 2
            }
            for logs in [hubs.logsA, hubs.logsB] {
                #expect(PostgresPeriodicHubTests.count(logs, "the press listener is not listening") >= 1)
            }
            let reconnected = try await hubs.withDatabase { client in
                var pids: [Int32] = []
                for try await pid in try await client.query(
                    """
                    SELECT pid FROM pg_stat_activity
                    WHERE application_name = \(PressNotificationListener.applicationName)
                        AND datname = current_database()
                    """
                ).decode(Int32.self) {
                    pids.append(pid)
                }
                return pids
            }
            #expect(reconnected.count == 2 && Set(reconnected).isDisjoint(with: listeners))
            // Nothing was stored while they were not listening: the catch-up tells no page anything.
            for logs in [hubs.logsA, hubs.logsB] {
                #expect(PostgresPeriodicHubTests.count(logs, "the press listener caught up: 0 centre(s)") == 1)
            }

            // Events flow again: a batch through hub A reaches the page open on hub B.
            let batch = try await hubs.upload(Self.batch(1...3), through: hubs.a)
            #expect(batch.status == 200 && batch.receipt?.accepted == 3)
            try await PostgresPeriodicHubTests.waitUntil("hub B's stream carries the batch") {
                onB.pressedCentres.count >= 1
            }
            #expect(onB.pressedCentres == ["wangdue-dcrc"])
            await onB.close()
        }
    }
    @Test func pressesStoredWhileAListenerWasNotListeningReachItsPagesOnceItListensAgain() async throws {
        // A listener waits 2 s before it connects again: the batch below is stored in that gap.
        try await Self.withTwoHubs(
            listenerSchedule: ListenerReconnectSchedule(firstDelayMillis: 2000, maximumDelayMillis: 2000)
        ) { hubs in
            let onB = try await Self.open(hubs, on: hubs.b, as: "dorji")
            let pemaOnB = try await Self.open(hubs, on: hubs.b, as: "pema")
            _ = try await Self.terminateListeners(hubs)
            try await PostgresPeriodicHubTests.waitUntil("hub B's listener logs the loss") {
                PostgresPeriodicHubTests.count(hubs.logsB, "the press listener is not listening") == 1
            }
            let batch = try await hubs.upload(Self.batch(1...3), through: hubs.a)
            #expect(batch.status == 200 && batch.receipt?.accepted == 3)
            #expect(Self.listening(hubs.logsB) == 1, "the batch was stored before hub B listened again")

            // Once listening again, hub B tells its open pages about Wangdue, whose device was seen meanwhile,
            // and nothing of Paro, which had no press: Dorji's page draws itself afresh, Pema's does not.
            try await PostgresPeriodicHubTests.waitUntil("hub B listens again and its page hears of Wangdue") {
                Self.listening(hubs.logsB) == 2 && onB.pressedCentres.count >= 1
            }
            #expect(PostgresPeriodicHubTests.count(hubs.logsB, "the press listener caught up: 1 centre(s)") == 1)
            try await hubs.withDatabase { client in
                _ = try await client.query("SELECT pg_notify('smiley_press', 'paro-dcrc')")
            }
            try await PostgresPeriodicHubTests.waitUntil("both streams carry the note of Paro") {
                onB.pressedCentres.last == "paro-dcrc" && pemaOnB.pressedCentres.last == "paro-dcrc"
            }
            #expect(onB.pressedCentres == ["wangdue-dcrc", "paro-dcrc"])
            #expect(pemaOnB.pressedCentres == ["paro-dcrc"])
            for stream in [onB, pemaOnB] { await stream.close() }
        }
    }
}
