// Hub ingest on PostgreSQL: presses per second, three ways measured side by side in one run, batches of 500,
// one batch per transaction, on the same server:
//   hub   - PostgresPressStore.ingest (validation, the device's row lock, boot clocks, ON CONFLICT insert,
//           duplicate check, rollup upsert, contiguous mark)
//   bare  - the same rows into a plain table (no key, no index) by one multi-row INSERT (unnest) per batch
//   copy  - the same rows into a plain table by COPY ... FROM STDIN (text format), one COPY per batch
// Each round uses a fresh database; medians and the ratios are printed.
//
//     swift build -c release --product PostgresIngest && scripts/with-postgres.sh .build/release/PostgresIngest [PRESSES] [ROUNDS]
//
// PRESSES per way and round (default 20,000), ROUNDS (default 5). The server is the one scripts/with-postgres.sh
// starts (SMILEY_TEST_POSTGRES_SOCKET, SMILEY_TEST_POSTGRES_USER). `make benchmark-smoke` runs it tiny.

import Foundation
import Logging
import NIOCore
import PostgresNIO
import SmileyCore
import SmileyHub

let benchmarkArguments = CommandLine.arguments.dropFirst().compactMap {
    Int($0.replacingOccurrences(of: "_", with: ""))
}
let pressesPerRun = max(1, benchmarkArguments.first ?? 20_000)
let rounds = max(1, benchmarkArguments.dropFirst().first ?? 5)
let batchSize = 500
let centre = CentreID(rawValue: "bench-centre")!
let device = DeviceID(rawValue: "bench-device")!
let answers = Question.satisfaction.answers + Question.accessibility.answers
/// 2026-11-02 06:30 UTC: the first press; one press every 37 s after it.
let firstPressMillis: Int64 = 1_793_593_800_000
let hubMillis = firstPressMillis + Int64(pressesPerRun) * 37_000 + 60_000
let environment = ProcessInfo.processInfo.environment
guard let socketDirectory = environment["SMILEY_TEST_POSTGRES_SOCKET"], !socketDirectory.isEmpty else {
    FileHandle.standardError.write(
        Data(
            "PostgresIngest: SMILEY_TEST_POSTGRES_SOCKET is not set: run it as scripts/with-postgres.sh \(CommandLine.arguments[0])\n"
                .utf8))
    exit(2)
}
let user = environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres"
var quiet = Logger(label: "smiley.bench.postgres")
quiet.logLevel = .error
let logger = quiet

let batches: [IngestBatch] = {
    var sequence: Int64 = 0
    return stride(from: 0, to: pressesPerRun, by: batchSize).map { start in
        let presses = (start..<min(start + batchSize, pressesPerRun)).map { index -> Press in
            sequence += 1
            return Press(
                device: device, boot: "bench-boot", sequence: sequence, answer: answers[index % answers.count],
                monotonicNanos: sequence * 1_000_000_000, wallClockMillis: firstPressMillis + sequence * 37_000,
                clockSynchronised: true)
        }
        let clock = ClockSample(
            boot: "bench-boot", monotonicNanos: sequence * 1_000_000_000,
            wallClockMillis: firstPressMillis + sequence * 37_000, synchronised: true)
        return IngestBatch(device: device, centre: centre, presses: presses, clock: clock)
    }
}()

func configuration(database: String) -> PostgresClient.Configuration {
    var configuration = PostgresClient.Configuration(
        unixSocketPath: socketDirectory + "/.s.PGSQL.5432", username: user, password: nil, database: database)
    configuration.tls = .disable
    configuration.options.maximumConnections = 2
    return configuration
}

