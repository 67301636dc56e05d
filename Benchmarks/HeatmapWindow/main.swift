// Read side at scale, on SQLite and on PostgreSQL side by side: the heatmap API and the overview for a 13-week
// window, beside the same question asked of the raw presses, on a hub loaded through its own ingest path.
//
//     swift build -c release --product HeatmapWindow
//     scripts/with-postgres.sh .build/release/HeatmapWindow [PRESSES] [CENTRES] [--database postgres://USER@/DB?host=DIR]
//
// PRESSES (default 200,000) are spread over CENTRES (default 200) centres x 2 devices x 52 weeks of
// opening hours (Mon-Sat 09:00-17:00 in Asia/Thimphu), loaded into an SQLite hub with HubDatabase.ingest in
// batches of 5,000 (durable commits). The PostgreSQL side is then filled from that file by PostgresCopy, the
// copy `smiley-hub migrate` makes (presses, placements, rollups counted as an ingest counts them, people and
// API tokens), into the database `--database` names or, under scripts/with-postgres.sh
// (SMILEY_TEST_POSTGRES_SOCKET), into a fresh database of that server, dropped afterwards. Without either,
// only SQLite is measured.
//
// Then, 30 times each, both backends interleaved (the order alternating round by round): the heatmap read
// (CentreReader.heatmaps, hourly rollup), the same counts grouped from the raw presses (one SQL GROUP BY over
// the centre's presses in the window), the overview's read of every centre (CentreReader.totals, daily
// rollup); over HTTP on loopback, from a hub on each backend running in this process:
// GET /api/v1/centres/{c}/heatmap, the overview of every centre (GET /), and the centre page
// GET /centres/{c}, in two rounds: the first beside the hubs' start-up
// alert evaluation, the second the steady state. Both backends must give the same answers (the run stops
// otherwise). Medians printed in a table. Then, on SQLite only, the heatmap API 300 times idle and
// 300 times while another task posts batches of 500 presses back to back to POST /api/v1/ingest: p50 and
// p99 side by side.
//
// The hub keeps SQLite's planner statistics (ANALYZE at open, PRAGMA optimize later);
// HEATMAP_WINDOW_UNANALYSED=1 drops them after the open, to measure the planner without them.
//
// HEATMAP_WINDOW_DATABASE=PATH keeps the loaded hub in PATH and, when PATH already holds one, reads it
// instead of loading again (the loaded phase adds its presses to it, under a device of its own). A kept
// PostgreSQL database (`--database`) is copied into again on every run: nothing is added twice, but every
// press is compared.

import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceLifecycle
import SmileyCore
import SmileyHub

/// Why the command line cannot be read, then exit.
func refuse(_ problem: String) -> Never {
    FileHandle.standardError.write(
        Data(
            "HeatmapWindow: \(problem) (usage: HeatmapWindow [PRESSES] [CENTRES] [--database postgres://USER@HOST/DB])\n"
                .utf8))
    exit(2)
}

var databaseURL: String?
var numbers: [Int] = []
var remaining = Array(CommandLine.arguments.dropFirst())
while !remaining.isEmpty {
    let argument = remaining.removeFirst()
    if argument == "--database" {
        guard !remaining.isEmpty else { refuse("--database needs a postgres:// URL") }
        databaseURL = remaining.removeFirst()
    } else if let number = Int(argument.replacingOccurrences(of: "_", with: "")), number > 0 {
        numbers.append(number)
    } else {
        refuse("'\(argument)' is neither a positive number nor --database")
    }
}
guard numbers.count <= 2 else { refuse("at most two numbers, PRESSES and CENTRES") }
let totalPresses = numbers.first ?? 200_000
let centreCount = numbers.dropFirst().first ?? 200
let repetitions = 30
// Sunday 29 November 2026, 18:00 in Thimphu: the hub's "now".
let nowMillis: Int64 = 1_795_953_600_000
let weekMillis: Int64 = 7 * 86_400_000

func elapsed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let duration = clock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func milliseconds(_ seconds: Double) -> String { String(format: "%.2f ms", seconds * 1000) }

