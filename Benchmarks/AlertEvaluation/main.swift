// The hub's minute alert evaluation at scale, alone: what one `AlertEvaluator.evaluate` costs with
// DEVICES devices in one centre, as the load generator's centre holds them.
//
//     swift build -c release --product AlertEvaluation && .build/release/AlertEvaluation [DEVICES] [ROUNDS]
//
// DEVICES (default 10,000) devices of one centre (Asia/Thimphu, no opening hours set) are added through
// the hub's storage; each sends a batch of 5 presses and a heartbeat through `HubDatabase` (durable
// commits, into a fresh SQLite file under TMPDIR). Every fifth device's heartbeat is 20 minutes old, so
// it is offline and its alert stays open from one evaluation to the next (its evidence rewritten each
// minute, as in a real hub). Then ROUNDS (default 6) evaluations one minute apart on the hub's time:
// each one's wall time and the process's CPU time (getrusage: the evaluation is the only work running),
// and the transitions it stored. The first opens the offline alerts; the rest are the steady minute.

import Foundation
import SmileyCore
import SmileyHub

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
let deviceCount = arguments.first ?? 10_000
let rounds = max(2, arguments.dropFirst().first ?? 6)

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

/// CPU seconds (user + system) the process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-alerts-\(UUID().uuidString)")
    .path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let database = try HubDatabase(path: directory + "/hub.sqlite")
let centre = CentreID(rawValue: "load-centre")!
try database.addCentre(Centre(id: centre, name: "Load", timeZone: "Asia/Thimphu"))

let startMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) - 30 * 60_000
let answers = Question.satisfaction.answers + Question.accessibility.answers
let boot = "bench-boot"
let bootMillis = startMillis - 3_600_000
func clock(at millis: Int64) -> ClockSample {
    ClockSample(
        boot: boot, monotonicNanos: (millis - bootMillis) * 1_000_000, wallClockMillis: millis, synchronised: true)
}

log("adding \(deviceCount) devices, a batch and a heartbeat each, to \(directory) ...")
let loading = ContinuousClock.now
let nowMillis = startMillis + 30 * 60_000
for index in 0..<deviceCount {
    let device = DeviceID(rawValue: "load-\(index)")!
    _ = try database.addDevice(device, centre: centre, nowMillis: startMillis)
    let batchMillis = nowMillis - 30_000
    let presses = (0..<5).map { offset -> Press in
        let millis = batchMillis - Int64(5 - offset) * 1_000
        return Press(
            device: device, boot: boot, sequence: Int64(offset + 1), answer: answers[(index + offset) % answers.count],
            monotonicNanos: (millis - bootMillis) * 1_000_000, wallClockMillis: millis, clockSynchronised: true)
    }
    _ = try database.ingest(
        IngestBatch(device: device, centre: centre, presses: presses, clock: clock(at: batchMillis)),
        receivedMillis: batchMillis)
    let heartbeatMillis = index % 5 == 0 ? nowMillis - 20 * 60_000 : nowMillis - 60_000
    try database.recordHeartbeat(
        Heartbeat(
            device: device, centre: centre, firmwareVersion: "bench", uptimeSeconds: 3_600, backlog: index % 3,
            oldestUnsentMillis: nil, lastPressMillis: batchMillis, clock: clock(at: heartbeatMillis),
            stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil),
        receivedMillis: heartbeatMillis)
}
log(String(format: "loaded in %.1f s", Double((ContinuousClock.now - loading).components.seconds)))

let evaluator = AlertEvaluator(database: database)
var steadyCPU: [Double] = []
print("\(deviceCount) devices, \(deviceCount / 5) of them offline")
for round in 0..<rounds {
    let at = nowMillis + Int64(round) * 60_000
    let cpuBefore = cpuSeconds()
    let wallBefore = ContinuousClock.now
    let changes = try await evaluator.evaluate(nowMillis: at)
    let wall = ContinuousClock.now - wallBefore
    let cpu = cpuSeconds() - cpuBefore
    let wallMillis = Double(wall.components.seconds) * 1000 + Double(wall.components.attoseconds) / 1e15
    if round > 0 { steadyCPU.append(cpu) }
    print(
        String(
            format: "evaluation %d: %.0f ms wall, %.0f ms CPU, %d transitions", round + 1, wallMillis, cpu * 1000,
            changes.count))
}
let sorted = steadyCPU.sorted()
print(
    String(
        format: "steady minute (evaluations 2-%d): CPU median %.0f ms, min %.0f ms, max %.0f ms", rounds,
        sorted[sorted.count / 2] * 1000, sorted.first! * 1000, sorted.last! * 1000))
