import SmileyCore

/// Replays a list of edges through the real debouncer, moving a simulated clock along with them,
/// as fast as the consumer takes the presses. For tests and for the demo's history.
public struct ScriptedButtonSource: ButtonSource {
    public let edges: [Edge]
    public let buttons: [ButtonSpec]
    public let configuration: DebounceConfiguration
    public let clock: SimulatedClock

    public init(edges: [Edge], buttons: [ButtonSpec], configuration: DebounceConfiguration, clock: SimulatedClock) {
        self.edges = edges.sorted { $0.timestampNanos < $1.timestampNanos }
        self.buttons = buttons
        self.configuration = configuration
        self.clock = clock
    }

    public func run(_ handle: @escaping @Sendable (DebounceOutput) async throws -> Void) async throws {
        var debouncer = Debouncer(buttons: buttons, configuration: configuration)
        for edge in edges {
            try Task.checkCancellation()
            while let deadline = debouncer.nextDeadline, deadline <= edge.timestampNanos {
                clock.advance(toMonotonic: deadline)
                for output in debouncer.advance(to: deadline) { try await handle(output) }
            }
            clock.advance(toMonotonic: edge.timestampNanos)
            for output in debouncer.receive(edge) { try await handle(output) }
        }
        while let deadline = debouncer.nextDeadline {
            clock.advance(toMonotonic: deadline)
            for output in debouncer.advance(to: deadline) { try await handle(output) }
        }
    }
}

/// Turns "this answer was pressed at that moment" into the edges a real switch would make.
public struct PressScript: Sendable {
    public struct Step: Sendable, Hashable {
        public var button: Int
        public var atNanos: Int64
        public var holdNanos: Int64
        /// Extra edges in the first milliseconds of press and release, like a worn contact.
        public var bounces: Int

        public init(button: Int, atNanos: Int64, holdNanos: Int64 = 150_000_000, bounces: Int = 0) {
            self.button = button
            self.atNanos = atNanos
            self.holdNanos = holdNanos
            self.bounces = bounces
        }
    }

    public static func edges(for steps: [Step]) -> [Edge] {
        var edges: [Edge] = []
        for step in steps {
            edges.append(Edge(button: step.button, active: true, timestampNanos: step.atNanos))
            // Bounce: off/on pairs 1 ms apart, within 10 ms of the contact closing and opening.
            for bounce in 0..<step.bounces {
                let at = step.atNanos + Int64(bounce * 2 + 1) * 1_000_000
                edges.append(Edge(button: step.button, active: false, timestampNanos: at))
                edges.append(Edge(button: step.button, active: true, timestampNanos: at + 1_000_000))
            }
            let releaseAt = step.atNanos + step.holdNanos
            edges.append(Edge(button: step.button, active: false, timestampNanos: releaseAt))
            for bounce in 0..<step.bounces {
                let at = releaseAt + Int64(bounce * 2 + 1) * 1_000_000
                edges.append(Edge(button: step.button, active: true, timestampNanos: at))
                edges.append(Edge(button: step.button, active: false, timestampNanos: at + 1_000_000))
            }
        }
        return edges
    }
}