let kept = ProcessInfo.processInfo.environment["HEATMAP_WINDOW_DATABASE"]
let directory =
    kept.map { ($0 as NSString).deletingLastPathComponent }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("smiley-heatmap-\(UUID().uuidString)").path
let databasePath = kept ?? directory + "/hub.sqlite"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let reused = FileManager.default.fileExists(atPath: databasePath)
let openStart = ContinuousClock.now
let database = try HubDatabase(path: databasePath)
let openSeconds = (ContinuousClock.now - openStart) / .seconds(1)
// HEATMAP_WINDOW_UNANALYSED=1: the planner without statistics, as every hub before it kept them (the hub
// analyses at open; this drops what it wrote, and every connection reads its schema again without them).
let unanalysed = ProcessInfo.processInfo.environment["HEATMAP_WINDOW_UNANALYSED"] == "1"
if unanalysed {
    try DatabaseQueue(path: databasePath).writeWithoutTransaction { db in
        try db.execute(sql: "DROP TABLE IF EXISTS sqlite_stat1")
    }
}
print(
    String(format: "opened the hub in %.0f ms; planner statistics: ", openSeconds * 1000)
        + (unanalysed
            ? "none (HEATMAP_WINDOW_UNANALYSED=1)"
            : "kept by the hub (analysis_limit \(PlannerStatistics.analysisLimit))"))
let answers = Question.satisfaction.answers + Question.accessibility.answers
var generator = SystemRandomNumberGenerator()

// Load: every device gets the same number of presses, at random open hours of the last 52 weeks.
let perDevice = max(1, totalPresses / (centreCount * 2))
if reused {
    print(
        "reading the hub in \(databasePath): \(try database.pressCount()) presses, \(try database.centres().count) centres"
    )
} else {
    print(
        "loading \(perDevice * centreCount * 2) presses: \(centreCount) centres x 2 devices x \(perDevice) presses...")
}
let loadSeconds = try await elapsed {
    for c in 0..<(reused ? 0 : centreCount) {
        let centre = CentreID(rawValue: "centre-\(c)")!
        try database.addCentre(Centre(id: centre, name: "Centre \(c)", timeZone: "Asia/Thimphu"))
        try database.setOpeningHours(try OpeningHours.parse("Mon-Sat 09:00-17:00"), centre: centre)
        for d in 0..<2 {
            let device = DeviceID(rawValue: "centre-\(c)-exit-\(d)")!
            _ = try database.addDevice(device, centre: centre, nowMillis: nowMillis)
            // Times in order: 52 weeks back, Monday to Saturday, 09:00-16:59 local (UTC+6).
            let times = (0..<perDevice).map { _ -> Int64 in
                let week = Int64.random(in: 0..<52, using: &generator)
                let day = Int64.random(in: 0..<6, using: &generator)
                let minute = Int64.random(in: 0..<480, using: &generator)
                // 2025-12-01 (a Monday) 09:00 in Thimphu is 03:00 UTC.
                return 1_764_558_000_000 + week * weekMillis + day * 86_400_000 + minute * 60_000
            }.sorted()
            var sequence: Int64 = 0
            for chunk in stride(from: 0, to: times.count, by: 5_000) {
                let presses = times[chunk..<min(chunk + 5_000, times.count)].map { millis -> Press in
                    sequence += 1
                    return Press(
                        device: device, boot: "boot", sequence: sequence,
                        answer: answers[Int.random(in: 0..<answers.count, using: &generator)],
                        monotonicNanos: sequence * 1_000_000, wallClockMillis: millis, clockSynchronised: true)
                }
                _ = try database.ingest(
                    IngestBatch(device: device, centre: centre, presses: presses), receivedMillis: nowMillis)
            }
        }
    }
}
if !reused {
    print(
        String(
            format: "loaded in %.0f s (%.0f presses/s)", loadSeconds, Double(perDevice * centreCount * 2) / loadSeconds)
    )
}

