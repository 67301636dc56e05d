import SmileyCore

extension HubDatabase {
    /// One line per device for `smiley-hub device list`: press counts and the latest heartbeat. What
    /// the device sent is neutralised (`TerminalText`): it cannot move the cursor or forge a line.
    public func deviceListing(nowMillis: Int64) throws -> [String] {
        try devices().map { device in
            var line =
                "\(device.id)\t\(device.centre)\t\(device.presses) presses\thighest sequence \(device.highestSequence)"
            if let (heartbeat, received) = try lastHeartbeat(device.id) {
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
}
