import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import SmileyCore
import UnixSignals

/// Builds the services of one device from its configuration: buttons -> recorder -> store -> uploader.
public struct DeviceApplication: Sendable {
    public let configuration: DeviceConfiguration
    public let store: DeviceStore
    public let uploadSignal: UploadSignal
    public let health = DeviceHealth()
    public let testMode: TestMode
    let logger: Logger

    public init(configuration: DeviceConfiguration, logger: Logger) throws {
        try configuration.validate()
        self.configuration = configuration
        self.store = try DeviceStore(path: configuration.storePath)
        self.uploadSignal = UploadSignal()
        self.testMode = TestMode(
            clock: SystemClock(), maximumSeconds: configuration.control.buttonsTestSeconds, logger: logger)
        self.logger = logger
    }

    public var answers: [Answer] { configuration.buttons.map(\.answer) }

    /// Buttons of one question share a panel (and its response interval).
    public var buttonSpecs: [ButtonSpec] {
        ButtonConfiguration.specs(configuration.buttons)
    }

    public func recorder(clock: any DeviceClock, boot: String, acknowledger: (any Acknowledger)? = nil)
        -> PressRecorder
    {
        PressRecorder(
            store: store, clock: clock, boot: boot, answers: answers,
            acknowledger: acknowledger ?? LoggingAcknowledger(logger: logger), uploadSignal: uploadSignal,
            health: health, lines: configuration.buttons.map(\.line), testMode: testMode, logger: logger)
    }

    /// The phases of a simulated device: replayed history (simulated clock), then live presses.
    public func simulatedPhases(_ simulation: SimulationSettings, now: Date = Date()) throws -> [ButtonService.Phase] {
        let traffic = try DemoTraffic(settings: simulation)
        var phases: [ButtonService.Phase] = []
        if let line = simulation.stuckLine { health.setStuck(line, true) }
        // A quiet device's history ends early, and it presses nothing live.
        let historyEnd = now.addingTimeInterval(-simulation.quietForHours * 3600)
        if simulation.historyDays > 0 {
            let start = now.addingTimeInterval(-Double(simulation.historyDays) * 86_400)
            let clock = SimulatedClock(bootWallClockMillis: Int64(start.timeIntervalSince1970 * 1000) - 3_600_000)
            var generator = SplitMix64(seed: simulation.seed ^ 0xA5A5)
            let steps = traffic.visits(from: start, to: max(start, historyEnd)).compactMap {
                visit -> PressScript.Step? in
                guard let button = answers.firstIndex(of: visit.answer) else { return nil }
                return PressScript.Step(
                    button: button, atNanos: clock.monotonicNanos(atWallClock: visit.wallClockMillis),
                    holdNanos: Int64(80 + generator.nextDouble() * 220) * 1_000_000,
                    bounces: Int(generator.next() % 4))
            }
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: steps), buttons: buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let boot = "history-\(configuration.device)-\(Int64(start.timeIntervalSince1970))"
            phases.append(.init(name: "history", source: source, recorder: recorder(clock: clock, boot: boot)))
        }
        if simulation.liveMeanIntervalSeconds > 0, simulation.quietForHours == 0 {
            let clock = SystemClock()
            let source = LiveDemoSource(
                traffic: traffic, answers: answers, buttons: buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            phases.append(
                .init(name: "live", source: source, recorder: recorder(clock: clock, boot: BootIdentity.current())))
        }
        return phases
    }

    /// The buttons of a real device, read from GPIO lines, acknowledged on the panel LEDs.
    public func gpioPhase(notifier: SystemdNotifier) throws -> (ButtonService.Phase, GPIOButtonSource) {
        logger.info("libgpiod \(GPIOLibrary.version) (API \(GPIOLibrary.apiMajor))")
        let logger = logger
        let source = GPIOButtonSource(
            buttons: configuration.buttons, specs: buttonSpecs,
            configuration: configuration.debounce.debouncerConfiguration,
            realtimePriority: configuration.outputs.realtimePriority
        ) {
            logger.info("buttons: lines requested, ready")
            notifier.ready()
        }
        // Fail before anything else starts when a button line is missing or held by another process.
        _ = try source.requestLines()
        let acknowledger = try configuration.makeAcknowledger(logger: logger)
        testMode.announce(on: acknowledger)
        let phase = ButtonService.Phase(
            name: "gpio", source: source,
            recorder: recorder(clock: SystemClock(), boot: BootIdentity.current(), acknowledger: acknowledger))
        return (phase, source)
    }

    /// Runs the device until SIGTERM or SIGINT: buttons and uploader under one service group.
    public func run() async throws {
        let token = try configuration.loadToken()
        if BootIdentity.read() == nil {
            logger.warning(
                "cannot read the kernel's boot id (\(BootIdentity.kernelPath)): this run is boot \(BootIdentity.fallback)"
            )
        }
        let notifier = SystemdNotifier(logger: logger)
        let phases: [ButtonService.Phase]
        var extraServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // A simulated device has no button thread that could wedge: it answers the watchdog always.
        var isResponsive: @Sendable () async -> Bool = { true }
        if let simulation = configuration.simulation {
            phases = try simulatedPhases(simulation)
            notifier.ready()
        } else {
            let (phase, source) = try gpioPhase(notifier: notifier)
            phases = [phase]
            isResponsive = { await source.isResponsive() }
        }
        if let interval = SystemdNotifier.watchdogInterval() {
            extraServices.append(
                .init(
                    service: WatchdogService(
                        interval: interval, notifier: notifier, logger: logger, isResponsive: isResponsive)))
        }
        let client = try configuration.makeHubClient()
        let uploader = Uploader(
            store: store, device: configuration.device, centre: configuration.centre, hub: try configuration.hubURL,
            settings: configuration.upload, client: client, clock: SystemClock(),
            storageBudget: configuration.storage.maximumPresses, token: token, signal: uploadSignal, logger: logger)
        let control = ControlSocketServer(path: configuration.controlSocketPath, testMode: testMode, logger: logger)
        try await control.start()
        let heartbeat = HeartbeatService(
            configuration: configuration, store: store, health: health, client: client, clock: SystemClock(),
            boot: BootIdentity.current(), token: token, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: uploader),
                    .init(service: heartbeat),
                    .init(service: control),
                    .init(service: ButtonService(phases: phases, logger: logger)),
                ] + extraServices,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
            notifier.stopping()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