if !unanalysed {
    // As the running hub's periodic refresh does after such a load (a fresh file was empty at open).
    var outcome: PlannerStatistics.Outcome?
    let refreshSeconds = try await elapsed { outcome = try database.refreshPlannerStatistics() }
    let pressStatistics = try DatabaseQueue(
        path: databasePath,
        configuration: {
            var c = Configuration()
            c.readonly = true
            return c
        }()
    ).read { db in
        try String.fetchAll(db, sql: "SELECT idx || ' ' || stat FROM sqlite_stat1 WHERE tbl = 'press' ORDER BY idx")
    }
    print(
        String(format: "statistics refreshed in %.0f ms", refreshSeconds * 1000)
            + " (analysed: \(outcome?.analysed.joined(separator: ", ") ?? "")); press statistics: "
            + pressStatistics.joined(separator: "; "))
}

let centre = try database.centres().first!
let allCentres = try database.centres()
let logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

// The administrator whose API token reads over HTTP, made before the copy so that PostgreSQL holds it too.
let person = "bench-\(UUID().uuidString.prefix(8).lowercased())"
try database.addPerson(person, role: .administrator, grants: [], passwordHash: nil, by: "bench", nowMillis: nowMillis)
let readToken = try database.createAPIToken(
    for: person, name: "benchmark", expiresMillis: nil, by: "bench", nowMillis: nowMillis
).token