/// Runs `body` with a client of `database`, its pool run beside it.
func withClient<T: Sendable>(database: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
    let client = PostgresClient(configuration: configuration(database: database), backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

/// A database for one round (our own name: an identifier cannot be bound), dropped afterwards.
func withFreshDatabase<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
    let name = "smiley_bench_" + (0..<10).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
    try await withClient(database: "postgres") { admin in
        _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    }
    let result = try await withClient(database: name, body)
    try await withClient(database: "postgres") { admin in
        _ = try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"))
    }
    return result
}

let plainTable = """
    (device_id text NOT NULL, sequence bigint NOT NULL, boot text NOT NULL, question text NOT NULL,
     answer text NOT NULL, score integer NOT NULL, monotonic_nanos bigint NOT NULL, wall_clock_millis bigint NOT NULL,
     clock_synchronised boolean NOT NULL, suppressed boolean NOT NULL, received_millis bigint NOT NULL)
    """

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Presses per second through PostgresPressStore.ingest.
func hubRun() async throws -> Double {
    try await withFreshDatabase { client in
        let store = PostgresPressStore(client: client, logger: logger)
        try await store.migrate()
        try await store.addCentre(Centre(id: centre, name: "Bench", timeZone: "Asia/Thimphu"))
        _ = try await store.addDevice(device, centre: centre, publicKey: nil, nowMillis: hubMillis)
        let clock = ContinuousClock()
        let start = clock.now
        var accepted = 0
        for batch in batches { accepted += try await store.ingest(batch, receivedMillis: hubMillis).accepted }
        let elapsed = clock.now - start
        precondition(accepted == pressesPerRun, "hub accepted \(accepted) of \(pressesPerRun)")
        let held = try await store.pressCount(device: nil)
        precondition(held == pressesPerRun, "the hub holds \(held) presses, expected \(pressesPerRun)")
        return Double(pressesPerRun) / seconds(elapsed)
    }
}

/// Presses per second by one multi-row INSERT per batch into a plain table.
func bareRun() async throws -> Double {
    try await withFreshDatabase { client in
        _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE TABLE bare_press \(plainTable)"))
        let clock = ContinuousClock()
        let start = clock.now
        for batch in batches {
            let presses = batch.presses
            _ = try await client.query(
                """
                INSERT INTO bare_press SELECT \(device.rawValue), p.* , \(hubMillis)
                FROM unnest(\(presses.map(\.sequence))::bigint[], \(presses.map(\.boot))::text[],
                    \(presses.map(\.question.rawValue))::text[], \(presses.map(\.answer.name))::text[],
                    \(presses.map { $0.answer.score })::integer[], \(presses.map(\.monotonicNanos))::bigint[],
                    \(presses.map(\.wallClockMillis))::bigint[], \(presses.map(\.clockSynchronised))::boolean[],
                    \(presses.map(\.suppressed))::boolean[])
                    AS p(sequence, boot, question, answer, score, monotonic_nanos, wall_clock_millis,
                        clock_synchronised, suppressed)
                """)
        }
        let elapsed = clock.now - start
        try await expectRows("bare_press", client)
        return Double(pressesPerRun) / seconds(elapsed)
    }
}

/// Presses per second by one COPY ... FROM STDIN per batch into a plain table.
func copyRun() async throws -> Double {
    try await withFreshDatabase { client in
        _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE TABLE copy_press \(plainTable)"))
        let clock = ContinuousClock()
        let start = clock.now
        for batch in batches {
            var text = ""
            for press in batch.presses {
                text +=
                    "\(device.rawValue)\t\(press.sequence)\t\(press.boot)\t\(press.question.rawValue)\t\(press.answer.name)\t\(press.answer.score)\t\(press.monotonicNanos)\t\(press.wallClockMillis)\t\(press.clockSynchronised)\t\(press.suppressed)\t\(hubMillis)\n"
            }
            let buffer = ByteBuffer(string: text)
            try await client.withConnection { connection in
                try await connection.copyFrom(table: "copy_press", logger: logger) { writer in
                    try await writer.write(buffer)
                }
            }
        }
        let elapsed = clock.now - start
        try await expectRows("copy_press", client)
        return Double(pressesPerRun) / seconds(elapsed)
    }
}

func expectRows(_ table: String, _ client: PostgresClient) async throws {
    var count: Int64 = 0
    for try await value in try await client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)")).decode(
        Int64.self)
    {
        count = value
    }
    precondition(count == Int64(pressesPerRun), "\(table) holds \(count) rows, expected \(pressesPerRun)")
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ rate: Double) -> String { String(format: "%.0f", rate) }

var hub: [Double] = []
var bare: [Double] = []
var copy: [Double] = []
print("PostgreSQL ingest: \(pressesPerRun) presses per way and round, batches of \(batchSize), \(rounds) rounds")
for round in 1...rounds {
    hub.append(try await hubRun())
    bare.append(try await bareRun())
    copy.append(try await copyRun())
    print(
        "round \(round): hub \(format(hub.last!)) presses/s, bare INSERT \(format(bare.last!)), COPY \(format(copy.last!))"
    )
}
print(
    "median: hub \(format(median(hub))) presses/s, bare INSERT \(format(median(bare))), COPY \(format(median(copy)))")
print(
    String(
        format: "hub / bare INSERT = %.2f, hub / COPY = %.2f", median(hub) / median(bare), median(hub) / median(copy)))
