import SmileyCore

extension PressStore {
    /// One line per device for `smiley-hub device list`: press counts and the latest heartbeat. What
    /// the device sent is neutralised (`TerminalText`): it cannot move the cursor or forge a line.
    public func deviceLines(nowMillis: Int64) async throws -> [String] {
        var lines: [String] = []
        for device in try await devices() {
            lines.append(Self.listingLine(device, heartbeat: try await lastHeartbeat(device.id), nowMillis: nowMillis))
        }
        return lines
    }

    /// The listing line of one device, from its summary and its latest heartbeat (plain data).
    static func listingLine(
        _ device: DeviceSummary, heartbeat latest: (heartbeat: Heartbeat, receivedMillis: Int64)?, nowMillis: Int64
    ) -> String {
        var line =
            "\(device.id)\t\(device.centre)\t\(device.presses) presses\thighest sequence \(device.highestSequence)"
        if let (heartbeat, received) = latest {
            line += "\tlast heartbeat \((nowMillis - received) / 1000) s ago, backlog \(heartbeat.backlog)"
            if !heartbeat.stuckLines.isEmpty {
                line += ", stuck: \(heartbeat.stuckLines.map(TerminalText.neutralised).joined(separator: " "))"
            }
            if heartbeat.lostGPIOEvents > 0 { line += ", lost GPIO events: \(heartbeat.lostGPIOEvents)" }
            if let warning = heartbeat.storageWarning { line += ", \(TerminalText.neutralised(warning))" }
        } else {
            line += "\tno heartbeat yet"
        }
        return line
    }
}

extension HubDatabase {
    /// `deviceLines` without a suspension point, for callers holding the SQLite hub.
    public func deviceListing(nowMillis: Int64) throws -> [String] {
        try devices().map { device in
            Self.listingLine(device, heartbeat: try lastHeartbeat(device.id), nowMillis: nowMillis)
        }
    }
}