/// Runs `body` with a pool on `location`, run beside it.
func withClient<T: Sendable>(
    _ location: PostgresLocation, password: String?, _ body: (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(
        configuration: location.clientConfiguration(password: password), backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

// The PostgreSQL side: the database named, or a fresh one on the server of scripts/with-postgres.sh.
let environment = ProcessInfo.processInfo.environment
let postgresPassword = try PostgresLocation.password(file: nil, environment: environment)
var createdDatabase: (admin: PostgresLocation, name: String)?
let postgresLocation: PostgresLocation?
if let databaseURL {
    postgresLocation = try PostgresLocation.parse(databaseURL)
} else if let socket = environment["SMILEY_TEST_POSTGRES_SOCKET"], !socket.isEmpty {
    let admin = PostgresLocation(
        user: environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres", database: "postgres",
        endpoint: .socketDirectory(socket, port: 5432))
    // Our own name: an identifier cannot be bound.
    let name = "heatmap_window_" + (0..<10).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
    try await withClient(admin, password: postgresPassword) { client in
        _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    }
    createdDatabase = (admin, name)
    var location = admin
    location.database = name
    postgresLocation = location
} else {
    postgresLocation = nil
    print("PostgreSQL not measured: give --database postgres://… or run under scripts/with-postgres.sh")
}

let todayReader = CentreReader(database: database, clock: .fixed(nowMillis), settings: ReportSettings())
let window = WindowPreset.last13Weeks.window(today: todayReader.today(at: centre))
let rawFrom = window.previous.from.description
let rawTo = window.to.adding(days: 1).description

/// One backend's reads, as the hub's readers make them.
struct Side: Sendable {
    var name: String
    var reader: CentreReader
    /// The raw GROUP BY over the centre's presses in the window and the window before: the rows counted.
    var raw: @Sendable () async throws -> Int
    /// The database's plan of that GROUP BY, one line per step.
    var plan: @Sendable () async throws -> String
}

let sqliteRawSQL = """
    SELECT p.local_hour, p.answer, COUNT(*) AS count FROM press p JOIN device d ON d.id = p.device_id
    WHERE d.centre_id = ? AND p.question = 'satisfaction' AND p.suppressed = 0
      AND p.local_hour >= ? AND p.local_hour < ?
    GROUP BY p.local_hour, p.answer
    """
/// The same GROUP BY on PostgreSQL (`explain`: its plan instead).
@Sendable func postgresRawQuery(explain: Bool) -> PostgresQuery {
    var query: PostgresQuery = """
        SELECT p.local_hour, p.answer, COUNT(*) FROM press p JOIN device d ON d.id = p.device_id
        WHERE d.centre_id = \(centre.id.rawValue) AND p.question = 'satisfaction' AND NOT p.suppressed
          AND p.local_hour >= \(rawFrom) AND p.local_hour < \(rawTo)
        GROUP BY p.local_hour, p.answer
        """
    if explain { query.sql = "EXPLAIN " + query.sql }
    return query
}

let rawSQLite = try DatabaseQueue(
    path: databasePath,
    configuration: {
        var c = Configuration()
        c.readonly = true
        return c
    }())
var sideList = [
    Side(
        name: "SQLite", reader: CentreReader(database: database, clock: .fixed(nowMillis), settings: ReportSettings()),
        raw: {
            try rawSQLite.read { db in
                try Row.fetchAll(db, sql: sqliteRawSQL, arguments: [centre.id.rawValue, rawFrom, rawTo])
                    .reduce(0) { $0 + ($1["count"] as Int) }
            }
        },
        plan: {
            try rawSQLite.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + sqliteRawSQL, arguments: [centre.id.rawValue, rawFrom, rawTo]
                ).map { $0["detail"] as String }.joined(separator: "; ")
            }
        })
]

// The pool of the PostgreSQL side's direct reads, for the whole run (the hub over HTTP has its own).
let postgresClient = postgresLocation.map {
    PostgresClient(configuration: $0.clientConfiguration(password: postgresPassword), backgroundLogger: logger)
}
let postgresPool = Task { await postgresClient?.run() }
if let postgresClient, let postgresLocation {
    let store = PostgresPressStore(client: postgresClient, logger: logger)
    print("copying the hub into PostgreSQL \(postgresLocation) (PostgresCopy, as `smiley-hub migrate`)...")
    var outcome: PostgresCopy.Outcome?
    let copySeconds = try await elapsed { outcome = try await PostgresCopy.copy(from: database, to: store) }
    let held = try await store.pressCount()
    let expected = try database.pressCount()
    precondition(held == expected, "PostgreSQL holds \(held) presses after the copy, the SQLite hub \(expected)")
    print(
        String(
            format: "copied in %.0f s: %d presses added, %d already held; PostgreSQL holds %d", copySeconds,
            outcome?.presses ?? 0, outcome?.pressesAlreadyHeld ?? 0, held))
    // Fresh statistics for the planner, as an operator's ANALYZE after a bulk load (autovacuum would, later).
    _ = try await postgresClient.query("ANALYZE")
    sideList.append(
        Side(
            name: "PostgreSQL",
            reader: CentreReader(store: store, clock: .fixed(nowMillis), settings: ReportSettings()),
            raw: {
                var total = 0
                for try await (_, _, count) in try await postgresClient.query(postgresRawQuery(explain: false))
                    .decode((String, String, Int64).self)
                {
                    total += Int(count)
                }
                return total
            },
            plan: {
                var lines: [String] = []
                for try await line in try await postgresClient.query(postgresRawQuery(explain: true)).decode(
                    String.self)
                {
                    lines.append(line.trimmingCharacters(in: .whitespaces))
                }
                return lines.joined(separator: "; ")
            }))
}

let sides = sideList
let overviewRequests = allCentres.map {
    (centre: $0, window: WindowPreset.last13Weeks.window(today: todayReader.today(at: $0)))
}
var heatmapTimes = sides.map { _ in [Double]() }
var rawTimes = sides.map { _ in [Double]() }
var overviewTimes = sides.map { _ in [Double]() }
var heatmapAnswers = sides.map { _ in [HeatmapResponse]() }
var rawTotals = sides.map { _ in 0 }
var overviewAnswers = sides.map { _ in [[WindowTotals]]() }
// Three rounds unmeasured first (caches, prepared statements, connections), then the measured ones; the
// backends take turns going first.
for round in -3..<repetitions {
    for index in round % 2 == 0 ? Array(sides.indices) : sides.indices.reversed() {
        let side = sides[index]
        let heatmapTime = try await elapsed {
            heatmapAnswers[index] = try await side.reader.heatmaps(
                centre: centre, questions: [.satisfaction], window: window)
        }
        let rawTime = try await elapsed { rawTotals[index] = try await side.raw() }
        let overviewTime = try await elapsed {
            overviewAnswers[index] = try await side.reader.totals(overviewRequests).map {
                [$0.satisfaction, $0.accessibility]
            }
        }
        if round >= 0 {
            heatmapTimes[index].append(heatmapTime)
            rawTimes[index].append(rawTime)
            overviewTimes[index].append(overviewTime)
        }
    }
}
for index in sides.indices.dropFirst() {
    precondition(heatmapAnswers[index] == heatmapAnswers[0], "\(sides[index].name) answers another heatmap than SQLite")
    precondition(
        rawTotals[index] == rawTotals[0],
        "\(sides[index].name) counts \(rawTotals[index]) raw rows, SQLite \(rawTotals[0])")
    precondition(
        overviewAnswers[index] == overviewAnswers[0], "\(sides[index].name) answers another overview than SQLite")
}
let rollupTotal = heatmapAnswers[0][0].presses
var rawPlans: [String] = []
for side in sides { rawPlans.append(try await side.plan()) }

// Over HTTP: the API and the pages, read with the administrator's personal API token on each hub.
// The loaded phase's device (SQLite only), in another centre than the one read (when there is one).
let loadCentre = allCentres.dropFirst().first?.id ?? centre.id
let loadDevice = DeviceID(rawValue: "load-\(UUID().uuidString.prefix(8).lowercased())")!
let loadToken = try database.addDevice(loadDevice, centre: loadCentre, nowMillis: nowMillis).value
let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
let app = try buildApplication(
    configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory), database: database,
    logger: logger, clock: .fixed(nowMillis)
) { port in portContinuation.yield(port) }
let (postgresPorts, postgresPortContinuation) = AsyncStream.makeStream(of: Int.self)
var services: [any Service] = [app]
if let postgresLocation {
    let postgresDirectory = directory + "/postgres-hub"
    try FileManager.default.createDirectory(atPath: postgresDirectory, withIntermediateDirectories: true)
    services.append(
        try buildPostgresApplication(
            configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: postgresDirectory),
            location: postgresLocation, password: postgresPassword, logger: logger, clock: .fixed(nowMillis)
        ) { port in postgresPortContinuation.yield(port) })
}
let group = ServiceGroup(services: services, logger: logger)
/// The process's CPU time (user + system), in seconds: the hubs run in this process, so the CPU a
/// request costs the hub is comparable across runs on a busy machine, where wall time is not (the
/// PostgreSQL server's own CPU is not counted).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct Timings {
    var wall: [Double] = []
    /// CPU seconds of this process per request, over all repetitions.
    var cpu = 0.0
    var bytes = 0
    var body = ByteBuffer()
}

