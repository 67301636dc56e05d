import Logging
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// A transaction PostgreSQL aborts for a deadlock or a serialization failure is run again, whole; any other
/// failure is not. The pure policy with plain numbers, then the store against a real server: a real deadlock
/// between two hubs' ingests, and triggers that fail the first attempts with the state under test.
struct TransactionRetryTests {
    @Test func deadlocksAndSerializationFailuresAreRetriedWithDoublingWaitsAndNothingElseIs() {
        let retry = TransactionRetry()
        #expect(retry.delayMillis(afterAttempt: 1, sqlState: "40P01") == 10)
        #expect(retry.delayMillis(afterAttempt: 2, sqlState: "40001") == 20)
        #expect(retry.delayMillis(afterAttempt: 3, sqlState: "40001") == nil, "three attempts in all")
        for other in ["23505", "23514", "57P01", "08006", "40002", "", nil] as [String?] {
            #expect(retry.delayMillis(afterAttempt: 1, sqlState: other) == nil, "\(other ?? "no state")")
        }
        let off = TransactionRetry(maximumAttempts: 1)
        #expect(off.delayMillis(afterAttempt: 1, sqlState: "40P01") == nil)
        #expect(TransactionRetry(maximumAttempts: 0).maximumAttempts == 1, "at least the first attempt")
        let patient = TransactionRetry(maximumAttempts: 40, firstDelayMillis: 5)
        #expect(patient.delayMillis(afterAttempt: 4, sqlState: "40P01") == 40)
        #expect(patient.delayMillis(afterAttempt: 39, sqlState: "40P01") == 5 << 20, "the doubling is capped")
    }
}

