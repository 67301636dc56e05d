import Foundation
import SmileyCore

/// Live simulated citizens: now and then a press, with real clocks and the real debouncer.
public struct LiveDemoSource: ButtonSource {
    public let traffic: DemoTraffic
    public let answers: [Answer]
    public let buttons: [ButtonSpec]
    public let configuration: DebounceConfiguration
    public let clock: any DeviceClock

    public init(
        traffic: DemoTraffic, answers: [Answer], buttons: [ButtonSpec], configuration: DebounceConfiguration,
        clock: any DeviceClock
    ) {
        self.traffic = traffic
        self.answers = answers
        self.buttons = buttons
        self.configuration = configuration
        self.clock = clock
    }

    public func run(_ handle: @escaping @Sendable (DebounceOutput) async throws -> Void) async throws {
        let meanSeconds = traffic.settings.liveMeanIntervalSeconds
        guard meanSeconds > 0 else { return }
        var generator = SplitMix64(seed: traffic.settings.seed &+ UInt64(clock.wallClockMillis()))
        var debouncer = Debouncer(buttons: buttons, configuration: configuration)
        while true {
            let wait = -log(1 - generator.nextDouble()) * meanSeconds
            try await Task.sleep(for: .seconds(wait))
            // A closed centre has no citizens: the live demo follows the same opening hours as the history.
            guard traffic.isOpen(at: Date()) else { continue }
            let question: Question = generator.nextDouble() < 0.7 ? .satisfaction : .accessibility
            let answer = traffic.answer(at: Date(), &generator, question: question)
            guard let button = answers.firstIndex(of: answer) else { continue }
            let pressedAt = clock.monotonicNanos()
            for output in debouncer.receive(Edge(button: button, active: true, timestampNanos: pressedAt)) {
                try await handle(output)
            }
            try await Task.sleep(for: .milliseconds(120))
            let releasedAt = clock.monotonicNanos()
            for output in debouncer.receive(Edge(button: button, active: false, timestampNanos: releasedAt)) {
                try await handle(output)
            }
            try await Task.sleep(for: .milliseconds(configuration.stableWindowNanos / 1_000_000 + 5))
            for output in debouncer.advance(to: clock.monotonicNanos()) { try await handle(output) }
        }
    }
}
