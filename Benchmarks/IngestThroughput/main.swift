// Hub ingest throughput: presses per second stored with durable commits (WAL, synchronous = FULL),
// three ways measured side by side in one run, for batches of 500 and of 50 (what a live device sends):
//   http  - POST /api/v1/ingest to a hub on loopback, with the device's token (authentication, JSON
//           decoding, validation, dedupe, rollup)
//   hub   - HubDatabase.ingest directly (validation, dedupe, rollup; no HTTP)
//   bare  - the same rows inserted into a bare SQLite table through one prepared statement, one
//           transaction per batch
// Each round runs the three in turn on fresh files; medians and ratios printed per batch size.
//
//     swift build -c release --product IngestThroughput && .build/release/IngestThroughput [PRESSES] [ROUNDS] [--synchronous-normal]
//
// PRESSES per run and batch size (default 10,000), ROUNDS (default 5). `make benchmark-smoke` runs it tiny.
// --synchronous-normal opens both databases with synchronous = NORMAL (WAL synced at checkpoints only, not
// what the hub runs with): the cost of the code without the disk's sync latency, which on a shared disk
// varies from second to second more than the code does.

import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SmileyCore
import SmileyHub

let benchmarkArguments = CommandLine.arguments.dropFirst().compactMap {
    Int($0.replacingOccurrences(of: "_", with: ""))
}
let pressesPerRun = max(1, benchmarkArguments.first ?? 10_000)
let rounds = max(1, benchmarkArguments.dropFirst().first ?? 5)
let synchronous = CommandLine.arguments.contains("--synchronous-normal") ? "NORMAL" : "FULL"
let batchSizes = [500, 50]
let centre = CentreID(rawValue: "bench-centre")!
let device = DeviceID(rawValue: "bench-device")!
let answers = Question.satisfaction.answers + Question.accessibility.answers
/// 2026-11-02 06:30 UTC: the first press; one press every 37 s after it.
let firstPressMillis: Int64 = 1_793_593_800_000
/// The hub's clock during the run: a minute after the last press, so every synchronised press is plausible.
let hubMillis = firstPressMillis + Int64(pressesPerRun) * 37_000 + 60_000

