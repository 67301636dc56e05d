/// Failed sign-ins counted per account and per address over a sliding window: once either has too many,
/// further attempts wait until the oldest failure leaves the window. A value driven by the hub's clock.
public struct LoginThrottle: Sendable {
    public struct Limits: Sendable, Hashable {
        public var failuresPerAccount: Int
        public var failuresPerAddress: Int
        public var windowMillis: Int64

        public init(failuresPerAccount: Int = 5, failuresPerAddress: Int = 20, windowMillis: Int64 = 15 * 60_000) {
            self.failuresPerAccount = failuresPerAccount
            self.failuresPerAddress = failuresPerAddress
            self.windowMillis = windowMillis
        }
    }

    public let limits: Limits
    /// Keys seen at most; beyond, the quietest are forgotten so that a flood of names cannot exhaust memory.
    public let maximumKeys: Int
    private var failures: [String: [Int64]] = [:]

    public init(limits: Limits = Limits(), maximumKeys: Int = 10_000) {
        self.limits = limits
        self.maximumKeys = maximumKeys
    }

    /// Milliseconds until an attempt for this account from this address may be made, or nil when it may be made now.
    public func wait(account: String, address: String, nowMillis: Int64) -> Int64? {
        let waits = [
            wait(key: "account:" + account, limit: limits.failuresPerAccount, nowMillis: nowMillis),
            wait(key: "address:" + address, limit: limits.failuresPerAddress, nowMillis: nowMillis),
        ].compactMap { $0 }
        return waits.max()
    }

    private func wait(key: String, limit: Int, nowMillis: Int64) -> Int64? {
        let recent = (failures[key] ?? []).filter { nowMillis - $0 < limits.windowMillis }
        guard recent.count >= limit, let oldest = recent.suffix(limit).first else { return nil }
        return max(1, oldest + limits.windowMillis - nowMillis)
    }

    public mutating func recordFailure(account: String, address: String, nowMillis: Int64) {
        for key in ["account:" + account, "address:" + address] {
            failures[key, default: []] =
                (failures[key] ?? []).filter { nowMillis - $0 < limits.windowMillis } + [nowMillis]
        }
        if failures.count > maximumKeys {
            failures = failures.filter { !$0.value.allSatisfy { nowMillis - $0 >= limits.windowMillis } }
            while failures.count > maximumKeys, let quietest = failures.min(by: { $0.value.last! < $1.value.last! }) {
                failures[quietest.key] = nil
            }
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    public mutating func recordSuccess(account: String) {
        failures["account:" + account] = nil
    }
}
