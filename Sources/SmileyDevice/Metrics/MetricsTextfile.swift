import Foundation
import SmileyCore

/// Writes the device's figures where node_exporter's textfile collector reads them: a temporary file in
/// the same directory, then `rename`, so a scrape never sees half a file.
public struct MetricsTextfile: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var path: String { (directory as NSString).appendingPathComponent(DeviceMetricsText.fileName) }

    /// Writes `figures`; the error names the file and the reason.
    public func write(_ figures: DeviceFigures) throws(MetricsTextfileError) {
        let data = Data(DeviceMetricsText.render(figures).utf8)
        // node_exporter reads only `*.prom`: the temporary name is never read half-written.
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .init(path: temporary, operation: "create", errno: errno) }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let writeErrno = errno
        // The mode the collector needs whatever the daemon's umask.
        fchmod(descriptor, 0o644)
        close(descriptor)
        guard written == data.count else {
            unlink(temporary)
            throw .init(path: temporary, operation: "write", errno: written < 0 ? writeErrno : ENOSPC)
        }
        guard rename(temporary, path) == 0 else {
            let renameErrno = errno
            unlink(temporary)
            throw .init(path: path, operation: "rename onto", errno: renameErrno)
        }
    }

    /// The figures now, from the store, the daemon's health and the file system.
    public static func figures(
        configuration: DeviceConfiguration, store: DeviceStore, health: DeviceHealth, nowMillis: Int64
    ) throws -> DeviceFigures {
        let summary = try store.summary()
        let storageBytes = ["", "-wal", "-shm"].reduce(Int64(0)) { total, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: configuration.storePath + suffix))?[.size]
            return total + ((size as? NSNumber)?.int64Value ?? 0)
        }
        return DeviceFigures(
            device: configuration.device, centre: configuration.centre, nowMillis: nowMillis,
            pressesStored: summary.lastSequence ?? 0, pressesSuppressedSinceStart: health.suppressedPresses,
            setAside: summary.setAside, stuckLines: health.stuckLines, lostGPIOEvents: health.lostEvents,
            backlog: summary.backlog, oldestUnsentMillis: summary.oldestUnsentRecordedAtMillis,
            lastUploadMillis: summary.lastUploadMillis, storageBytes: storageBytes,
            freeDiskBytes: freeDiskBytes(at: configuration.stateDirectory))
    }
}

/// The metrics file could not be written: which file, what was tried, and the system's reason.
public struct MetricsTextfileError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let errno: Int32

    public var description: String {
        "cannot \(operation) the metrics file \(path): \(String(cString: strerror(errno))) (check metricsTextfileDirectory in the device configuration)"
    }
}
