// Load generator: N simulated devices, each with its own token, against a real smiley-hub process on
// loopback, for a bounded time. Two modes:
//   paced      - the real rate: each device sends a batch of presses once a minute and a heartbeat every
//                five minutes, staggered evenly over the minute (open loop: a late answer does not delay
//                the next request; latency is counted from the request's scheduled time)
//   saturate   - as fast as the hub answers: WORKERS requests in flight, each worker cycling its devices
//
//     swift build -c release --product LoadGenerator --product smiley-hub
//     .build/release/LoadGenerator --hub .build/release/smiley-hub --devices 1000 --seconds 120 --mode paced
//     .build/release/LoadGenerator --hub .build/release/smiley-hub --database 'postgres://USER@/DB?host=/DIR' --hubs 2
//     .build/release/LoadGenerator --hub .build/release/smiley-hub --devices 1000 --seconds 1800   # RSS soak
//     .build/release/LoadGenerator --hub .build/release/smiley-hub --hub-file /tmp/hw-1m.sqlite --readers 4 \
//         --mode saturate --seconds 20 --phases 4                                   # reads under saturating ingest
//
// Readers (--readers C, SQLite only): a manager granted every centre, with a personal API token, reads at
// --read-rate R requests a second (open loop, over C connections of their own): the heatmap API of the first
// centre (half the reads), its centre page (a third) and the overview of every centre (a sixth), each kind's
// latency in its own histogram per phase. The run is then --warmup-seconds (10) of readers alone, not
// counted, and --phases P phases of --seconds each, alternating:
// readers alone ("idle"), then readers while the devices run in --mode ("paced" or "saturate"), and so on.
// It prints each phase's read latencies, batches, and CPU (the hub's, the generator's, the machine's), then
// per kind of read p50 and p99 over the idle phases beside the loaded ones, and the ratio of the p99s.
// --hub-file PATH starts the hub from a copy of that hub database (a kept HeatmapWindow hub: 200 centres
// of a year's presses), so the reads do real work; the file itself is left as it was.
//
// Every --sample-seconds (60) a "sample:" line on standard output gives the hubs' RSS and their CPU over
// that interval; at the end, with at least four samples, the least-squares slope of RSS over the second
// half of them (MB a minute): a soak's memory is bounded when that slope is near zero.
//
// It adds one centre and N devices through the hub's storage (as `smiley-hub device add` does): to a
// fresh SQLite state directory, or with --database to an empty PostgreSQL database. It starts the hub
// binary on a free port (with --database, --hubs N processes on that database, each on its own port,
// requests spread over them round-robin; Hubs.swift), and reports requests/s, latency p50/p99/max
// (HdrHistogram), and the hubs' CPU (utime + stime from /proc/PID/stat over the measured interval)
// and resident memory (VmRSS and VmHWM from /proc/PID/status), summed and per process. Requests share a
// pool of keep-alive connections (--connections per hub), not one socket per device.

import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SmileyCore
import SmileyHub

#if canImport(Glibc)
    import Glibc
#endif

// MARK: Arguments

struct Options {
    var hub = ".build/release/smiley-hub"
    var devices = 1_000
    var seconds = 60.0
    var mode = "paced"
    var workers = 64
    var connections = 64
    var pressesPerBatch = 5
    var batchSeconds = 60.0
    var heartbeatSeconds = 300.0
    var keepState = false
    var database: String?
    var hubs = 1
    var sampleSeconds = 60.0
    var readers = 0
    var readRate = 6.0
    var phases = 4
    var warmupSeconds = 10.0
    var hubFile: String?