@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresTransactionRetryTests {
    static let centre = PostgresPressStoreTests.centre
    static let devices = PostgresPressStoreTests.devices
    static let received = PostgresPressStoreTests.mondayTen + 3_600_000

    /// A fresh database with the schema, Trongsa and its three devices; `body` gets a client, a store
    /// logging into `logs`, and the database's name.
    static func withStore(
        _ logs: LogCapture,
        _ body: @escaping @Sendable (PostgresClient, PostgresPressStore, String) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore(client: client, logger: logs.logger)
                try await store.migrate()
                try await store.addCentre(Centre(id: Self.centre, name: "Trongsa", timeZone: "Asia/Thimphu"))
                for device in Self.devices {
                    _ = try await store.addDevice(device, centre: Self.centre, publicKey: nil, nowMillis: 0)
                }
                try await body(client, store, name)
            }
        }
    }

    /// A trigger that fails each statement inserting presses with SQLSTATE `state` until `failures` have
    /// failed: its count is a sequence, which a rollback does not undo, so it also counts the attempts.
    static func failFirst(_ failures: Int, with state: String, _ client: PostgresClient) async throws {
        _ = try await client.query("CREATE SEQUENCE insert_attempts")
        _ = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF nextval('insert_attempts') <= \(failures) THEN
                            RAISE EXCEPTION 'failed on purpose' USING ERRCODE = '\(state)';
                        END IF;
                        RETURN NULL;
                    END $$
                    """))
        _ = try await client.query(
            "CREATE TRIGGER fail_first BEFORE INSERT ON press FOR EACH STATEMENT EXECUTE FUNCTION fail_first()")
    }

    static func attempts(_ client: PostgresClient) async throws -> Int {
        for try await value in try await client.query("SELECT last_value FROM insert_attempts").decode(Int.self) {
            return value
        }
        return 0
    }

    static func retries(_ logs: LogCapture) -> [String] {
        logs.all.filter { $0.contains("PostgreSQL aborted a transaction") }
    }

    @Test func aRealDeadlockBetweenTwoHubsIngestsEndsWithBothBatchesStoredOnce() async throws {
        let logs = LogCapture()
        try await Self.withStore(logs) { client, first, name in
            // Each batch's insert takes two locks of the test's own (transaction advisory locks), in opposite
            // orders for the two devices; on the first two attempts each waits, after its first lock, until the
            // other transaction holds its first too. So they wait for each other whatever the machine's load,
            // and the server's deadlock detector aborts one of them (SQLSTATE 40P01). Its retry, the third
            // attempt, does not wait.
            _ = try await client.query("CREATE SEQUENCE insert_attempts")
            _ = try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE FUNCTION cross_locks() RETURNS trigger LANGUAGE plpgsql AS $$
                        DECLARE
                            device text;
                            mine integer;
                            theirs integer;
                            attempt bigint;
                        BEGIN
                            attempt := nextval('insert_attempts');
                            SELECT min(device_id) INTO device FROM inserted;
                            IF device = '\(Self.devices[0])' THEN mine := 1; theirs := 2;
                            ELSE mine := 2; theirs := 1;
                            END IF;
                            PERFORM pg_advisory_xact_lock(4242, mine);
                            IF attempt <= 2 THEN
                                FOR i IN 1..6000 LOOP
                                    EXIT WHEN EXISTS (
                                        SELECT 1 FROM pg_locks
                                        WHERE locktype = 'advisory' AND classid = 4242::oid AND objid = theirs::oid
                                            AND granted AND pid <> pg_backend_pid()
                                            AND database = (SELECT oid FROM pg_database WHERE datname = current_database()));
                                    PERFORM pg_sleep(0.01);
                                END LOOP;
                            END IF;
                            PERFORM pg_advisory_xact_lock(4242, theirs);
                            RETURN NULL;
                        END $$
                        """))
            _ = try await client.query(
                """
                CREATE TRIGGER cross_locks AFTER INSERT ON press REFERENCING NEW TABLE AS inserted
                FOR EACH STATEMENT EXECUTE FUNCTION cross_locks()
                """)
            try await PostgresTestServer.withClient(database: name) { other in
                let second = PostgresPressStore(client: other, logger: logs.logger)
                let receipts = try await withThrowingTaskGroup(of: IngestReceipt.self) { group in
                    for (store, device) in [(first, Self.devices[0]), (second, Self.devices[1])] {
                        group.addTask {
                            try await store.ingest(
                                PostgresPressStoreTests.batch(device, 1...20, withClock: false),
                                receivedMillis: Self.received)
                        }
                    }
                    var done: [IngestReceipt] = []
                    for try await receipt in group { done.append(receipt) }
                    return done
                }
                #expect(receipts.map(\.accepted) == [20, 20])
            }
            let retried = Self.retries(logs)
            #expect(retried.count == 1 && retried[0].contains("SQLSTATE 40P01"), "\(retried)")
            #expect(try await Self.attempts(client) == 3, "two first attempts and one retry")
            let probe = StoreProbe.postgres(client)
            #expect(try await probe.pressKeys().count == 40)
            #expect(try await probe.rollup() == probe.recount())
        }
    }

    @Test func aBatchAbortedTwiceForASerializationFailureIsStoredOnceOnTheThirdAttempt() async throws {
        let logs = LogCapture()
        try await Self.withStore(logs) { client, store, _ in
            try await Self.failFirst(2, with: "40001", client)
            let receipt = try await store.ingest(
                PostgresPressStoreTests.batch(Self.devices[0], 1...30, withClock: false), receivedMillis: Self.received)
            #expect(receipt.accepted == 30 && receipt.duplicates == 0)
            #expect(try await Self.attempts(client) == 3)
            #expect(Self.retries(logs).count == 2)
            let probe = StoreProbe.postgres(client)
            #expect(try await probe.pressKeys().count == 30)
            #expect(try await probe.rollup() == probe.recount())
        }
    }

    @Test func aTransactionStillAbortedAfterThreeAttemptsFailsNamingTheStateAndStoresNothing() async throws {
        let logs = LogCapture()
        try await Self.withStore(logs) { client, store, _ in
            try await Self.failFirst(1000, with: "40P01", client)
            let error = await #expect(throws: HubError.self) {
                try await store.ingest(
                    PostgresPressStoreTests.batch(Self.devices[0], 1...5, withClock: false),
                    receivedMillis: Self.received)
            }
            let message = "\(String(describing: error))"
            #expect(message.contains("SQLSTATE 40P01") && message.contains("after 3 attempts"), "\(message)")
            #expect(try await Self.attempts(client) == 3)
            #expect(try await StoreProbe.postgres(client).pressKeys().isEmpty)
        }
    }

    @Test func anyOtherFailureIsNotRunAgain() async throws {
        let logs = LogCapture()
        try await Self.withStore(logs) { client, store, _ in
            try await Self.failFirst(1000, with: "23514", client)
            let error = await #expect(throws: HubError.self) {
                try await store.ingest(
                    PostgresPressStoreTests.batch(Self.devices[0], 1...5, withClock: false),
                    receivedMillis: Self.received)
            }
            let message = "\(String(describing: error))"
            #expect(message.contains("SQLSTATE 23514") && !message.contains("attempts"), "\(message)")
            #expect(try await Self.attempts(client) == 1)
            #expect(Self.retries(logs).isEmpty)
            #expect(try await StoreProbe.postgres(client).pressKeys().isEmpty)
        }
    }
}