func makeBatches(size: Int) -> [IngestBatch] {
    var sequence: Int64 = 0
    return stride(from: 0, to: pressesPerRun, by: size).map { start in
        let presses = (start..<min(start + size, pressesPerRun)).map { index -> Press in
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
}

func freshDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-bench-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func elapsed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let duration = clock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// A hub with the benchmark's centre and device added, as `smiley-hub centre add` and `device add` do.
func hubDatabase(_ directory: String) throws -> (HubDatabase, DeviceToken) {
    let database: HubDatabase
    if synchronous == "FULL" {
        database = try HubDatabase(path: directory + "/hub.sqlite")
    } else {
        database = try HubDatabase(writer: DatabasePool(path: directory + "/hub.sqlite"))
    }
    try database.addCentre(Centre(id: centre, name: "Bench", timeZone: "Asia/Thimphu"))
    let token = try database.addDevice(device, centre: centre, nowMillis: hubMillis)
    return (database, token)
}

func checkReceipts(_ receipts: [IngestReceipt]) {
    let accepted = receipts.reduce(0) { $0 + $1.accepted }
    precondition(accepted == pressesPerRun, "the hub accepted \(accepted) of \(pressesPerRun) presses")
    precondition(receipts.last?.highestContiguousSequence == Int64(pressesPerRun), "the hub holds a gap")
}

func runHub(_ work: [IngestBatch]) async throws -> Double {
    let directory = freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (database, _) = try hubDatabase(directory)
    var receipts: [IngestReceipt] = []
    let seconds = try await elapsed {
        for batch in work { receipts.append(try database.ingest(batch, receivedMillis: hubMillis)) }
    }
    checkReceipts(receipts)
    return seconds
}

func runBare(_ work: [IngestBatch]) async throws -> Double {
    let directory = freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let pool = try DatabasePool(path: directory + "/bare.sqlite")
    // After opening: GRDB sets synchronous = NORMAL when it turns on WAL, after `prepareDatabase`.
    try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
    try await pool.write { db in
        try db.execute(
            sql: """
                CREATE TABLE press (device_id TEXT NOT NULL, sequence INTEGER NOT NULL, boot TEXT NOT NULL,
                  question TEXT NOT NULL, answer TEXT NOT NULL, score INTEGER NOT NULL, monotonic_nanos INTEGER NOT NULL,
                  wall_clock_millis INTEGER NOT NULL, clock_synchronised INTEGER NOT NULL, suppressed INTEGER NOT NULL,
                  PRIMARY KEY (device_id, sequence)) WITHOUT ROWID
                """)
    }
    let seconds = try await elapsed {
        for batch in work {
            try pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO press VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                for press in batch.presses {
                    try insert.execute(arguments: [
                        press.device.rawValue, press.sequence, press.boot, press.question.rawValue,
                        press.answer.name, press.answer.score, press.monotonicNanos, press.wallClockMillis,
                        press.clockSynchronised, press.suppressed,
                    ])
                }
            }
        }
    }
    let stored = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press") ?? 0 }
    precondition(stored == pressesPerRun, "bare SQLite holds \(stored) of \(pressesPerRun) presses")
    return seconds
}

func runHTTP(_ work: [IngestBatch], bodies: [ByteBuffer]) async throws -> Double {
    let directory = freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (database, token) = try hubDatabase(directory)
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = try buildApplication(
        configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory), database: database,
        logger: logger, clock: .fixed(hubMillis)
    ) { port in continuation.yield(port) }
    let group = ServiceGroup(services: [app], logger: logger)
    return try await withThrowingTaskGroup(of: Double.self) { tasks in
        tasks.addTask {
            try await group.run()
            return 0
        }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        let url = "http://127.0.0.1:\(port)/api/v1/ingest"
        var receipts: [IngestReceipt] = []
        let seconds = try await elapsed {
            for body in bodies {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
                request.body = .bytes(body)
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                let answer = try await response.body.collect(upTo: 1 << 20)
                precondition(
                    response.status == .ok,
                    "ingest answered \(response.status): \(String(buffer: answer))")
                receipts.append(try JSONDecoder().decode(IngestReceipt.self, from: answer))
            }
        }
        checkReceipts(receipts)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return seconds
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Seconds to decode every body once, the way the hub did (`JSONDecoder`) or does (`IngestBatch.decodeWire`).
func decodeSeconds(_ bodies: [ByteBuffer], fast: Bool) throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var presses = 0
    for body in bodies {
        let batch =
            fast
            ? try body.withUnsafeReadableBytes { try IngestBatch.decodeWire(bytes: $0) }
            : try JSONDecoder().decode(IngestBatch.self, from: body)
        presses += batch.presses.count
    }
    precondition(presses == pressesPerRun, "decoded \(presses) presses, sent \(pressesPerRun)")
    let duration = clock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

print(
    "\(pressesPerRun) presses per run, \(rounds) rounds, WAL, synchronous=\(synchronous)"
        + (synchronous == "FULL" ? " (durable commits)" : " (not durable: the code's cost only)"))
var summary: [String] = []
for batchSize in batchSizes {
    let work = makeBatches(size: batchSize)
    let bodies = try work.map { ByteBuffer(data: try JSONEncoder().encode($0)) }
    let presses = Double(pressesPerRun)
    var bareRates: [Double] = []
    var hubRates: [Double] = []
    var httpRates: [Double] = []
    var jsonDecoderSeconds: [Double] = []
    var wireSeconds: [Double] = []
    for round in 1...rounds {
        jsonDecoderSeconds.append(try decodeSeconds(bodies, fast: false))
        wireSeconds.append(try decodeSeconds(bodies, fast: true))
        bareRates.append(presses / (try await runBare(work)))
        hubRates.append(presses / (try await runHub(work)))
        httpRates.append(presses / (try await runHTTP(work, bodies: bodies)))
        print(
            "batches of \(batchSize), round \(round): bare \(Int(bareRates.last!))/s, hub \(Int(hubRates.last!))/s, http \(Int(httpRates.last!))/s"
        )
    }
    let bare = median(bareRates)
    let hub = median(hubRates)
    let http = median(httpRates)
    summary.append(
        "batches of \(batchSize): median presses/s bare SQLite \(Int(bare)), hub storage \(Int(hub)), hub over HTTP \(Int(http)); "
            + String(format: "hub / bare = %.2f, HTTP / bare = %.2f", hub / bare, http / bare))
    summary.append(
        "batches of \(batchSize): decoding the bodies, median us a press: JSONDecoder "
            + String(
                format: "%.2f, IngestBatch.decodeWire %.2f", median(jsonDecoderSeconds) / presses * 1e6,
                median(wireSeconds) / presses * 1e6))
}
for line in summary { print(line) }
