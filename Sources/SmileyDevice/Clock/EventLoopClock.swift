import NIOCore
import NIOPosix
import Synchronization

/// A `Clock` whose sleeps are timers on a SwiftNIO event loop: what the device's periodic work
/// (watchdog, heartbeat, upload retries) waits on.
///
/// `Task.sleep` and `ContinuousClock` hand each sleep to libdispatch's timer machinery, which keeps a
/// worker pool awake (about 40 wake-ups in 30 s for a 15 s sleep loop, measured); a sleep here is
/// one entry in the event loop's timer heap, so an idle device wakes only when a deadline falls due.
/// A cancelled sleep removes its timer and throws `CancellationError`. Tests use the same code on
/// `NIOAsyncTestingEventLoop`, whose time moves only when told to.
public struct EventLoopClock: Clock {
    public struct Instant: InstantProtocol {
        public var deadline: NIODeadline

        public init(_ deadline: NIODeadline) { self.deadline = deadline }

        public func advanced(by duration: Duration) -> Instant { Instant(deadline + TimeAmount(duration)) }

        public func duration(to other: Instant) -> Duration { .nanoseconds((other.deadline - deadline).nanoseconds) }

        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.deadline < rhs.deadline }
    }

    public let eventLoop: any EventLoop

    /// - Parameter eventLoop: where the timers live; by default one of NIO's shared loops, the same
    ///   threads the HTTP client and the control socket run on.
    public init(eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.eventLoop = eventLoop
    }

    public var now: Instant { Instant(eventLoop.now) }

    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let timer = SleepTimer()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let scheduled = eventLoop.scheduleTask(deadline: deadline.deadline) {}
                scheduled.futureResult.whenComplete { result in
                    switch result {
                    case .success: continuation.resume()
                    case .failure: continuation.resume(throwing: CancellationError())
                    }
                }
                timer.hold(scheduled)
            }
        } onCancel: {
            timer.cancel()
        }
    }

    /// One sleep's timer, shared between the sleeper and its cancellation handler, which may run
    /// before the timer exists.
    private final class SleepTimer: Sendable {
        private enum State {
            case waiting
            case scheduled(Scheduled<Void>)
            case cancelled
        }

        private let state = Mutex(State.waiting)

        /// Keeps the timer for a cancellation to come, or cancels it when the cancellation came first.
        func hold(_ scheduled: Scheduled<Void>) {
            let cancelledMeanwhile = state.withLock { state in
                if case .cancelled = state { return true }
                state = .scheduled(scheduled)
                return false
            }
            if cancelledMeanwhile { scheduled.cancel() }
        }

        func cancel() {
            let scheduled = state.withLock { state -> Scheduled<Void>? in
                defer { state = .cancelled }
                if case .scheduled(let scheduled) = state { return scheduled }
                return nil
            }
            scheduled?.cancel()
        }
    }
}
