import Logging
import ServiceLifecycle

/// Wakes a periodic service at once instead of at its next tick: the alert service after presses a test placed,
/// the delivery service after an alert opened. Wake-ups while one is pending merge into one.
public struct WakeSignal: Sendable {
    let stream: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func wake() { continuation.yield() }

    /// Runs `work` now, on every wake-up and every `interval`, until cancelled or graceful shutdown.
    func run(every interval: Duration, _ work: @Sendable () async -> Void) async {
        let continuation = continuation
        continuation.yield()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    continuation.yield()
                }
            }
            for await _ in stream.cancelOnGracefulShutdown() {
                await work()
            }
            group.cancelAll()
        }
    }
}

extension WakeSignal {
    /// `run(every:)` under `lease` when one is given (hubs sharing a PostgreSQL database): every tick and
    /// wake-up tries the lease, and `work` runs only while this process holds it; the lease is given up when
    /// the loop ends. A wake-up wakes this process only: a hub that does not hold the lease does nothing with it
    /// (the holder does the work at its own next tick).
    func run(
        every interval: Duration, lease: PeriodicWorkLease?, logger: Logger,
        _ work: @escaping @Sendable () async -> Void
    ) async {
        guard let lease else {
            await run(every: interval, work)
            return
        }
        let holder = PeriodicWorkLease.Holder(lease)
        await run(every: interval) {
            do {
                if try await !holder.tick(work) {
                    logger.debug("'\(lease.name)' runs in another hub (it holds the lease)")
                }
            } catch {
                logger.error("'\(lease.name)' did not run: \(error)")
            }
        }
        await holder.release()
    }
}
