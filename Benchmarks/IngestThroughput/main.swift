// Hub ingest throughput: presses per second stored in batches of 500 with durable commits
// (WAL, synchronous = FULL), three ways measured side by side in one run:
//   http  - POST /api/v1/ingest to a hub on loopback (JSON decoding, validation, dedupe, rollup)
//   hub   - HubDatabase.ingest directly (validation, dedupe, rollup; no HTTP)
//   bare  - the same rows inserted into a bare SQLite table, one transaction per batch
// Each round runs the three in turn on fresh files; five rounds; medians and ratios printed.
//
//     make benchmarks      (swift build -c release --product IngestThroughput && .build/release/IngestThroughput)

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

let batchSize = 500
let batches = 20
let rounds = 5
let centre = CentreID(rawValue: "bench-centre")!
let device = DeviceID(rawValue: "bench-device")!
let answers = Question.satisfaction.answers + Question.accessibility.answers

func makeBatches() -> [IngestBatch] {
    var sequence: Int64 = 0
    return (0..<batches).map { _ in
        let presses = (0..<batchSize).map { index -> Press in
            sequence += 1
            return Press(
                device: device, boot: "bench-boot", sequence: sequence, answer: answers[index % answers.count],
                monotonicNanos: sequence * 1_000_000_000, wallClockMillis: 1_793_593_800_000 + sequence * 37_000,
                clockSynchronised: true)
        }
        let clock = ClockSample(
            boot: "bench-boot", monotonicNanos: sequence * 1_000_000_000,
            wallClockMillis: 1_793_593_800_000 + sequence * 37_000, synchronised: true)
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

func hubDatabase(_ directory: String) throws -> HubDatabase {
    let database = try HubDatabase(path: directory + "/hub.sqlite")
    try database.addCentre(Centre(id: centre, name: "Bench", timeZone: "Asia/Thimphu"))
    return database
}

func runHub(_ work: [IngestBatch]) async throws -> Double {
    let database = try hubDatabase(freshDirectory())
    return try await elapsed {
        for batch in work { _ = try database.ingest(batch, receivedMillis: 0) }
    }
}

func runBare(_ work: [IngestBatch]) async throws -> Double {
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    let pool = try DatabasePool(path: freshDirectory() + "/bare.sqlite", configuration: configuration)
    try await pool.write { db in
        try db.execute(
            sql: """
                CREATE TABLE press (device_id TEXT NOT NULL, sequence INTEGER NOT NULL, boot TEXT NOT NULL,
                  question TEXT NOT NULL, answer TEXT NOT NULL, score INTEGER NOT NULL, monotonic_nanos INTEGER NOT NULL,
                  wall_clock_millis INTEGER NOT NULL, clock_synchronised INTEGER NOT NULL, suppressed INTEGER NOT NULL,
                  PRIMARY KEY (device_id, sequence)) WITHOUT ROWID
                """)
    }
    return try await elapsed {
        for batch in work {
            try pool.write { db in
                for press in batch.presses {
                    try db.execute(
                        sql: "INSERT INTO press VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            press.device.rawValue, press.sequence, press.boot, press.question.rawValue,
                            press.answer.name, press.answer.score, press.monotonicNanos, press.wallClockMillis,
                            press.clockSynchronised, press.suppressed,
                        ])
                }
            }
        }
    }
}

func runHTTP(_ work: [IngestBatch], bodies: [ByteBuffer]) async throws -> Double {
    let directory = freshDirectory()
    let database = try hubDatabase(directory)
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = try buildApplication(
        configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory), database: database,
        logger: logger
    ) { port in continuation.yield(port) }
    let group = ServiceGroup(services: [app], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        let url = "http://127.0.0.1:\(port)/api/v1/ingest"
        let seconds = try await elapsed {
            for body in bodies {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(body)
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                _ = try await response.body.collect(upTo: 1 << 20)
                precondition(response.status == .ok, "ingest answered \(response.status)")
            }
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return seconds
    }
}

let work = makeBatches()
let bodies = try work.map { ByteBuffer(data: try JSONEncoder().encode($0)) }
let presses = Double(batchSize * batches)
var rates: [String: [Double]] = ["http": [], "hub": [], "bare": []]
print("\(batches) batches of \(batchSize) presses per run, \(rounds) rounds, durable commits (WAL, synchronous=FULL)")
for round in 1...rounds {
    let bare = presses / (try await runBare(work))
    let hub = presses / (try await runHub(work))
    let http = presses / (try await runHTTP(work, bodies: bodies))
    rates["bare"]!.append(bare)
    rates["hub"]!.append(hub)
    rates["http"]!.append(http)
    print("round \(round): bare \(Int(bare))/s, hub \(Int(hub))/s, http \(Int(http))/s")
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let bare = median(rates["bare"]!)
let hub = median(rates["hub"]!)
let http = median(rates["http"]!)
print("median presses/s: bare SQLite \(Int(bare)), hub storage \(Int(hub)), hub over HTTP \(Int(http))")
print(String(format: "ratios: hub storage / bare = %.2f, hub over HTTP / bare = %.2f", hub / bare, http / bare))