func get(port: Int, _ path: String) async throws -> ByteBuffer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.headers.add(name: "Authorization", value: "Bearer \(readToken)")
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let body = try await response.body.collect(upTo: 64 << 20)
    precondition(response.status == .ok, "\(path) answered \(response.status) on port \(port)")
    return body
}

/// `path` on each hub (`ports`, in the order of `sides`), taking turns: each hub's timings.
func timings(_ path: String, ports: [Int]) async throws -> [Timings] {
    var result = ports.map { _ in Timings() }
    // Ten times before measuring: caches, prepared statements, connections, the server's first seconds.
    for _ in 0..<10 {
        for (index, port) in ports.enumerated() { result[index].body = try await get(port: port, path) }
    }
    for round in 0..<repetitions {
        for index in round % 2 == 0 ? Array(ports.indices) : ports.indices.reversed() {
            let cpuBefore = processCPUSeconds()
            result[index].wall.append(
                try await elapsed { result[index].body = try await get(port: ports[index], path) })
            result[index].cpu += processCPUSeconds() - cpuBefore
        }
    }
    for index in result.indices {
        result[index].cpu /= Double(repetitions)
        result[index].bytes = result[index].body.readableBytes
    }
    return result
}

func measure(ports: [Int], names: [String], centre: CentreID) async throws -> (
    api: [Timings], overview: [Timings], page: [Timings]
) {
    let api = try await timings(
        "/api/v1/centres/\(centre)/heatmap?question=satisfaction&window=last-13-weeks", ports: ports)
    for index in api.indices.dropFirst() {
        precondition(api[index].body == api[0].body, "the heatmap API answers other JSON on \(names[index])")
    }
    return (
        api, try await timings("/?window=last-13-weeks", ports: ports),
        try await timings("/centres/\(centre)?window=last-13-weeks", ports: ports)
    )
}

