// Read side at scale: the heatmap API and the centre page for a 13-week window, beside the same
// question asked of the raw presses, on a hub loaded through its own ingest path.
//
//     swift build -c release --product HeatmapWindow && .build/release/HeatmapWindow [PRESSES] [CENTRES]
//
// PRESSES (default 200,000) are spread over CENTRES (default 200) centres x 2 devices x 52 weeks of
// opening hours (Mon-Sat 09:00-17:00 in Asia/Thimphu), loaded with HubDatabase.ingest in batches of
// 5,000 (durable commits). Then, 30 times each, side by side: the heatmap read (CentreReader, hourly rollup),
// the same counts grouped from the raw presses (one SQL GROUP BY over the centre's presses in the window),
// and GET /api/v1/centres/{c}/heatmap, GET /centres/{c} and the overview of every centre (GET /) over
// HTTP on loopback, in two rounds (the first beside the hub's start-up alert evaluation). Medians printed. Then the heatmap API 300 times idle and 300 times while another
// task posts batches of 500 presses back to back to POST /api/v1/ingest: p50 and p99 side by side.
//
// HEATMAP_WINDOW_DATABASE=PATH keeps the loaded hub in PATH and, when PATH already holds one, reads it
// instead of loading again (the loaded phase adds its presses to it, under a device of its own).

import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SmileyCore
import SmileyHub

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
let totalPresses = arguments.first ?? 200_000
let centreCount = arguments.dropFirst().first ?? 200
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
let database = try HubDatabase(path: databasePath)
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

let centre = try database.centres().first!
let reader = CentreReader(database: database, clock: .fixed(nowMillis), settings: ReportSettings())
let window = WindowPreset.last13Weeks.window(today: reader.today(at: centre))
let raw = try DatabaseQueue(
    path: databasePath,
    configuration: {
        var c = Configuration()
        c.readonly = true
        return c
    }())

var rollupTimes: [Double] = []
var rawTimes: [Double] = []
var rollupTotal = 0
var rawTotal = 0
for _ in 0..<repetitions {
    rollupTimes.append(
        try await elapsed {
            rollupTotal = try reader.heatmap(centre: centre, question: .satisfaction, window: window).presses
        })
    rawTimes.append(
        try await elapsed {
            rawTotal = try raw.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.local_hour, p.answer, COUNT(*) AS count FROM press p JOIN device d ON d.id = p.device_id
                        WHERE d.centre_id = ? AND p.question = 'satisfaction' AND p.suppressed = 0
                          AND p.local_hour >= ? AND p.local_hour < ?
                        GROUP BY p.local_hour, p.answer
                        """,
                    arguments: [
                        centre.id.rawValue, window.previous.from.description, window.to.adding(days: 1).description,
                    ]
                ).reduce(0) { $0 + ($1["count"] as Int) }
            }
        })
}

// Over HTTP: the API and the page, read with an administrator's personal API token.
let person = "bench-\(UUID().uuidString.prefix(8).lowercased())"
try database.addPerson(person, role: .administrator, grants: [], passwordHash: nil, by: "bench", nowMillis: nowMillis)
let readToken = try database.createAPIToken(
    for: person, name: "benchmark", expiresMillis: nil, by: "bench", nowMillis: nowMillis
).token
// The loaded phase's device, in another centre than the one read (when there is one).
let loadCentre = try database.centres().dropFirst().first?.id ?? centre.id
let loadDevice = DeviceID(rawValue: "load-\(UUID().uuidString.prefix(8).lowercased())")!
let loadToken = try database.addDevice(loadDevice, centre: loadCentre, nowMillis: nowMillis).value
var logger = Logger(label: "bench")
logger.logLevel = .error
let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
let app = try buildApplication(
    configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory), database: database,
    logger: logger, clock: .fixed(nowMillis)
) { port in portContinuation.yield(port) }
let group = ServiceGroup(services: [app], logger: logger)
/// The process's CPU time (user + system), in seconds: the hub runs in this process, so the CPU a
/// batch of requests costs is comparable across runs on a busy machine, where wall time is not.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct Timings {
    var wall: [Double] = []
    /// CPU seconds per request, over all repetitions.
    var cpu = 0.0
    var bytes = 0
}

func measure(port: Int, centre: CentreID) async throws -> (api: Timings, page: Timings, overview: Timings) {
    func get(_ path: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(readToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        precondition(response.status == .ok, "\(path) answered \(response.status)")
        return body.readableBytes
    }
    func timings(_ path: String) async throws -> Timings {
        var result = Timings()
        // Ten times before measuring: caches, prepared statements, connections, the server's first seconds.
        for _ in 0..<10 { result.bytes = try await get(path) }
        let cpuBefore = processCPUSeconds()
        for _ in 0..<repetitions {
            result.wall.append(try await elapsed { result.bytes = try await get(path) })
        }
        result.cpu = (processCPUSeconds() - cpuBefore) / Double(repetitions)
        return result
    }
    return (
        try await timings("/api/v1/centres/\(centre)/heatmap?question=satisfaction&window=last-13-weeks"),
        try await timings("/centres/\(centre)?window=last-13-weeks"),
        try await timings("/?window=last-13-weeks")
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
    // Twice: the first round runs beside the hub's first alert evaluation (every centre, at start-up),
    // which takes CPU from the requests; the second, after it, is the steady state.
    let first = try await measure(port: port, centre: centreID)
    let result = try await measure(port: port, centre: centreID)
    let underLoad = try await measureUnderLoad(port: port, centre: centreID)
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
    return (result, underLoad, first)
}
if kept == nil { try? FileManager.default.removeItem(atPath: directory) }

print(
    "13-week window of \(centre.id) (\(rollupTotal) presses in open hours; raw rows counted over both periods: \(rawTotal))"
)
print(
    "median of \(repetitions): rollup read \(milliseconds(median(rollupTimes))), raw GROUP BY \(milliseconds(median(rawTimes))), ratio raw / rollup = \(String(format: "%.1f", median(rawTimes) / median(rollupTimes)))"
)
for (name, timing) in [
    ("heatmap API, first round", overHTTP.2.api), ("centre page, first round", overHTTP.2.page),
    ("overview of \(centreCount) centres, first round", overHTTP.2.overview),
    ("heatmap API", overHTTP.0.api), ("centre page", overHTTP.0.page),
    ("overview of \(centreCount) centres", overHTTP.0.overview),
] {
    print(
        "over HTTP, \(name): median \(milliseconds(median(timing.wall))), CPU \(milliseconds(timing.cpu)) per request (\(timing.bytes) bytes)"
    )
}
let (idle, loaded, rate) = overHTTP.1
print(
    "heatmap API idle: p50 \(milliseconds(percentile(idle, 0.5))), p99 \(milliseconds(percentile(idle, 0.99))); "
        + "while ingest runs back to back (\(String(format: "%.0f", rate)) presses/s stored, batches of 500): "
        + "p50 \(milliseconds(percentile(loaded, 0.5))), p99 \(milliseconds(percentile(loaded, 0.99))) "
        + "(p99 \(String(format: "%.2f", percentile(loaded, 0.99) / percentile(idle, 0.99)))x idle)"
)
