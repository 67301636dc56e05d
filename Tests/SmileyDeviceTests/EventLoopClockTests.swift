import NIOCore
import NIOEmbedded
import NIOPosix
import SmileyDevice
import Synchronization
import Testing

/// The clock the device's periodic work waits on. Most tests run it on `NIOAsyncTestingEventLoop`,
/// whose time moves only when the test says so; two run it on a real event loop.
@Suite struct EventLoopClockTests {
    /// Names of the sleeps that ended, in the order they ended.
    final class Ended: Sendable {
        private let names = Mutex<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// Lets the loop run what fell due until `done` holds (a sleeper may schedule its timer after
    /// the time was moved; its deadline then lies in the past and the next run fires it).
    func runLoop(_ loop: NIOAsyncTestingEventLoop, until done: () -> Bool) async {
        for _ in 0..<100_000 where !done() {
            await loop.run()
            await Task.yield()
        }
    }

    @Test func sleepsEndInTheOrderOfTheirDeadlinesAndOnlyWhenTheLoopsTimeReachesThem() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let clock = EventLoopClock(eventLoop: loop)
        let start = clock.now
        let ended = Ended()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, millis) in [("thirty", 30), ("ten", 10), ("twenty", 20)] {
                group.addTask {
                    try await clock.sleep(until: start.advanced(by: .milliseconds(millis)))
                    ended.append(name)
                }
            }
            await loop.advanceTime(to: start.advanced(by: .milliseconds(15)).deadline)
            await runLoop(loop) { ended.all.count >= 1 }
            #expect(ended.all == ["ten"])
            await loop.advanceTime(to: start.advanced(by: .milliseconds(25)).deadline)
            await runLoop(loop) { ended.all.count >= 2 }
            #expect(ended.all == ["ten", "twenty"])
            await loop.advanceTime(to: start.advanced(by: .milliseconds(30)).deadline)
            await runLoop(loop) { ended.all.count >= 3 }
            try await group.waitForAll()
        }
        #expect(ended.all == ["ten", "twenty", "thirty"])
        #expect(start.duration(to: clock.now) == .milliseconds(30))
        await loop.shutdownGracefully()
    }

    @Test func aCancelledSleepThrowsAndItsTimerNeverFires() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let clock = EventLoopClock(eventLoop: loop)
        let ended = Ended()
        let sleeper = Task {
            do {
                try await clock.sleep(for: .seconds(3600))
                ended.append("woke")
            } catch is CancellationError {
                ended.append("cancelled")
            }
        }
        let other = Task {
            try await clock.sleep(for: .seconds(10))
            ended.append("other")
        }
        sleeper.cancel()
        try await sleeper.value
        #expect(ended.all == ["cancelled"])
        // Past both deadlines: only the sleep that was not cancelled ends.
        await loop.advanceTime(by: .seconds(7200))
        await runLoop(loop) { ended.all.count >= 2 }
        try await other.value
        #expect(ended.all == ["cancelled", "other"])
        await loop.shutdownGracefully()
    }

    @Test func aSleepOfAnAlreadyCancelledTaskThrowsAtOnce() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let clock = EventLoopClock(eventLoop: loop)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        await loop.shutdownGracefully()
    }

    @Test func instantsAddAndSubtractDurationsExactly() {
        let clock = EventLoopClock(eventLoop: NIOAsyncTestingEventLoop())
        let start = clock.now
        let later = start.advanced(by: .milliseconds(1500))
        #expect(start.duration(to: later) == .milliseconds(1500))
        #expect(later.duration(to: start) == .milliseconds(-1500))
        #expect(start < later)
        #expect(later.advanced(by: .nanoseconds(-1)) > start)
    }

    @Test func onARealEventLoopASleepEndsAndACancelledOneReturnsEarly() async throws {
        let clock = EventLoopClock(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let before = clock.now
        try await clock.sleep(for: .milliseconds(5))
        #expect(before.duration(to: clock.now) >= .milliseconds(5))
        // An hour's sleep, cancelled: the test finishes only if the cancellation ends it.
        let long = Task { try await clock.sleep(for: .seconds(3600)) }
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }
    }
}