/// The heatmap API `count` times in a row: each request's wall time.
func heatmapLatencies(port: Int, centre: CentreID, count: Int) async throws -> [Double] {
    var request = HTTPClientRequest(
        url: "http://127.0.0.1:\(port)/api/v1/centres/\(centre)/heatmap?question=satisfaction&window=last-13-weeks")
    request.headers.add(name: "Authorization", value: "Bearer \(readToken)")
    var times: [Double] = []
    for _ in 0..<count {
        times.append(
            try await elapsed {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                _ = try await response.body.collect(upTo: 64 << 20)
                precondition(response.status == .ok, "the heatmap API answered \(response.status)")
            })
    }
    return times
}

/// Posts batches of 500 presses of the load device back to back until cancelled; returns the presses stored.
func ingestBackToBack(port: Int) async throws -> Int {
    let loadStart = nowMillis - 30 * 86_400_000
    var sequence: Int64 = 0
    var stored = 0
    var generator = SystemRandomNumberGenerator()
    while !Task.isCancelled {
        let presses = (0..<500).map { _ -> Press in
            sequence += 1
            // From 30 days before the hub's "now", one press every half second: open hours or not, as it falls.
            return Press(
                device: loadDevice, boot: "load", sequence: sequence,
                answer: answers[Int.random(in: 0..<answers.count, using: &generator)],
                monotonicNanos: sequence * 500_000_000, wallClockMillis: loadStart + sequence * 500,
                clockSynchronised: true)
        }
        let clock = ClockSample(
            boot: "load", monotonicNanos: sequence * 500_000_000, wallClockMillis: loadStart + sequence * 500,
            synchronised: true)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/ingest")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(loadToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = try JSONEncoder().encode(
            IngestBatch(device: loadDevice, centre: loadCentre, presses: presses, clock: clock))
        request.body = .bytes(ByteBuffer(bytes: Array(body)))
        let response: HTTPClientResponse
        let reply: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            reply = try await response.body.collect(upTo: 1 << 20)
        } catch  where Task.isCancelled {
            break  // the batch in flight when the reads ended
        }
        guard response.status == .ok else { fatalError("ingest answered \(response.status): \(String(buffer: reply))") }
        stored += presses.count
    }
    return stored
}

/// The heatmap API idle, then while ingest runs back to back: (idle, loaded, presses/s stored meanwhile).
func measureUnderLoad(port: Int, centre: CentreID) async throws -> (idle: [Double], loaded: [Double], rate: Double) {
    let idle = try await heatmapLatencies(port: port, centre: centre, count: 300)
    let started = ContinuousClock.now
    let ingest = Task { try await ingestBackToBack(port: port) }
    // Let the writer get going before reading.
    try await Task.sleep(for: .seconds(1))
    let loaded = try await heatmapLatencies(port: port, centre: centre, count: 300)
    ingest.cancel()
    let stored = try await ingest.value
    let seconds = (ContinuousClock.now - started) / .seconds(1)
    return (idle, loaded, Double(stored) / seconds)
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

let centreID = centre.id
let overHTTP = try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    let port = await iterator.next()!
    var hubPorts = [port]
    if postgresLocation != nil {
        var postgresIterator = postgresPorts.makeAsyncIterator()
        hubPorts.append(await postgresIterator.next()!)
    }
    // Twice: the first round runs beside the hubs' first alert evaluation (every centre, at start-up),
    // which takes CPU from the requests; the second, after it, is the steady state.
    let first = try await measure(ports: hubPorts, names: sides.map(\.name), centre: centreID)
    let result = try await measure(ports: hubPorts, names: sides.map(\.name), centre: centreID)
    let underLoad = try await measureUnderLoad(port: port, centre: centreID)
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
    return (result, underLoad, first)
}
postgresPool.cancel()
if let createdDatabase {
    try await withClient(createdDatabase.admin, password: postgresPassword) { client in
        _ = try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(createdDatabase.name) WITH (FORCE)"))
    }
}
if kept == nil { try? FileManager.default.removeItem(atPath: directory) }

