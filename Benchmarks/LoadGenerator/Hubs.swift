// The hubs under load: where their data lives (a fresh SQLite state directory, or a PostgreSQL database
// given with --database) and the `smiley-hub serve` processes answering on loopback (--hubs N, all on the
// same PostgreSQL database), requests spread over them round-robin.

import Foundation
import GRDB
import Logging
import SmileyCore
import SmileyHub

#if canImport(Glibc)
    import Glibc
#endif

/// Adds the centre and the devices through the hub's own storage (`any PressStore`, as `smiley-hub centre
/// add` and `device add` do), on SQLite in `state` or on the PostgreSQL database at `database`.
func provisionDevices(
    count: Int, centre: CentreID, database: String?, state: String, nowMillis: Int64
) async throws -> [SimulatedDevice] {
    func provision(_ store: any PressStore) async throws -> [SimulatedDevice] {
        try await store.migrate()
        try await store.addCentre(Centre(id: centre, name: "Load", timeZone: "Asia/Thimphu"))
        var devices: [SimulatedDevice] = []
        for index in 0..<count {
            let id = DeviceID(rawValue: "load-\(index)")!
            let token = try await store.addDevice(id, centre: centre, publicKey: nil, nowMillis: nowMillis)
            devices.append(SimulatedDevice(id: id, token: token.value))
        }
        return devices
    }
    guard let database else {
        return try await provision(try HubDatabase(path: HubConfiguration(stateDirectory: state).databasePath))
    }
    var logger = Logger(label: "smiley.load.provision")
    logger.logLevel = .warning
    let location = try PostgresLocation.parse(database)
    let password = try PostgresLocation.password(file: nil, environment: ProcessInfo.processInfo.environment)
    return try await PostgresPressStore.with(location, password: password, logger: logger) { store in
        try await provision(store)
    }
}

/// Copies the hub database `file` (a kept `HeatmapWindow` hub, say) into the state directory `state` with
/// SQLite's online backup, so that the run starts from its presses and leaves `file` as it was.
func seedHub(from file: String, state: String) throws {
    var readOnly = Configuration()
    readOnly.readonly = true
    let source = try DatabaseQueue(path: file, configuration: readOnly)
    let path = HubConfiguration(stateDirectory: state).databasePath
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    try source.backup(to: try DatabaseQueue(path: path))
}

/// The readers' identity: a manager granted every centre of the SQLite hub in `state`, and a personal
/// API token of theirs (as `smiley-hub user add` and a token made on the account page would).
struct ReaderIdentity: Sendable {
    let token: String
    let centres: [CentreID]
}

func provisionReader(state: String, nowMillis: Int64) throws -> ReaderIdentity {
    let database = try HubDatabase(path: HubConfiguration(stateDirectory: state).databasePath)
    let centres = try database.centres().map(\.id)
    let person = "load-reader"
    try database.addPerson(
        person, role: .manager, grants: centres.map { .centre($0) }, passwordHash: nil, by: "load", nowMillis: nowMillis
    )
    let token = try database.createAPIToken(
        for: person, name: "reads under load", expiresMillis: nil, by: "load", nowMillis: nowMillis
    ).token
    return ReaderIdentity(token: token, centres: centres)
}

/// The `smiley-hub serve` processes of a run, each on its own port and state directory.
final class HubFleet: @unchecked Sendable {
    let processes: [Process]
    let bases: [String]
    private let lock = NSLock()
    private var next = 0

    /// Starts `count` hubs: on SQLite, one hub on `state`; on PostgreSQL, every hub on `database` with a
    /// state directory of its own under `state`.
    init(hub: String, count: Int, database: String?, state: String, maximumConnections: Int) throws {
        var processes: [Process] = []
        var bases: [String] = []
        for index in 0..<count {
            let port = freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: hub)
            var arguments = ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--log-level", "error"]
            arguments += ["--maximum-connections", "\(maximumConnections)"]
            if let database {
                let own = (state as NSString).appendingPathComponent("hub-\(index)")
                try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
                arguments += ["--state-directory", own, "--database", database]
            } else {
                arguments += ["--state-directory", state]
            }
            process.arguments = arguments
            try process.run()
            processes.append(process)
            bases.append("http://127.0.0.1:\(port)")
        }
        self.processes = processes
        self.bases = bases
    }

    var pids: [Int32] { processes.map(\.processIdentifier) }

    /// The next hub's base URL, round-robin over the processes.
    func nextBase() -> String {
        lock.lock()
        defer { lock.unlock() }
        let base = bases[next % bases.count]
        next += 1
        return base
    }

    /// Each process's CPU and memory (nil for one that cannot be read: it exited).
    func samples() -> [ProcessSample?] { pids.map { ProcessSample.read(pid: $0) } }

    func terminate() {
        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
    }
}

extension [ProcessSample?] {
    /// The processes' figures summed; nil if any could not be read.
    var summed: ProcessSample? {
        guard !isEmpty, allSatisfy({ $0 != nil }) else { return nil }
        return compactMap { $0 }.reduce(ProcessSample(cpuSeconds: 0, rssKiB: 0, peakRSSKiB: 0)) { total, one in
            ProcessSample(
                cpuSeconds: total.cpuSeconds + one.cpuSeconds, rssKiB: total.rssKiB + one.rssKiB,
                peakRSSKiB: total.peakRSSKiB + one.peakRSSKiB)
        }
    }
}