    static let usage = """
        usage: LoadGenerator --hub PATH [--devices N] [--seconds S] [--mode paced|saturate] [--workers W]
                             [--connections C] [--presses-per-batch P] [--batch-seconds S] [--heartbeat-seconds S]
                             [--keep-state] [--database postgres://USER@HOST/DB | postgres://USER@/DB?host=DIR]
                             [--hubs N (with --database)] [--sample-seconds S]
                             [--readers C [--read-rate R] [--phases P] [--warmup-seconds S] [--hub-file HUB.sqlite]]
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments[...]
        func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("LoadGenerator: \(message)\n\(usage)\n".utf8))
            exit(2)
        }
        func value(_ flag: String) -> String {
            guard let next = rest.popFirst() else { fail("\(flag) needs a value") }
            return next
        }
        func number(_ flag: String) -> Double {
            let text = value(flag)
            guard let number = Double(text.replacingOccurrences(of: "_", with: "")), number > 0 else {
                fail("\(flag) must be a positive number, got '\(text)'")
            }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--hub": options.hub = value(flag)
            case "--devices": options.devices = Int(number(flag))
            case "--seconds": options.seconds = number(flag)
            case "--mode":
                options.mode = value(flag)
                guard ["paced", "saturate"].contains(options.mode) else {
                    fail("--mode must be paced or saturate, got '\(options.mode)'")
                }
            case "--workers": options.workers = Int(number(flag))
            case "--connections": options.connections = Int(number(flag))
            case "--presses-per-batch": options.pressesPerBatch = Int(number(flag))
            case "--batch-seconds": options.batchSeconds = number(flag)
            case "--heartbeat-seconds": options.heartbeatSeconds = number(flag)
            case "--keep-state": options.keepState = true
            case "--database": options.database = value(flag)
            case "--hubs": options.hubs = Int(number(flag))
            case "--sample-seconds": options.sampleSeconds = number(flag)
            case "--readers": options.readers = Int(number(flag))
            case "--read-rate": options.readRate = number(flag)
            case "--phases": options.phases = Int(number(flag))
            case "--warmup-seconds": options.warmupSeconds = number(flag)
            case "--hub-file": options.hubFile = value(flag)
            default: fail("unknown argument '\(flag)'")
            }
        }
        guard FileManager.default.isExecutableFile(atPath: options.hub) else {
            fail("--hub '\(options.hub)' is not an executable smiley-hub")
        }
        if let database = options.database, !database.hasPrefix("postgres://") {
            fail(
                "--database '\(database)': expected postgres://USER@HOST[:PORT]/DATABASE or "
                    + "postgres://USER@/DATABASE?host=DIR")
        }
        guard options.database == nil || (options.readers == 0 && options.hubFile == nil) else {
            fail("--readers and --hub-file work on the SQLite hub only; leave out --database")
        }
        if let file = options.hubFile, !FileManager.default.fileExists(atPath: file) {
            fail("--hub-file '\(file)' does not exist")
        }
        guard options.readers == 0 || options.phases >= 2 else {
            fail("--phases \(options.phases): the reads need an idle phase and a loaded one at least")
        }
        guard options.hubs == 1 || options.database != nil else {
            fail("--hubs \(options.hubs): several hubs share a PostgreSQL database; give --database")
        }
        return options
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))

func wallMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

// MARK: The hub process

/// A free TCP port on loopback (bound, read, released; the hub binds it right after).
func freePort() -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(socket >= 0, "socket: \(String(cString: strerror(errno)))")
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
        }
    }
    precondition(bound, "bind: \(String(cString: strerror(errno)))")
    return Int(UInt16(bigEndian: address.sin_port))
}

/// CPU seconds (user + system) and memory of a process, from /proc.
struct ProcessSample {
    var cpuSeconds: Double
    var rssKiB: Int
    var peakRSSKiB: Int

    static func read(pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        func kib(_ key: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(key) }
                .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessSample(cpuSeconds: (utime + stime) / ticks, rssKiB: kib("VmRSS:"), peakRSSKiB: kib("VmHWM:"))
    }
}

// MARK: Devices

struct SimulatedDevice: Sendable {
    let id: DeviceID
    let token: String
}

let centre = CentreID(rawValue: "load-centre")!
let state = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-load-\(UUID().uuidString)").path
log("adding 1 centre and \(options.devices) devices to \(options.database == nil ? state : "PostgreSQL") ...")
let devices: [SimulatedDevice]
var reader: ReaderIdentity?
do {
    if let file = options.hubFile {
        log("copying the hub in \(file) ...")
        try seedHub(from: file, state: state)
    }
    devices = try await provisionDevices(
        count: options.devices, centre: centre, database: options.database, state: state, nowMillis: wallMillis())
    if options.readers > 0 { reader = try provisionReader(state: state, nowMillis: wallMillis()) }
} catch {
    log("cannot prepare the hub: \(error)")
    exit(1)
}
let readerIdentity = reader

let fleet = try HubFleet(
    hub: options.hub, count: options.hubs, database: options.database, state: state,
    maximumConnections: max(512, options.connections * 2))
let hubPIDs = fleet.pids

/// Stops the hubs and removes their state (unless --keep-state), then exits with `code`.
func finish(_ code: Int32) -> Never {
    fleet.terminate()
    if !options.keepState { try? FileManager.default.removeItem(atPath: state) }
    exit(code)
}

var clientConfiguration = HTTPClient.Configuration()
clientConfiguration.connectionPool = .init(
    idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)

// Each hub is up once /healthz answers.
for base in fleet.bases {
    var ready = false
    for _ in 0..<300 where !ready {
        if let response = try? await client.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(2)),
            response.status == .ok
        {
            ready = true
        } else {
            try await Task.sleep(for: .milliseconds(100))
        }
    }
    guard ready else {
        log("the hub at \(base) did not answer /healthz within 30 s")
        finish(1)
    }
}

// MARK: Requests

/// Per-device state: the next sequence number. A device is only ever driven by one task at a time.
final class DeviceCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var next: [Int64]
    let boot = "load-boot"
    let bootMillis = wallMillis() - 3_600_000

    init(count: Int) { next = Array(repeating: 1, count: count) }

    func take(_ device: Int, _ count: Int) -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        let first = next[device]
        next[device] += Int64(count)
        return first
    }
}

let cursor = DeviceCursor(count: devices.count)
let answers = Question.satisfaction.answers + Question.accessibility.answers

enum Kind: Int, Sendable {
    case batch = 0
    case heartbeat = 1
}

func body(_ kind: Kind, device index: Int) throws -> ByteBuffer {
    let device = devices[index].id
    let now = wallMillis()
    let uptimeNanos = (now - cursor.bootMillis) * 1_000_000
    let clock = ClockSample(boot: cursor.boot, monotonicNanos: uptimeNanos, wallClockMillis: now, synchronised: true)
    switch kind {
    case .batch:
        let first = cursor.take(index, options.pressesPerBatch)
        let presses = (0..<options.pressesPerBatch).map { offset -> Press in
            let sequence = first + Int64(offset)
            let ago = Int64(options.pressesPerBatch - offset) * 1_000
            return Press(
                device: device, boot: cursor.boot, sequence: sequence,
                answer: answers[Int(sequence % Int64(answers.count))], monotonicNanos: uptimeNanos - ago * 1_000_000,
                wallClockMillis: now - ago, clockSynchronised: true)
        }
        return ByteBuffer(
            data: try JSONEncoder().encode(IngestBatch(device: device, centre: centre, presses: presses, clock: clock)))
    case .heartbeat:
        let heartbeat = Heartbeat(
            device: device, centre: centre, firmwareVersion: "load", uptimeSeconds: uptimeNanos / 1_000_000_000,
            backlog: 0, oldestUnsentMillis: nil, lastPressMillis: now, clock: clock, stuckLines: [],
            lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
        return ByteBuffer(data: try JSONEncoder().encode(heartbeat))
    }
}

enum Outcome: Sendable {
    case ok(Kind, micros: UInt64)
    case failed(String)
}

func send(_ kind: Kind, device index: Int, scheduled: ContinuousClock.Instant) async -> Outcome {
    do {
        let path = kind == .batch ? "/api/v1/ingest" : "/api/v1/heartbeat"
        var request = HTTPClientRequest(url: fleet.nextBase() + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(devices[index].token)")
        request.body = .bytes(try body(kind, device: index))
        let response = try await client.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            return .failed("\(response.status.code) \(String(buffer: answer).prefix(200))")
        }
        let waited = ContinuousClock.now - scheduled
        let micros = waited.components.seconds * 1_000_000 + waited.components.attoseconds / 1_000_000_000_000
        return .ok(kind, micros: UInt64(max(1, micros)))
    } catch {
        return .failed("\(error)")
    }
}

/// What the run saw, added to by every request's task.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var latency = [
        Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three),
        Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three),
    ]
    private var completed = [0, 0]
    private var started = 0
    private var failures = 0
    private var firstFailure: String?

    func start() {
        lock.lock()
        defer { lock.unlock() }
        started += 1
    }

    func add(_ outcome: Outcome) {
        lock.lock()
        defer { lock.unlock() }
        switch outcome {
        case .ok(let kind, let micros):
            _ = latency[kind.rawValue].record(min(micros, 60_000_000))
            completed[kind.rawValue] += 1
        case .failed(let reason):
            failures += 1
            if firstFailure == nil { firstFailure = reason }
        }
    }

    struct Snapshot {
        var latency: [Histogram<UInt64>]
        var completed: [Int]
        var inFlight: Int
        var failures: Int
        var firstFailure: String?
    }

    var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return Snapshot(
            latency: latency, completed: completed, inFlight: started - completed[0] - completed[1] - failures,
            failures: failures, firstFailure: firstFailure)
    }
}

// MARK: Readers

enum ReadKind: Int, CaseIterable, Sendable {
    case heatmap = 0
    case page = 1
    case overview = 2

    var name: String {
        switch self {
        case .heatmap: "heatmap API"
        case .page: "centre page"
        case .overview: "overview"
        }
    }

    func path(centre: CentreID) -> String {
        switch self {
        case .heatmap: "/api/v1/centres/\(centre)/heatmap?question=satisfaction&window=last-13-weeks"
        case .page: "/centres/\(centre)?window=last-13-weeks"
        case .overview: "/?window=last-13-weeks"
        }
    }
}

/// The readers' requests in order, repeated: half heatmaps, a third centre pages, a sixth overviews.
let readCycle: [ReadKind] = [.heatmap, .page, .heatmap, .overview, .heatmap, .page]
let phaseCount = options.readers > 0 ? options.phases : 1
let phaseDuration = Duration.milliseconds(Int64(options.seconds * 1000))

/// The phase the run is in (the readers tag each read with the phase it was scheduled in; -1 while
/// warming up: the hub's start-up alert evaluation, caches and connections, not counted).
final class CurrentPhase: @unchecked Sendable {
    private let lock = NSLock()
    private var phase = -1

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return phase
    }

    func set(_ phase: Int) {
        lock.lock()
        defer { lock.unlock() }
        self.phase = phase
    }
}

/// The readers' latencies, a histogram per phase and kind of read.
final class ReadTally: @unchecked Sendable {
    private let lock = NSLock()
    private var latency = (0..<phaseCount).map { _ in
        ReadKind.allCases.map { _ in
            Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        }
    }
    private(set) var failures = 0
    private(set) var firstFailure: String?

    func add(phase: Int, kind: ReadKind, _ outcome: Outcome) {
        lock.lock()
        defer { lock.unlock() }
        guard phase >= 0 else { return }
        switch outcome {
        case .ok(_, let micros): _ = latency[phase][kind.rawValue].record(min(micros, 60_000_000))
        case .failed(let reason):
            failures += 1
            if firstFailure == nil { firstFailure = reason }
        }
    }

    /// The histogram of `kind` over `phases`.
    func histogram(_ kind: ReadKind, phases: [Int]) -> Histogram<UInt64> {
        lock.lock()
        defer { lock.unlock() }
        var merged = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for phase in phases { merged.add(latency[phase][kind.rawValue]) }
        return merged
    }
}

let currentPhase = CurrentPhase()
let readTally = ReadTally()
let readerClient: HTTPClient? =
    options.readers > 0
    ? {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.readers)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }() : nil

/// One read with the reader's token, its latency counted from its scheduled time.
func read(_ kind: ReadKind, as identity: ReaderIdentity, scheduled: ContinuousClock.Instant) async -> Outcome {
    guard let readerClient, let centre = identity.centres.first else { return .failed("no reader") }
    do {
        var request = HTTPClientRequest(url: fleet.bases[0] + kind.path(centre: centre))
        request.headers.add(name: "Authorization", value: "Bearer \(identity.token)")
        let response = try await readerClient.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            return .failed("\(kind.name): \(response.status.code) \(String(buffer: answer).prefix(200))")
        }
        let waited = ContinuousClock.now - scheduled
        let micros = waited.components.seconds * 1_000_000 + waited.components.attoseconds / 1_000_000_000_000
        return .ok(.batch, micros: UInt64(max(1, micros)))
    } catch {
        return .failed("\(kind.name): \(error)")
    }
}

/// CPU seconds of this process (user + system).
func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The machine's busy and total CPU time over all cores (the first line of /proc/stat), in ticks.
func machineTicks() -> (busy: Double, total: Double) {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = stat.split(separator: "\n").first
    else { return (0, 0) }
    let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard fields.count >= 5 else { return (0, 0) }
    // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
    let total = fields.prefix(8).reduce(0, +)
    return (total - fields[3] - fields[4], total)
}

/// What a phase did besides the reads.
struct PhaseFigures {
    var loaded: Bool
    var seconds: Double
    var batches: Int
    var hubCPU: Double
    var ownCPU: Double
    var machineBusy: Double
}

// MARK: The run

/// With readers, a warm-up (readers alone, not counted) before the phases.
let warmup = Duration.milliseconds(options.readers > 0 ? Int64(options.warmupSeconds * 1000) : 0)
let duration = warmup + phaseDuration * phaseCount
let before = fleet.samples()
let start = ContinuousClock.now
let deadline = start + duration
let tally = Tally()

/// One line every five seconds while the run lasts.
func progressLine() -> String {
    let now = tally.snapshot
    let hub = fleet.samples().summed
    return String(
        format: "[%4.0f s] batches %d, heartbeats %d, failures %d, in flight %d, batch p99 %.1f ms, hub RSS %.1f MB",
        Double((ContinuousClock.now - start).components.seconds), now.completed[0], now.completed[1], now.failures,
        now.inFlight, Double(now.latency[0].valueAtPercentile(99)) / 1000, Double(hub?.rssKiB ?? 0) / 1024)
}
let reporter = Task {
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(5))
        if !Task.isCancelled { log(progressLine()) }
    }
}

/// The hubs' RSS and CPU every `--sample-seconds`, kept for the slope printed at the end.
final class Samples: @unchecked Sendable {
    private let lock = NSLock()
    private var points: [(minutes: Double, rssMB: Double)] = []

    func add(minutes: Double, rssMB: Double) {
        lock.lock()
        defer { lock.unlock() }
        points.append((minutes, rssMB))
    }

    /// Least-squares slope (MB a minute) of RSS over the second half of the samples, with how many and the
    /// first and last RSS of that half; nil under four samples.
    var lateSlope: (slope: Double, count: Int, first: Double, last: Double)? {
        lock.lock()
        defer { lock.unlock() }
        guard points.count >= 4 else { return nil }
        let late = points[(points.count / 2)...]
        let n = Double(late.count)
        let meanX = late.reduce(0) { $0 + $1.minutes } / n
        let meanY = late.reduce(0) { $0 + $1.rssMB } / n
        let covariance = late.reduce(0) { $0 + ($1.minutes - meanX) * ($1.rssMB - meanY) }
        let variance = late.reduce(0) { $0 + ($1.minutes - meanX) * ($1.minutes - meanX) }
        return (covariance / variance, late.count, late.first!.rssMB, late.last!.rssMB)
    }
}
let samples = Samples()
let sampler = Task {
    var previous = before.summed
    var tick = 0
    while !Task.isCancelled {
        tick += 1
        try? await Task.sleep(
            until: start + .milliseconds(Int64(Double(tick) * options.sampleSeconds * 1000)), clock: .continuous)
        guard !Task.isCancelled, let now = fleet.samples().summed else { continue }
        let minutes = Double(tick) * options.sampleSeconds / 60
        let cpu = previous.map { 100 * (now.cpuSeconds - $0.cpuSeconds) / options.sampleSeconds } ?? 0
        samples.add(minutes: minutes, rssMB: Double(now.rssKiB) / 1024)
        // Unbuffered: a soak's samples reach a log file while it runs.
        let line = String(
            format: "sample: %6.1f min, hub RSS %.1f MB (peak %.1f MB), CPU %.1f%% of a core over the last %.0f s",
            minutes, Double(now.rssKiB) / 1024, Double(now.peakRSSKiB) / 1024, cpu, options.sampleSeconds)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        previous = now
    }
}

log(
    "\(options.mode): \(options.devices) devices, \(options.seconds) s"
        + (phaseCount > 1 ? " a phase, \(phaseCount) phases" : "") + ", hub pids \(hubPIDs) at \(fleet.bases)"
        + (options.database == nil ? "" : " on PostgreSQL"))

/// The devices' requests, in --mode, from `phaseStart` until `phaseEnd`.
func driveDevices(from phaseStart: ContinuousClock.Instant, until phaseEnd: ContinuousClock.Instant) async {
    switch options.mode {
    case "paced":
        // Batches: device i sends at i/N of the minute, then every minute; heartbeats likewise over five
        // minutes, half a slot later. Two uniform streams, merged in time order; each request its own task.
        let batchGap = options.batchSeconds / Double(options.devices)
        let heartbeatGap = options.heartbeatSeconds / Double(options.devices)
        func due(_ index: Int, gap: Double, phase: Double) -> ContinuousClock.Instant {
            phaseStart + .microseconds(Int64(((Double(index) + phase) * gap) * 1_000_000))
        }
        await withDiscardingTaskGroup { group in
            var nextBatch = 0
            var nextHeartbeat = 0
            while true {
                let batchAt = due(nextBatch, gap: batchGap, phase: 0)
                let heartbeatAt = due(nextHeartbeat, gap: heartbeatGap, phase: 0.5)
                let (kind, at) = batchAt <= heartbeatAt ? (Kind.batch, batchAt) : (Kind.heartbeat, heartbeatAt)
                guard at < phaseEnd else { break }
                if ContinuousClock.now < at { try? await Task.sleep(until: at, clock: .continuous) }
                let device = (kind == .batch ? nextBatch : nextHeartbeat) % options.devices
                if kind == .batch { nextBatch += 1 } else { nextHeartbeat += 1 }
                tally.start()
                group.addTask { tally.add(await send(kind, device: device, scheduled: at)) }
            }
        }
    default:
        // Saturation: each worker owns the devices congruent to it, and sends their batches back to back.
        let workers = min(options.workers, options.devices)
        await withDiscardingTaskGroup { group in
            for worker in 0..<workers {
                group.addTask {
                    var device = worker
                    while ContinuousClock.now < phaseEnd {
                        tally.start()
                        tally.add(await send(.batch, device: device, scheduled: ContinuousClock.now))
                        device += workers
                        if device >= options.devices { device = worker }
                    }
                }
            }
        }
    }
}

// The readers, open loop at --read-rate over the whole run, each read tagged with its phase.
let reads = Task {
    guard let readerIdentity else { return }
    await withDiscardingTaskGroup { group in
        var index = 0
        while true {
            let at = start + .microseconds(Int64(Double(index) / options.readRate * 1_000_000))
            guard at < deadline else { break }
            if ContinuousClock.now < at { try? await Task.sleep(until: at, clock: .continuous) }
            let kind = readCycle[index % readCycle.count]
            let phase = currentPhase.value
            index += 1
            group.addTask {
                readTally.add(phase: phase, kind: kind, await read(kind, as: readerIdentity, scheduled: at))
            }
        }
    }
}
var phaseFigures: [PhaseFigures] = []
if options.readers == 0 {
    await driveDevices(from: start, until: deadline)
} else {
    // Idle and loaded phases in turn, after the warm-up; a loaded phase ends once its requests in flight
    // are answered.
    try? await Task.sleep(until: start + warmup, clock: .continuous)
    for phase in 0..<phaseCount {
        currentPhase.set(phase)
        let loaded = phase % 2 == 1
        let phaseStart = ContinuousClock.now
        let hubBefore = fleet.samples().summed
        let ownBefore = ownCPUSeconds()
        let machineBefore = machineTicks()
        let batchesBefore = tally.snapshot.completed[0]
        let phaseEnd = start + warmup + phaseDuration * (phase + 1)
        if loaded {
            await driveDevices(from: phaseStart, until: phaseEnd)
        } else {
            try? await Task.sleep(until: phaseEnd, clock: .continuous)
        }
        let seconds = (ContinuousClock.now - phaseStart) / .seconds(1)
        let hubAfter = fleet.samples().summed
        let machineAfter = machineTicks()
        phaseFigures.append(
            PhaseFigures(
                loaded: loaded, seconds: seconds, batches: tally.snapshot.completed[0] - batchesBefore,
                hubCPU: hubBefore.flatMap { before in hubAfter.map { $0.cpuSeconds - before.cpuSeconds } } ?? 0,
                ownCPU: ownCPUSeconds() - ownBefore,
                machineBusy: (machineAfter.busy - machineBefore.busy)
                    / max(1, machineAfter.total - machineBefore.total)))
    }
}
await reads.value
let elapsed = ContinuousClock.now - start
let after = fleet.samples()
reporter.cancel()
sampler.cancel()
log(progressLine())
try await client.shutdown()
if let readerClient { try await readerClient.shutdown() }

// MARK: Report

let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let result = tally.snapshot
func milliseconds(_ micros: UInt64) -> String { String(format: "%.2f ms", Double(micros) / 1000) }
print(
    "\(options.mode), \(options.devices) devices, \(String(format: "%.1f", seconds)) s, \(options.pressesPerBatch) presses a batch"
)
for (kind, name) in [(0, "batches"), (1, "heartbeats")] where result.completed[kind] > 0 {
    let histogram = result.latency[kind]
    print(
        "\(name): \(result.completed[kind]) (\(String(format: "%.1f", Double(result.completed[kind]) / seconds))/s), "
            + "latency p50 \(milliseconds(histogram.valueAtPercentile(50))), p99 \(milliseconds(histogram.valueAtPercentile(99))), "
            + "max \(milliseconds(histogram.max))")
}
if let slope = samples.lateSlope {
    print(
        String(
            format: "RSS over the last %d samples: %.1f MB to %.1f MB, slope %+.3f MB a minute (least squares)",
            slope.count, slope.first, slope.last, slope.slope))
}
print("failures: \(result.failures)\(result.firstFailure.map { " (first: \($0))" } ?? "")")
if options.readers > 0 {
    let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
    print(
        "reads: \(options.readRate)/s over \(options.readers) connections (\(readCycle.map(\.name).joined(separator: ", ")), "
            + "repeated), read as a manager of \(readerIdentity?.centres.count ?? 0) centres with a personal API token")
    func latencies(_ histogram: Histogram<UInt64>) -> String {
        "p50 \(milliseconds(histogram.valueAtPercentile(50))), p99 \(milliseconds(histogram.valueAtPercentile(99))) "
            + "(\(histogram.totalCount))"
    }
    for (phase, figures) in phaseFigures.enumerated() {
        let kinds = ReadKind.allCases.map { "\($0.name) \(latencies(readTally.histogram($0, phases: [phase])))" }
        print(
            "phase \(phase + 1), \(figures.loaded ? options.mode : "idle"), \(String(format: "%.1f", figures.seconds)) s: "
                + kinds.joined(separator: "; ")
                + String(
                    format:
                        "; batches %.0f/s, hub CPU %.0f%% of a core, generator CPU %.0f%% of a core, machine busy %.0f%% of %.0f cores",
                    Double(figures.batches) / figures.seconds, 100 * figures.hubCPU / figures.seconds,
                    100 * figures.ownCPU / figures.seconds, 100 * figures.machineBusy, cores))
    }
    let idlePhases = phaseFigures.indices.filter { !phaseFigures[$0].loaded }
    let loadedPhases = phaseFigures.indices.filter { phaseFigures[$0].loaded }
    for kind in ReadKind.allCases {
        let idle = readTally.histogram(kind, phases: idlePhases)
        let loaded = readTally.histogram(kind, phases: loadedPhases)
        let ratio = Double(loaded.valueAtPercentile(99)) / Double(max(1, idle.valueAtPercentile(99)))
        print(
            "\(kind.name): idle \(latencies(idle)); \(options.mode) \(latencies(loaded)); "
                + String(format: "p99 %.2fx idle", ratio))
    }
    print("read failures: \(readTally.failures)\(readTally.firstFailure.map { " (first: \($0))" } ?? "")")
}
// The hubs summed ("hub:"), then each process when there are several ("hub 1 of 2:").
let hubLines =
    [("hub", before.summed, after.summed)]
    + (hubPIDs.count > 1
        ? hubPIDs.indices.map { ("hub \($0 + 1) of \(hubPIDs.count)", before[$0], after[$0]) } : [])
for (name, before, after) in hubLines {
    if let before, let after {
        print(
            "\(name): "
                + String(
                    format: "CPU %.1f%% of a core (%.2f s over %.1f s), RSS %.1f MB, peak RSS %.1f MB",
                    100 * (after.cpuSeconds - before.cpuSeconds) / seconds, after.cpuSeconds - before.cpuSeconds,
                    seconds, Double(after.rssKiB) / 1024, Double(after.peakRSSKiB) / 1024))
    } else {
        print("\(name): /proc of \(hubPIDs) could not be read (did a hub exit?)")
    }
}
finish(result.failures > 0 || readTally.failures > 0 ? 1 : 0)