print(
    "13-week window of \(centre.id) (\(rollupTotal) presses in open hours; raw rows counted over both periods: "
        + "\(rawTotals[0])); the same answers from \(sides.map(\.name).joined(separator: " and "))"
)
/// A table row: a name, then one figure per backend, then PostgreSQL / SQLite when both were measured.
func row(_ name: String, _ values: [Double?], format: (Double) -> String = milliseconds, compared: Bool = true) {
    var line = name.padding(toLength: 52, withPad: " ", startingAt: 0)
    for value in values { line += (value.map(format) ?? "not served").leftPadded(14) }
    if compared, values.count == 2, let sqlite = values[0], let postgres = values[1] {
        line += String(format: "%.2f", postgres / sqlite).leftPadded(14)
    }
    print(line)
}
extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(1, width - count)) + self }
}
print("")
print(
    "median of \(repetitions), backends taking turns".padding(toLength: 52, withPad: " ", startingAt: 0)
        + sides.map { $0.name.leftPadded(14) }.joined() + (sides.count == 2 ? "PG / SQLite".leftPadded(14) : ""))
row("heatmap read (CentreReader.heatmaps)", heatmapTimes.map { median($0) })
row("raw GROUP BY over the centre's presses", rawTimes.map { median($0) })
row(
    "ratio raw / rollup", sides.indices.map { median(rawTimes[$0]) / median(heatmapTimes[$0]) },
    format: { String(format: "%.1f", $0) }, compared: false)
row("overview read, \(allCentres.count) centres (CentreReader.totals)", overviewTimes.map { median($0) })
row("HTTP heatmap API, first round", overHTTP.2.api.map { median($0.wall) })
row("HTTP overview of \(allCentres.count) centres (GET /), first round", overHTTP.2.overview.map { median($0.wall) })
row("HTTP centre page (GET /centres/{c}), first round", overHTTP.2.page.map { median($0.wall) })
row("HTTP heatmap API", overHTTP.0.api.map { median($0.wall) })
row("HTTP overview of \(allCentres.count) centres (GET /)", overHTTP.0.overview.map { median($0.wall) })
row("HTTP centre page (GET /centres/{c})", overHTTP.0.page.map { median($0.wall) })
row("hub CPU per request, heatmap API", overHTTP.0.api.map(\.cpu))
row("hub CPU per request, overview", overHTTP.0.overview.map(\.cpu))
row("hub CPU per request, centre page", overHTTP.0.page.map(\.cpu))
print(
    "(hub CPU: this process's, where the hubs run; the PostgreSQL server's own CPU is not counted. Bytes: "
        + "heatmap API \(overHTTP.0.api.map { String($0.bytes) }.joined(separator: " / ")), overview "
        + "\(overHTTP.0.overview.map { String($0.bytes) }.joined(separator: " / ")), centre page \(overHTTP.0.page.map { String($0.bytes) }.joined(separator: " / ")))"
)
for (side, plan) in zip(sides, rawPlans) { print("plan of the raw GROUP BY on \(side.name): \(plan)") }
let (idle, loaded, rate) = overHTTP.1
print(
    "SQLite hub, heatmap API idle: p50 \(milliseconds(percentile(idle, 0.5))), p99 \(milliseconds(percentile(idle, 0.99))); "
        + "while ingest runs back to back (\(String(format: "%.0f", rate)) presses/s stored, batches of 500): "
        + "p50 \(milliseconds(percentile(loaded, 0.5))), p99 \(milliseconds(percentile(loaded, 0.99))) "
        + "(p99 \(String(format: "%.2f", percentile(loaded, 0.99) / percentile(idle, 0.99)))x idle)"
)
