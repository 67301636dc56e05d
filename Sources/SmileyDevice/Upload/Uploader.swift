import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SmileyCore

/// Sends stored presses the hub does not hold yet, in batches, oldest first. A press is marked
/// uploaded only after the hub's receipt for its batch arrived, so a lost reply means a retry, and
/// the hub's deduplication makes the retry harmless. A press the hub refuses by name is set aside
/// (kept, reported), so it cannot hold back the presses after it (`UploadDecision`).
public final class Uploader: Service {
    let store: DeviceStore
    let device: DeviceID
    let centre: CentreID
    let ingestURL: String
    let settings: UploadSettings
    let client: HTTPClient
    let clock: any DeviceClock
    /// The boot the clock readings sent with each batch belong to.
    let boot: String
    /// Presses the store may keep; uploaded ones beyond it are deleted (nil: keep everything).
    let storageBudget: Int?
    let signal: UploadSignal
    /// The device's secret, sent as a bearer token.
    let token: String
    let logger: Logger
    /// The clock the uploader waits on between retries, and the source of the retries' jitter.
    let retryClock: any Clock<Duration>
    let makeRandom: @Sendable () -> any RandomNumberGenerator

    public init(
        store: DeviceStore, device: DeviceID, centre: CentreID, hub: URL, settings: UploadSettings,
        client: HTTPClient, clock: any DeviceClock, boot: String = BootIdentity.current(), storageBudget: Int? = nil,
        token: String, signal: UploadSignal, logger: Logger, retryClock: any Clock<Duration> = EventLoopClock(),
        random: @escaping @Sendable () -> any RandomNumberGenerator = { SystemRandomNumberGenerator() }
    ) {
        self.retryClock = retryClock
        self.makeRandom = random
        self.token = token
        self.boot = boot
        self.storageBudget = storageBudget
        self.store = store
        self.device = device
        self.centre = centre
        self.ingestURL = hub.appendingPathComponent("api/v1/ingest").absoluteString
        self.settings = settings
        self.client = client
        self.clock = clock
        self.signal = signal
        self.logger = logger
    }

    /// Uploads whenever signalled, and retries with exponential backoff and jitter after failures.
    public func run() async throws {
        // On SIGTERM the uploader stops at once: an upload cut short is retried after the restart, and
        // the hub counts the retried presses once.
        do {
            try await cancelWhenGracefulShutdown { try await self.uploadWhenSignalled() }
        } catch is CancellationError {
            return
        }
    }

    func uploadWhenSignalled() async throws {
        try await uploadWhenSignalled(on: retryClock)
    }

    /// Drains whenever signalled; after a failure, waits on `clock` as `RetryBackoff` says, then drains again.
    func uploadWhenSignalled<C: Clock>(on clock: C) async throws where C.Duration == Duration {
        var backoff = RetryBackoff<C>(settings)
        var random = makeRandom()
        while true {
            do {
                let sent = try await drain()
                if sent > 0 { logger.log(level: sent >= 100 ? .info : .debug, "uploaded \(sent) presses") }
                backoff.succeeded()
                guard await signal.wait() else { return }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try Task.checkCancellation()
                let now = clock.now
                switch backoff.failed(at: now, using: &random) {
                case .retry(let deadline):
                    logger.warning("upload failed, retrying in \(now.duration(to: deadline)): \(error)")
                    try await clock.sleep(until: deadline, tolerance: nil)
                }
            }
        }
    }

    /// Uploads every unsent press now; returns how many the hub stored. A press the hub refuses by
    /// name is set aside and the rest go on; any other failure is thrown, for a retry later.
    @discardableResult
    public func drain(progress: (Int) -> Void = { _ in }) async throws -> Int {
        try await learnHubBaselineIfNeeded()
        var sent = 0
        var limit = settings.batchSize
        while true {
            let presses = Self.consecutive(try store.unsent(device: device, limit: limit))
            if presses.isEmpty { return sent }
            let receipt: IngestReceipt
            do {
                receipt = try await upload(
                    IngestBatch(device: device, centre: centre, presses: presses, clock: clockSample()))
            } catch let error as UploadError {
                guard case .rejected(let status, let message) = error else { throw error }
                switch UploadDecision(status: status, message: message, batchCount: presses.count) {
                case .sendSmaller(let smaller):
                    logger.notice(
                        "the hub refused a batch of \(presses.count) as too large: sending \(smaller) at a time")
                    limit = smaller
                    continue
                case .setAside(let index):
                    let press = presses[index]
                    try store.setAside(
                        sequence: press.sequence, status: status, message: message, atMillis: clock.wallClockMillis())
                    logger.error(
                        "the hub refused press \(press.sequence) (\(status): \(message)): set aside, kept on the device; later presses go on"
                    )
                    continue
                case .retryLater:
                    throw error
                }
            }
            // A drain cancelled while its batch was under way (the device stopping) marks nothing: the hub
            // may hold the batch, and sending it again later only adds duplicates it answers as such.
            try Task.checkCancellation()
            try store.markUploaded(sequences: presses.map(\.sequence), atMillis: clock.wallClockMillis())
            if let budget = storageBudget { try store.prune(budget: budget) }
            sent += presses.count
            progress(sent)
            logger.debug(
                "batch acknowledged",
                metadata: ["accepted": "\(receipt.accepted)", "duplicates": "\(receipt.duplicates)"])
        }
    }

