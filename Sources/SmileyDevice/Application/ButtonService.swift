import Logging
import ServiceLifecycle
import SmileyCore

/// Runs the button sources one after the other (the demo's history, then live presses; on a real
/// device, the GPIO lines), storing every debounced press through its recorder.
public struct ButtonService: Service {
    public struct Phase: Sendable {
        public var name: String
        public var source: any ButtonSource
        public var recorder: PressRecorder

        public init(name: String, source: any ButtonSource, recorder: PressRecorder) {
            self.name = name
            self.source = source
            self.recorder = recorder
        }
    }

    let phases: [Phase]
    let logger: Logger

    public init(phases: [Phase], logger: Logger) {
        self.phases = phases
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await runPhases()
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // SIGTERM: the in-flight press was stored and the lines released; a clean stop.
        }
    }

    func runPhases() async throws {
        try await cancelWhenGracefulShutdown {
            for phase in phases {
                logger.info("buttons: \(phase.name) started")
                let recorder = phase.recorder
                try await phase.source.run { output in
                    try recorder.handle(output)
                }
                logger.info("buttons: \(phase.name) finished")
            }
            // Keep running so the uploader is not stopped with the group when the sources end.
            try await gracefulShutdown()
        }
    }
}
