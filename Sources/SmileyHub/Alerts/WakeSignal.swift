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
