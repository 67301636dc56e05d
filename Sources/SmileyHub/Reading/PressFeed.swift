import ServiceLifecycle
import SmileyCore

/// Tells open dashboards that presses of a centre reached the hub, so "today" updates without a reload.
/// A `Service`: on shutdown it ends every subscription, so open event streams close and the server can stop.
public actor PressFeed: Service {
    /// Open event streams at most; more are refused so that watchers cannot exhaust the hub.
    public let maximumSubscribers: Int
    private var subscribers: [Int: AsyncStream<CentreID>.Continuation] = [:]
    private var nextID = 0
    private var finished = false

    public init(maximumSubscribers: Int = 256) {
        self.maximumSubscribers = maximumSubscribers
    }

    /// A stream of centre ids, one per committed batch with new presses; nil when the feed is full or closed.
    public func subscribe() -> AsyncStream<CentreID>? {
        guard !finished, subscribers.count < maximumSubscribers else { return nil }
        let id = nextID
        nextID += 1
        let (stream, continuation) = AsyncStream.makeStream(of: CentreID.self, bufferingPolicy: .bufferingNewest(32))
        continuation.onTermination = { _ in Task { await self.remove(id) } }
        subscribers[id] = continuation
        return stream
    }

    public func publish(_ centre: CentreID) {
        for continuation in subscribers.values { continuation.yield(centre) }
    }

    public var subscriberCount: Int { subscribers.count }

    private func remove(_ id: Int) {
        subscribers[id] = nil
    }

    public func run() async throws {
        try? await gracefulShutdown()
        finish()
    }

    private func finish() {
        finished = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }
}
