import Foundation
import SmileyCore

/// `smileyctl export`: the presses the hub does not hold yet, signed, for the trip on a USB stick.
/// Exported presses stay unsent here: a later network sync sends them again and the hub counts
/// each once.
public enum BacklogExport {
    /// Writes the backlog to `path`; returns how many presses it holds. `progress` sees (done, total).
    public static func export(
        configuration: DeviceConfiguration, to path: String, clock: any DeviceClock = SystemClock(),
        boot: String = BootIdentity.current(), progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Int {
        let key = try DeviceSigningKey.load(path: configuration.signingKeyPath)
        let store = try DeviceStore(path: configuration.storePath)
        let total = try store.summary().backlog
        var presses: [Press] = []
        var after: Int64 = 0
        while true {
            let chunk = try store.unsent(device: configuration.device, limit: 5_000, after: after)
            if chunk.isEmpty { break }
            presses += chunk
            after = chunk.last!.sequence
            progress(presses.count, total)
        }
        let payload = ExportFile.Payload(
            device: configuration.device, centre: configuration.centre, exportedAtMillis: clock.wallClockMillis(),
            clock: ClockSample(
                boot: boot, monotonicNanos: clock.monotonicNanos(), wallClockMillis: clock.wallClockMillis(),
                synchronised: clock.isSynchronised()),
            presses: presses)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // The signature covers exactly the bytes the file carries; the hub checks those bytes.
        let payloadBytes = try encoder.encode(payload)
        let file = ExportFile(
            device: configuration.device, payload: payloadBytes, signature: try key.signature(for: payloadBytes))
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(file)) else {
            throw ProvisioningError.cannotWrite(path)
        }
        return presses.count
    }
}
