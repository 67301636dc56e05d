extension Heartbeat {
    /// Refuses numbers outside what the field can hold and texts that are over-long or carry control
    /// characters (they end up on an administrator's terminal). The error names the field.
    public func validate() throws(WireValueError) {
        func text(_ value: String, _ field: String, maximumBytes: Int, mayBeEmpty: Bool = false) throws(WireValueError)
        {
            if let problem = WireLimits.problem(text: value, maximumBytes: maximumBytes, mayBeEmpty: mayBeEmpty) {
                throw WireValueError(field: field, problem: problem)
            }
        }
        func count(_ value: Int64, _ field: String) throws(WireValueError) {
            guard WireLimits.counts.contains(value) else {
                throw WireValueError(
                    field: field, problem: "\(value) is out of range (expected 0 to \(WireLimits.counts.upperBound))")
            }
        }
        func millis(_ value: Int64?, _ field: String) throws(WireValueError) {
            guard let value else { return }
            guard WireLimits.wallClockMillis.contains(value) else {
                throw WireValueError(field: field, problem: "\(value) is out of range")
            }
        }
        try text(firmwareVersion, "firmwareVersion", maximumBytes: WireLimits.shortTextBytes)
        try count(uptimeSeconds, "uptimeSeconds")
        try count(Int64(backlog), "backlog")
        try count(Int64(lostGPIOEvents), "lostGPIOEvents")
        try count(freeDiskBytes, "freeDiskBytes")
        try millis(oldestUnsentMillis, "oldestUnsentMillis")
        try millis(lastPressMillis, "lastPressMillis")
        guard stuckLines.count <= WireLimits.maximumStuckLines else {
            throw WireValueError(
                field: "stuckLines", problem: "at most \(WireLimits.maximumStuckLines) lines, got \(stuckLines.count)")
        }
        for (index, line) in stuckLines.enumerated() {
            try text(line, "stuckLines[\(index)]", maximumBytes: WireLimits.shortTextBytes)
        }
        if let storageWarning {
            try text(storageWarning, "storageWarning", maximumBytes: WireLimits.messageBytes)
        }
        // The hub's own refusal messages, echoed back: bounded by decoding, and no control characters either.
        for (index, press) in (setAside?.latest ?? []).enumerated() {
            try text(
                press.message, "setAside.latest[\(index)].message",
                maximumBytes: SetAsideReport.maximumMessageLength * 4, mayBeEmpty: true)
        }
    }
}