    /// Before a store's first upload, asks the hub how far it holds this device's presses: a device
    /// whose store was replaced (new SD card) then continues the numbering instead of colliding.
    func learnHubBaselineIfNeeded() async throws {
        guard try !store.knowsHubBaseline() else { return }
        let first = try store.unsent(device: device, limit: 1).first
        var request = HTTPClientRequest(url: statusURL + (first.map { "?sequence=\($0.sequence)" } ?? ""))
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let (response, body) = try await execute(request)
        switch response.status {
        case .ok:
            let status = try JSONDecoder().decode(DeviceStatus.self, from: body)
            // The hub holds our own first press (an import brought it): same store, nothing to move.
            if let first, status.pressAtSequence == PressFingerprint(first) {
                try store.resumeAfter(hubHighestSequence: 0)
                return
            }
            let shift = try store.resumeAfter(hubHighestSequence: status.highestSequence)
            if shift > 0 {
                logger.notice(
                    "the hub already holds presses up to \(status.highestSequence) from this device: stored presses renumbered by \(shift)"
                )
            }
        case .notFound:
            try store.resumeAfter(hubHighestSequence: 0)
        default:
            throw UploadError.rejected(status: Int(response.status.code), message: UploadError.message(of: body))
        }
    }

    /// The leading run of presses with consecutive sequence numbers: the hub takes a batch only
    /// without gaps, and a set-aside press leaves one.
    static func consecutive(_ presses: [Press]) -> [Press] {
        guard var previous = presses.first?.sequence else { return [] }
        var count = 1
        for press in presses.dropFirst() {
            guard press.sequence == previous + 1 else { break }
            previous = press.sequence
            count += 1
        }
        return Array(presses.prefix(count))
    }

    var statusURL: String {
        ingestURL.replacingOccurrences(of: "/api/v1/ingest", with: "/api/v1/devices/\(device.rawValue)")
    }

    /// Sends a request within the configured time limit; TLS trust failures come back explained.
    func execute(_ request: HTTPClientRequest) async throws -> (HTTPClientResponse, ByteBuffer) {
        do {
            let response = try await client.execute(
                request, timeout: .milliseconds(Int64(settings.requestTimeoutMillis)))
            return (response, try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw UploadError.explain(error, hub: ingestURL)
        }
    }

    /// The device's clocks now, so the hub can date presses taken while the wall clock was wrong.
    func clockSample() -> ClockSample {
        ClockSample(
            boot: boot, monotonicNanos: clock.monotonicNanos(), wallClockMillis: clock.wallClockMillis(),
            synchronised: clock.isSynchronised())
    }

    /// Sends one batch and returns the hub's receipt.
    public func upload(_ batch: IngestBatch) async throws -> IngestReceipt {
        var request = HTTPClientRequest(url: ingestURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(batch)))
        let (response, body) = try await execute(request)
        guard response.status == .ok else {
            throw UploadError.rejected(status: Int(response.status.code), message: UploadError.message(of: body))
        }
        do {
            return try JSONDecoder().decode(IngestReceipt.self, from: body)
        } catch {
            throw UploadError.unreadableReceipt(String(buffer: body))
        }
    }
}

public enum UploadError: Error, Sendable, CustomStringConvertible {
    case rejected(status: Int, message: String)
    case unreadableReceipt(String)
    case untrustedHub(url: String, detail: String)

    public var description: String {
        switch self {
        case .rejected(let status, let message): "hub answered \(status): \(message)"
        case .unreadableReceipt(let body): "hub sent a receipt that is not valid: \(body.prefix(200))"
        case .untrustedHub(let url, let detail):
            "the certificate of the hub at \(url) is not trusted (\(detail)): set hubCAFile to the CA that signed it"
        }
    }

    /// The hub's `{"error": {"message": …}}`, or the body itself when it is not that (at most 1,000 characters).
    static func message(of body: ByteBuffer) -> String {
        struct Reply: Decodable {
            struct Detail: Decodable { var message: String }
            var error: Detail
        }
        let text = (try? JSONDecoder().decode(Reply.self, from: body))?.error.message ?? String(buffer: body)
        return String(text.prefix(1000))
    }

    /// Turns a TLS verification failure into words a technician can act on; other errors pass.
    static func explain(_ error: any Error, hub: String) -> any Error {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return UploadError.untrustedHub(url: hub, detail: "certificate verify failed")
        }
        return error
    }
}
