import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SmileyCore

/// Sends the device's health and a clock reading to the hub every `upload.heartbeatSeconds`, so the
/// hub sees a silent device is alive (or not), and can date presses of a boot without NTP. Waits on
/// `waitClock` (an `EventLoopClock`: no wake-ups between beats).
public struct HeartbeatService: Service {
    let configuration: DeviceConfiguration
    let store: DeviceStore
    let health: DeviceHealth
    let client: HTTPClient
    let clock: any DeviceClock
    let waitClock: any Clock<Duration>
    let boot: String
    let token: String
    let logger: Logger

    public init(
        configuration: DeviceConfiguration, store: DeviceStore, health: DeviceHealth, client: HTTPClient,
        clock: any DeviceClock, boot: String, token: String, logger: Logger,
        waitClock: any Clock<Duration> = EventLoopClock()
    ) {
        self.waitClock = waitClock
        self.token = token
        self.configuration = configuration
        self.store = store
        self.health = health
        self.client = client
        self.clock = clock
        self.boot = boot
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        let beat = try heartbeat()
                        writeHealthFile(beat)
                        writeMetricsFile()
                        try await send(beat)
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        logger.info("heartbeat not delivered: \(error)")
                    }
                    try await waitClock.sleep(for: .seconds(configuration.upload.heartbeatSeconds))
                }
            }
        } catch is CancellationError {}
    }

    /// The device's health now.
    public func heartbeat() throws -> Heartbeat {
        let summary = try store.summary()
        return Heartbeat(
            device: configuration.device, centre: configuration.centre, firmwareVersion: SmileyVersion.current,
            uptimeSeconds: Int64(Date().timeIntervalSince(health.startedAt)), backlog: summary.backlog,
            oldestUnsentMillis: summary.oldestUnsentRecordedAtMillis, lastPressMillis: health.lastPressMillis,
            clock: ClockSample(
                boot: boot, monotonicNanos: clock.monotonicNanos(), wallClockMillis: clock.wallClockMillis(),
                synchronised: clock.isSynchronised()),
            stuckLines: health.stuckLines, lostGPIOEvents: health.lostEvents,
            freeDiskBytes: freeDiskBytes(at: configuration.stateDirectory),
            storageWarning: configuration.storage.warning(backlog: summary.backlog),
            setAside: try store.setAsideReport())
    }

    /// `smileyctl status` reads the daemon's health from here (`<stateDirectory>/health.json`).
    func writeHealthFile(_ heartbeat: Heartbeat) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(heartbeat) else { return }
        let path = Self.healthPath(configuration)
        let temporary = path + ".new"
        if FileManager.default.createFile(atPath: temporary, contents: data) {
            _ = rename(temporary, path)
        }
    }

    /// node_exporter's textfile (`metricsTextfileDirectory`), when configured; a failure is logged, never fatal.
    func writeMetricsFile() {
        guard let directory = configuration.metricsTextfileDirectory else { return }
        do {
            let figures = try MetricsTextfile.figures(
                configuration: configuration, store: store, health: health, nowMillis: clock.wallClockMillis())
            try MetricsTextfile(directory: directory).write(figures)
        } catch {
            logger.warning("metrics file not written: \(error)")
        }
    }

    public static func healthPath(_ configuration: DeviceConfiguration) -> String {
        (configuration.stateDirectory as NSString).appendingPathComponent("health.json")
    }

    func send(_ heartbeat: Heartbeat) async throws {
        var request = HTTPClientRequest(
            url: try configuration.hubURL.appendingPathComponent("api/v1/heartbeat").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(heartbeat)))
        let response = try await client.execute(
            request, timeout: .milliseconds(Int64(configuration.upload.requestTimeoutMillis)))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw UploadError.rejected(status: Int(response.status.code), message: String(buffer: body))
        }
    }
}
