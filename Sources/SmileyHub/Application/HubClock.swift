import Foundation

/// The hub's wall clock, injected so that "today", "this week" and live updates are tested at fixed times.
public struct HubClock: Sendable {
    public let nowMillis: @Sendable () -> Int64

    public init(nowMillis: @escaping @Sendable () -> Int64) {
        self.nowMillis = nowMillis
    }

    public static let system = HubClock { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// A clock that always reads `millis`.
    public static func fixed(_ millis: Int64) -> HubClock { HubClock { millis } }
}
