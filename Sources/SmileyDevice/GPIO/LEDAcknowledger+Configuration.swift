import Logging
import SmileyCore

extension DeviceConfiguration {
    /// The acknowledgement LEDs (and buzzer) of `outputs`, requested as output lines; a logging
    /// acknowledger when no output line is configured.
    public func makeAcknowledger(logger: Logger) throws -> any Acknowledger {
        var named: [(String, String)] = []
        if let led = outputs.satisfactionLED { named.append(("satisfaction", led)) }
        if let led = outputs.accessibilityLED { named.append(("accessibility", led)) }
        if let buzzer = outputs.buzzer { named.append(("buzzer", buzzer)) }
        guard !named.isEmpty else { return LoggingAcknowledger(logger: logger) }
        var offsets: [String: UInt32] = [:]
        var chip: GPIOChip?
        for (role, line) in named {
            let located = try locateLine(chip: outputs.chip ?? chip?.path, line: line)
            chip = chip ?? located.chip
            offsets[role] = located.offset
        }
        let lines = try GPIOOutputLines(chip: chip!, offsets: Array(offsets.values), consumer: "smiley-device")
        var leds: [Question: UInt32] = [:]
        leds[.satisfaction] = offsets["satisfaction"]
        leds[.accessibility] = offsets["accessibility"]
        return LEDAcknowledger(outputs: lines, ledOffsets: leds, buzzerOffset: offsets["buzzer"], logger: logger)
    }
}
